#pragma once
/// A loopback port that refuses connections for as long as this object lives: a TCP socket bound
/// to 127.0.0.1 port 0 that never listens. Connecting gets ECONNREFUSED at once, and no other
/// process can take the port meanwhile (unlike a port that was bound, closed and reused, or a
/// well-known port assumed closed). Header-only: the unit tests that need it do not link the
/// integration support library.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <stdexcept>
#include <string>

namespace tsm::test {

class refused_port {
public:
    refused_port() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        socklen_t len = sizeof a;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0
            || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            if (fd_ >= 0) {
                ::close(fd_);
            }
            throw std::runtime_error("refused_port: cannot bind 127.0.0.1:0");
        }
        port_ = ntohs(a.sin_port);
    }
    ~refused_port() { ::close(fd_); }
    refused_port(const refused_port&) = delete;
    refused_port& operator=(const refused_port&) = delete;

    unsigned short port() const noexcept { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    int fd_ = -1;
    unsigned short port_ = 0;
};

} // namespace tsm::test
