#pragma once
/// An HTTPS front for the fake SP: terminates TLS on 127.0.0.1 port 0 with a certificate made at
/// test time, forwards each request to a plain HTTP port and relays the answer. Lets integration
/// tests prove that tsmd speaks HTTPS to Service Providers.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace tsm::test {

class tls_front {
public:
    explicit tls_front(unsigned short backend_port);
    ~tls_front();

    unsigned short port() const noexcept { return port_; }
    std::string base() const;                                        ///< "https://127.0.0.1:PORT"
    const std::string& ca_file() const noexcept { return ca_file_; } ///< PEM of the certificate

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    unsigned short port_ = 0;
    std::string ca_file_;
};

} // namespace tsm::test
