#pragma once
/// Process-wide counters and gauges for /metrics. Atomics only (relaxed); written by every shard.
/// The session engine writes them only through session_metrics (one hook per event), so the
/// gauges stay consistent with the state machine.
#include "tsm/core/records.hpp"

#include <atomic>
#include <cstdint>

namespace tsm::core {

struct latency_histogram {
    /// Upper bounds in milliseconds; the last bucket is +Inf.
    static constexpr double bounds_ms[] = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
    static constexpr int bucket_count = sizeof(bounds_ms) / sizeof(bounds_ms[0]) + 1;
    std::atomic<std::uint64_t> buckets[bucket_count]{}; ///< non-cumulative counts
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_us{0};
    void observe_us(std::uint64_t us) noexcept;
};

struct service_probe {
    // Sessions by state (gauges) and lifetime counters.
    std::atomic<std::int64_t> sessions_delivering{0};
    std::atomic<std::int64_t> sessions_active{0};
    std::atomic<std::uint64_t> sessions_completed{0};
    std::atomic<std::uint64_t> sessions_failed{0};
    std::atomic<std::uint64_t> sessions_expired{0};
    std::atomic<std::uint64_t> sessions_moved{0}; ///< cluster mode: dropped here, another node owns them
    // Operations.
    std::atomic<std::int64_t> operations_queued{0};
    std::atomic<std::int64_t> operations_running{0};
    std::atomic<std::uint64_t> operations_succeeded{0};
    std::atomic<std::uint64_t> operations_failed{0};
    std::atomic<std::uint64_t> operations_rejected{0};
    std::atomic<std::uint64_t> batches_sent{0};
    // Outbox and callbacks.
    std::atomic<std::int64_t> outbox_depth{0};
    std::atomic<std::uint64_t> callback_attempts{0};
    std::atomic<std::uint64_t> callback_successes{0};
    std::atomic<std::uint64_t> callback_failures{0};
    std::atomic<std::uint64_t> callbacks_expired{0};
    latency_histogram callback_latency;
    // Storage failures seen by the service.
    std::atomic<std::uint64_t> store_errors{0};
};

inline void add(std::atomic<std::int64_t>& g, std::int64_t d) noexcept {
    g.fetch_add(d, std::memory_order_relaxed);
}
inline void inc(std::atomic<std::uint64_t>& c) noexcept {
    c.fetch_add(1, std::memory_order_relaxed);
}

/// The session engine's view of the probe: one call per event of the session and operation state
/// machines. Owner: the session service of one shard (the probe behind it is shared).
class session_metrics {
public:
    explicit session_metrics(service_probe& p) noexcept : p_(p) {}

    /// A session appears in state `s` (delivery started, or adopted at recovery).
    void on_session_created(session_state s) noexcept;
    /// A session vanishes without ending (its first write failed).
    void on_session_discarded(session_state s) noexcept;
    void on_transition(session_state from, session_state to) noexcept;
    void on_session_expired() noexcept { inc(p_.sessions_expired); }
    void on_session_moved() noexcept { inc(p_.sessions_moved); }

    void on_operation_rejected() noexcept { inc(p_.operations_rejected); }
    void on_operation_queued() noexcept { add(p_.operations_queued, 1); }
    /// The head left the queue to run (also when it failed to build).
    void on_operation_started() noexcept;
    /// An outcome was decided (its write follows).
    void on_operation_outcome(bool succeeded) noexcept;
    /// The operation left its session's queue (`started`: it was running).
    void on_operation_removed(bool started) noexcept;
    void on_batch_sent() noexcept { inc(p_.batches_sent); }
    void on_store_error() noexcept { inc(p_.store_errors); }

private:
    service_probe& p_;
};

} // namespace tsm::core
