#include "pcsc_reader.hpp"

#include "child_process.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tsm::test {

namespace {

const char* pcscd_binary = "/usr/sbin/pcscd";
const char* vpcd_driver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
const char* pcscd_socket = "/run/pcscd/pcscd.comm";

bool exists(const char* path) {
    struct stat st {};
    return ::stat(path, &st) == 0;
}

// A port vpcd can listen on, and the one after it (its second slot). vpcd binds all interfaces
// without SO_REUSEADDR, so a port that a recent connection left in TIME_WAIT would fail there:
// probe the same way (no SO_REUSEADDR) and ask for a pair that binds.
bool bindable(boost::asio::io_context& ioc, unsigned short port) {
    boost::asio::ip::tcp::acceptor a(ioc);
    boost::system::error_code ec;
    a.open(boost::asio::ip::tcp::v4(), ec);
    if (!ec) {
        a.bind(boost::asio::ip::tcp::endpoint(boost::asio::ip::tcp::v4(), port), ec);
    }
    return !ec;
}

unsigned short free_port() {
    boost::asio::io_context ioc;
    for (int attempt = 0; attempt < 50; ++attempt) {
        boost::asio::ip::tcp::acceptor a(ioc, boost::asio::ip::tcp::endpoint(boost::asio::ip::tcp::v4(), 0),
                                         /*reuse_addr=*/false);
        const unsigned short port = a.local_endpoint().port();
        a.close();
        if (port < 65535 && bindable(ioc, port) && bindable(ioc, static_cast<unsigned short>(port + 1))) {
            return port;
        }
    }
    throw std::runtime_error("no free pair of ports for the vpcd reader");
}

// True when /proc/net/tcp shows a socket listening on `port` (state 0A). Connecting to probe
// would be a card insertion for vpcd.
bool listening(unsigned short port) {
    std::ifstream in("/proc/net/tcp");
    std::string line;
    char want[8];
    std::snprintf(want, sizeof want, ":%04X", port);
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state;
        fields >> slot >> local >> remote >> state;
        if (state == "0A" && local.size() > 5 && local.ends_with(want)) {
            return true;
        }
    }
    return false;
}

} // namespace

bool pcsc_stack_installed() {
    return exists(pcscd_binary) && exists(vpcd_driver);
}

bool wait_for_log(const std::string& log_path, const std::string& needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (read_text_file(log_path).find(needle) != std::string::npos) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return read_text_file(log_path).find(needle) != std::string::npos;
}

pcsc_reader::pcsc_reader(const std::string& dir) {
    if (exists(pcscd_socket)) {
        throw std::runtime_error(std::string("a pcscd already serves ") + pcscd_socket
                                 + " (pcscd cannot use another socket): stop it first, e.g. `systemctl stop "
                                   "pcscd.socket pcscd.service`, or remove a stale socket");
    }
    const std::string conf_dir = dir + "/reader.conf.d";
    ::mkdir(conf_dir.c_str(), 0700);
    log_path_ = dir + "/pcscd.log";
    // A port can still be taken between the probe and pcscd's bind (another test's connection):
    // pcscd then runs without its reader, so start again on another port.
    for (int attempt = 1;; ++attempt) {
        if (start_on_free_port(conf_dir)) {
            return;
        }
        if (attempt == 3) {
            throw std::runtime_error("pcscd's vpcd reader could not listen (3 ports tried): " + log());
        }
    }
}

bool pcsc_reader::start_on_free_port(const std::string& conf_dir) {
    port_ = free_port();
    {
        char channel[16];
        std::snprintf(channel, sizeof channel, "0x%04X", port_);
        std::ofstream conf(conf_dir + "/vpcd");
        conf << "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:" << channel << "\nLIBPATH "
             << vpcd_driver << "\nCHANNELID " << channel << "\n";
    }
    // pcscd needs root for /run/pcscd; a non-root test uses passwordless sudo when it has it
    // (sudo relays the SIGTERM that stops it).
    std::vector<std::string> args{pcscd_binary, "-f", "-a", "-c", conf_dir};
    if (::geteuid() != 0) {
        if (!exists("/usr/bin/sudo")) {
            throw std::runtime_error("pcscd needs root (for /run/pcscd) and there is no sudo");
        }
        args.insert(args.begin(), {"/usr/bin/sudo", "-n"});
    }
    pid_ = spawn_process(args, log_path_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!listening(port_)) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("pcscd exited before its vpcd reader listened: " + log());
        }
        if (log().find("Could not initialize connection to virtual ICC") != std::string::npos) {
            stop(); // the port was taken after all
            return false;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            stop();
            throw std::runtime_error("pcscd's vpcd reader did not listen on port " + std::to_string(port_)
                                     + " within 10 s: " + log());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

pcsc_reader::~pcsc_reader() {
    stop();
}

std::string pcsc_reader::log() const {
    return read_text_file(log_path_);
}

void pcsc_reader::stop() {
    if (pid_ <= 0) {
        return;
    }
    // SIGTERM lets pcscd remove its socket and pid file; SIGKILL only when it hangs.
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) != pid_) {
        if (std::chrono::steady_clock::now() >= deadline) {
            kill_and_reap(pid_);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
}

} // namespace tsm::test
