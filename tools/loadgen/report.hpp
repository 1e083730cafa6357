#pragma once
/// The results of a run: per step (closed run, open-loop rate, or soak), printed as a summary
/// on stdout and written as JSON.
#include "histogram.hpp"
#include "options.hpp"
#include "stats.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tsm::tools::loadgen {

/// The figures of one operation kind within a step.
struct kind_result {
    std::uint64_t issued = 0, acked = 0, pushed = 0, called = 0, completed = 0;
    std::uint64_t lost = 0, lost_no_ack = 0, lost_no_push = 0, lost_no_callback = 0;
    std::uint64_t callback_failed = 0; ///< callbacks whose statusCode is not 200
    double ops_per_s = 0;              ///< this kind's callbacks / the step's wall_s
    std::array<histogram, latency_kinds> hist{};
};

struct step_result {
    std::string label;       ///< "closed", "open 5000/s", "soak"
    double offered_rate = 0; ///< open loop: ops/s scheduled; 0 otherwise
    double wall_s = 0;       ///< first send .. last callback
    double ops_per_s = 0;    ///< callbacks received / wall_s
    std::uint64_t issued = 0, acked = 0, pushed = 0, called = 0, completed = 0;
    std::uint64_t lost = 0; ///< issued but not finished after the drain
    std::uint64_t lost_no_ack = 0, lost_no_push = 0, lost_no_callback = 0;
    std::array<histogram, latency_kinds> hist{};
    double tsmd_cpu_s = -1; ///< over the step; -1 without --tsmd-pid
    double harness_cpu_s = 0;
    std::uint64_t tsmd_rss_kib = 0;
    std::array<kind_result, op_kinds> by_kind{}; ///< the same figures per operation kind
};

struct soak_result {
    std::uint64_t connections = 0;
    std::uint64_t rss_before_kib = 0, rss_connected_kib = 0, rss_end_kib = 0;
    double bytes_per_connection = 0; ///< (rss_end - rss_before) / connections
    double hold_s = 0;
};

struct run_result {
    options opt;
    std::string app_id;
    std::uint64_t fd_limit = 0;
    unsigned sessions = 0;
    std::vector<step_result> steps;
    bool is_soak = false;
    soak_result soak;
    std::map<int, std::uint64_t> http_status;                               ///< all SP answers
    std::array<std::map<int, std::uint64_t>, op_kinds> http_status_by_kind; ///< per operation kind
    std::string cap_file;                                                   ///< ccm: the CAP uploaded
    std::string ccm_elf, ccm_module;
    std::size_t ccm_lfdb_bytes = 0;
    std::map<std::string, std::uint64_t> errors;
    double connect_s = 0;
};

void print_summary(const run_result& r);
bool write_json(const run_result& r, const std::string& file);

} // namespace tsm::tools::loadgen
