#pragma once
/// Process figures from /proc (tsmd: CPU and RSS) and from getrusage (the harness itself),
/// and the file-descriptor limit.
#include <cstdint>
#include <optional>

namespace tsm::tools::loadgen {

struct proc_sample {
    double cpu_s = 0;          ///< utime + stime
    std::uint64_t rss_kib = 0; ///< VmRSS
    std::uint64_t threads = 0;
};

/// Reads /proc/PID/stat and /proc/PID/status; nullopt when the process is gone or pid is 0.
std::optional<proc_sample> sample_process(int pid);
/// CPU seconds (user + system) of this process so far.
double self_cpu_seconds();
/// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the new soft limit.
std::uint64_t raise_fd_limit();

} // namespace tsm::tools::loadgen
