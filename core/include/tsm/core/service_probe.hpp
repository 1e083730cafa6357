#pragma once
/// Process-wide counters and gauges for /metrics. Atomics only (relaxed); written by every shard.
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

} // namespace tsm::core
