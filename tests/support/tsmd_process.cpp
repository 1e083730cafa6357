#include "tsmd_process.hpp"

#include "child_process.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
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
    log_path_ = "/tmp/opentsm-tsmd-" + std::to_string(::getpid()) + "-"
                + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".log";
    std::vector<std::string> args = {binary(),         "--listen",    "127.0.0.1:0",
                                     "--admin-listen", "127.0.0.1:0", "--data-dir",
                                     data_dir,         "--shards",    std::to_string(shards)};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = spawn_process(std::move(args), log_path_, out[1]); // stdout: the pipe, stderr: the log
    ::close(out[1]);
    // Read stdout lines until "ready". poll() with the time left bounds every wait, so a tsmd
    // that hangs before printing a full line fails the test after 30 s instead of blocking it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::string pending;
    bool ready = false;
    bool eof = false;
    while (!ready && !eof) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            break;
        }
        pollfd p{out[0], POLLIN, 0};
        const int n = ::poll(&p, 1, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break; // timed out (or poll failed)
        }
        char buf[512];
        const ssize_t got = ::read(out[0], buf, sizeof buf);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            eof = true; // tsmd exited or closed its stdout
        } else {
            pending.append(buf, static_cast<std::size_t>(got));
        }
        for (auto nl = pending.find('\n'); nl != std::string::npos && !ready; nl = pending.find('\n')) {
            std::string s = pending.substr(0, nl);
            pending.erase(0, nl + 1);
            if (!s.empty() && s.back() == '\r') {
                s.pop_back();
            }
            if (s.rfind("tsmd: listening on ", 0) == 0) {
                address_ = s.substr(19);
            } else if (s.rfind("tsmd: admin on ", 0) == 0) {
                admin_ = s.substr(15);
            } else if (s.rfind("tsmd: ready", 0) == 0) {
                ready = true;
            }
        }
    }
    if (!ready) {
        ::close(out[0]);
        kill();
        throw std::runtime_error("tsmd did not become ready; log:\n" + log());
    }
    // Keep draining stdout in the background so the child never blocks on a full pipe; the
    // thread ends when tsmd exits (end of file).
    std::thread([fd = out[0]] {
        char buf[256];
        for (;;) {
            const ssize_t got = ::read(fd, buf, sizeof buf);
            if (got > 0 || (got < 0 && errno == EINTR)) {
                continue;
            }
            break;
        }
        ::close(fd);
    }).detach();
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
    // Bounded: a tsmd that does not stop is killed and the test fails, instead of stalling the
    // whole binary until ctest's time-out.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            pid_ = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        if (r < 0 && errno != EINTR) {
            pid_ = -1;
            BOOST_FAIL("waitpid on tsmd failed");
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            kill();
            BOOST_FAIL("tsmd did not exit within 30 s of SIGTERM; log:\n" << log());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
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
