#include "tsm/core/service_probe.hpp"

namespace tsm::core {

void latency_histogram::observe_us(std::uint64_t us) noexcept {
    const double ms = static_cast<double>(us) / 1000.0;
    int i = 0;
    while (i < bucket_count - 1 && ms > bounds_ms[i]) {
        ++i;
    }
    buckets[i].fetch_add(1, std::memory_order_relaxed);
    count.fetch_add(1, std::memory_order_relaxed);
    sum_us.fetch_add(us, std::memory_order_relaxed);
}

} // namespace tsm::core
