#include "proc_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace tsm::tools::loadgen {

std::optional<proc_sample> sample_process(int pid) {
    if (pid <= 0) {
        return std::nullopt;
    }
    const std::string base = "/proc/" + std::to_string(pid);
    std::ifstream stat(base + "/stat");
    std::string line;
    if (!std::getline(stat, line)) {
        return std::nullopt;
    }
    // Field 2 (comm) may contain spaces: parse after the last ')'.
    auto rp = line.rfind(')');
    if (rp == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream in(line.substr(rp + 2));
    std::string f;
    proc_sample s;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    // After ')': field 3 (state) is index 0; utime is field 14, stime 15, num_threads 20.
    for (int field = 3; field <= 20 && (in >> f); ++field) {
        if (field == 14) {
            utime = std::stoull(f);
        } else if (field == 15) {
            stime = std::stoull(f);
        } else if (field == 20) {
            s.threads = std::stoull(f);
        }
    }
    s.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
    std::ifstream status(base + "/status");
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            s.rss_kib = std::stoull(line.substr(6));
        }
    }
    return s;
}

double self_cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto tv = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return tv(ru.ru_utime) + tv(ru.ru_stime);
}

std::uint64_t raise_fd_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return 0;
    }
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur;
}

} // namespace tsm::tools::loadgen
