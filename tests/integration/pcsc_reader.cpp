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

// A port nobody listens on now (vpcd binds all interfaces, so ask for one the same way).
unsigned short free_port() {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, boost::asio::ip::tcp::endpoint(boost::asio::ip::tcp::v4(), 0));
    return a.local_endpoint().port();
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
    port_ = free_port();
    {
        char channel[16];
        std::snprintf(channel, sizeof channel, "0x%04X", port_);
        std::ofstream conf(conf_dir + "/vpcd");
        conf << "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:" << channel << "\nLIBPATH "
             << vpcd_driver << "\nCHANNELID " << channel << "\n";
    }
    log_path_ = dir + "/pcscd.log";
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
        if (std::chrono::steady_clock::now() >= deadline) {
            stop();
            throw std::runtime_error("pcscd's vpcd reader did not listen on port " + std::to_string(port_)
                                     + " within 10 s: " + log());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
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
