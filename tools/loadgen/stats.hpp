#pragma once
/// Run-wide counters (atomics, any thread) and errors by kind.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace tsm::tools::loadgen {

enum class latency_kind { ack = 0, push = 1, callback = 2 };
inline constexpr int latency_kinds = 3;

/// The kind of one operation (issue #4 §2 scenarios).
enum class op_kind : std::uint8_t { transceive = 0, ccm_install = 1 };
inline constexpr int op_kinds = 2;
const char* op_kind_name(op_kind k);     ///< "transceive", "ccm-install"
const char* op_kind_endpoint(op_kind k); ///< "/transceive", "/ccm/install"

enum class error_kind {
    sp_connect,      ///< SP connection could not be opened or broke
    sp_timeout,      ///< no answer to /transceive within 10 s
    ws_error,        ///< touch-point WebSocket failed (connect, handshake, read, write)
    ws_closed,       ///< tsmd closed a touch-point connection
    tp_error_frame,  ///< tsmd sent an error frame to a touch point
    session_ended,   ///< tsmd sent a final status frame
    deliver_failed,  ///< a deliver was refused or no session frame came
    callback_failed, ///< callback statusCode != 200
    callback_duplicate,
    unknown_event,     ///< a frame or callback for an unknown or finished operation
    ring_overrun,      ///< more operations in flight than op_table slots
    bad_frame,         ///< a frame tsm-bench could not parse
    card_error,        ///< ccm: the sandbox card answered a status word other than 9000/61xx
    ccm_not_installed, ///< ccm: the operation's frames ended without the instance on the card
    count_
};
const char* error_name(error_kind k);

struct kind_counters {
    std::atomic<std::uint64_t> issued{0};
    std::atomic<std::uint64_t> acked{0};
    std::atomic<std::uint64_t> pushed{0};
    std::atomic<std::uint64_t> called{0};
    std::atomic<std::uint64_t> completed{0};
    std::atomic<std::uint64_t> callback_failed{0}; ///< callbacks whose statusCode is not 200
};

struct step_counters {
    std::array<kind_counters, op_kinds> kind; ///< the same counts split by operation kind
    std::atomic<std::uint64_t> issued{0};
    std::atomic<std::uint64_t> acked{0};
    std::atomic<std::uint64_t> pushed{0};
    std::atomic<std::uint64_t> called{0};
    std::atomic<std::uint64_t> completed{0};
    std::atomic<std::int64_t> first_issue_ns{0};
    std::atomic<std::int64_t> last_callback_ns{0};
};

struct stats {
    static constexpr unsigned max_steps = 64;
    std::array<step_counters, max_steps> steps;
    /// SP answers by operation kind and HTTP status (0 = a status outside 100..599).
    std::array<std::array<std::atomic<std::uint64_t>, 600>, op_kinds> http_status{};
    std::array<std::atomic<std::uint64_t>, static_cast<int>(error_kind::count_)> errors{};
    std::atomic<std::uint64_t> issued_total{0};
    std::atomic<std::uint64_t> called_total{0};
    std::atomic<std::uint64_t> completed_total{0};

    void error(error_kind k) { errors[static_cast<int>(k)].fetch_add(1, std::memory_order_relaxed); }
    std::uint64_t error_count(error_kind k) const { return errors[static_cast<int>(k)].load(); }
    std::uint64_t error_total() const;
};

} // namespace tsm::tools::loadgen
