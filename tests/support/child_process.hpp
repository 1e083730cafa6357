#pragma once
/// Child processes of the tests: fork + execv with the output in a log file, and reading it back.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tsm::test {

/// The whole file as text; empty when it cannot be read.
std::string read_text_file(const std::string& path);

/// Starts args[0] (a path: no PATH lookup) with `args` as its argv and returns its pid. Its
/// stderr goes to `log_path` (created or truncated), and so does its stdout unless `stdout_fd`
/// names the descriptor to use instead (open it close-on-exec: the child keeps only its stdout
/// copy). Exit code 127 when exec fails. Throws std::runtime_error when fork fails.
pid_t spawn_process(std::vector<std::string> args, const std::string& log_path, int stdout_fd = -1);

/// SIGKILLs `pid` and reaps it.
void kill_and_reap(pid_t pid);

/// A child process whose stdout and stderr go to one log file; SIGKILLed and reaped on
/// destruction unless it already exited.
class child_process {
public:
    child_process(std::vector<std::string> args, std::string log_path);
    ~child_process() { kill(); }
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    /// The exit code once the process has exited within `timeout` (-1 when a signal ended it);
    /// nullopt, with the process killed, when it did not.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    /// False once the process has exited (and is reaped).
    bool running();
    void kill();
    /// Everything the process wrote so far.
    std::string log() const { return read_text_file(log_); }

private:
    pid_t pid_ = -1;
    std::optional<int> exit_; ///< once reaped (nullopt after a kill)
    std::string log_;
};

} // namespace tsm::test
