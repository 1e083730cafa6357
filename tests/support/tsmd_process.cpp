#include "tsmd_process.hpp"

#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace tsm::test {

std::string tsmd_process::binary() {
    return TSMD_BINARY;
}

tsmd_process::tsmd_process(std::string data_dir, unsigned shards, std::vector<std::string> extra) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe failed");
    }
    log_path_ = "/tmp/opentsm-tsmd-" + std::to_string(::getpid()) + "-" +
                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".log";
    std::vector<std::string> args = {binary(), "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
                                     "--data-dir", data_dir, "--shards", std::to_string(shards)};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = spawn_process(std::move(args), log_path_, out[1]); // stdout: the pipe, stderr: the log
    ::close(out[1]);
    // Read stdout lines until "ready" (bounded: 30 s).
    FILE* f = ::fdopen(out[0], "r");
    char line[512];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool ready = false;
    while (std::chrono::steady_clock::now() < deadline && std::fgets(line, sizeof line, f) != nullptr) {
        std::string s(line);
        if (s.rfind("tsmd: listening on ", 0) == 0) {
            address_ = s.substr(19, s.find_first_of("\r\n") - 19);
        } else if (s.rfind("tsmd: admin on ", 0) == 0) {
            admin_ = s.substr(15, s.find_first_of("\r\n") - 15);
        } else if (s.rfind("tsmd: ready", 0) == 0) {
            ready = true;
            break;
        }
    }
    // Keep draining stdout in the background so the child never blocks on a full pipe.
    std::thread([f] {
        char buf[256];
        while (std::fgets(buf, sizeof buf, f) != nullptr) {
        }
        std::fclose(f);
    }).detach();
    if (!ready) {
        kill();
        throw std::runtime_error("tsmd did not become ready; log:\n" + log());
    }
}

tsmd_process::~tsmd_process() {
    if (pid_ > 0) {
        kill();
    }
    std::remove(log_path_.c_str());
}

unsigned short tsmd_process::port() const {
    return static_cast<unsigned short>(std::stoi(address_.substr(address_.rfind(':') + 1)));
}

unsigned short tsmd_process::admin_port() const {
    return static_cast<unsigned short>(std::stoi(admin_.substr(admin_.rfind(':') + 1)));
}

int tsmd_process::terminate() {
    if (pid_ <= 0) {
        return -1;
    }
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void tsmd_process::kill() {
    if (pid_ <= 0) {
        return;
    }
    kill_and_reap(pid_);
    pid_ = -1;
}

std::string tsmd_process::log() const {
    return read_text_file(log_path_);
}

} // namespace tsm::test
