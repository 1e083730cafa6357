#pragma once
/// Runs the real tsmd binary as a child process on 127.0.0.1 port 0 and reads the bound
/// addresses it prints. Used by the integration tests (restart and SIGKILL included).
#include <string>
#include <sys/types.h>
#include <vector>

namespace tsm::test {

class tsmd_process {
public:
    /// Starts tsmd with `--data-dir dir --shards shards` plus `extra` arguments; waits (bounded:
    /// 30 s) for "ready". Throws std::runtime_error, with the log, when it does not come.
    tsmd_process(std::string data_dir, unsigned shards, std::vector<std::string> extra = {});
    ~tsmd_process();
    tsmd_process(const tsmd_process&) = delete;
    tsmd_process& operator=(const tsmd_process&) = delete;

    const std::string& address() const noexcept { return address_; } ///< "127.0.0.1:PORT"
    const std::string& admin_address() const noexcept { return admin_; }
    unsigned short port() const;
    unsigned short admin_port() const;
    pid_t pid() const noexcept { return pid_; }

    /// SIGTERM and wait (bounded: 30 s, then SIGKILL and the test fails); returns the exit
    /// status (or -1 when killed by a signal).
    int terminate();
    /// SIGKILL and wait.
    void kill();
    /// Everything the process wrote to stderr so far (its log).
    std::string log() const;

    /// Path to the tsmd binary (from the build).
    static std::string binary();

private:
    pid_t pid_ = -1;
    std::string address_;
    std::string admin_;
    std::string log_path_;
};

} // namespace tsm::test
