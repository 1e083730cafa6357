#pragma once
/// State shared by the harness threads: options, the app, the sessions, the operations in
/// flight, the counters, and the current step's bounds.
#include "admin_client.hpp"
#include "op_table.hpp"
#include "options.hpp"
#include "stats.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tsm::tools::loadgen {

class worker;

inline std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

struct session_slot {
    std::string id;     ///< written by the touch point before `ready` is counted
    unsigned owner = 0; ///< worker index
    std::atomic<bool> delivered{false};
};

/// What the CCM scenario installs: from the CAP the SP uploaded once.
struct ccm_target {
    std::string elf;             ///< package (executable load file) AID, hex
    std::string module;          ///< first applet (executable module) AID, hex
    std::string instance_prefix; ///< up to 8 bytes of the module AID, hex; + 8-byte seq = instance AID
    std::string capfile_id;      ///< tsmd's id of the upload (deleted at the end)
    std::size_t lfdb_bytes = 0;  ///< Load File Data Block size (what LOAD carries)
};

struct bench {
    options opt;
    bench_app app;
    ccm_target ccm;
    std::string sink_base; ///< "http://127.0.0.1:PORT"
    std::vector<std::unique_ptr<session_slot>> sessions;
    std::vector<std::unique_ptr<worker>> workers;
    op_table ops;
    stats st;

    // Startup barrier: touch points with a session id, and delivery requests seen by the sink.
    std::atomic<std::uint64_t> sessions_ready{0};
    std::atomic<std::uint64_t> sessions_failed{0};
    std::atomic<std::uint64_t> deliveries{0};

    // Current step: workers issue while `issuing` and the step has quota left.
    std::atomic<bool> issuing{false};
    std::atomic<std::uint32_t> step{0};
    std::atomic<std::uint64_t> step_quota{0};
    std::atomic<std::uint64_t> quota_taken{0};
    std::atomic<std::int64_t> step_deadline_ns{0};
    std::atomic<bool> closed_loop{true};
    std::atomic<std::uint64_t> next_seq{0};

    /// Takes one unit of the step's quota; false (and stops issuing) when the bounds are reached.
    bool take_quota(std::int64_t now) {
        if (!issuing.load(std::memory_order_relaxed)) {
            return false;
        }
        if (now >= step_deadline_ns.load(std::memory_order_relaxed)
            || quota_taken.fetch_add(1, std::memory_order_relaxed)
                   >= step_quota.load(std::memory_order_relaxed)) {
            issuing.store(false, std::memory_order_relaxed);
            return false;
        }
        return true;
    }
};

} // namespace tsm::tools::loadgen
