#pragma once
/// Log-linear latency histogram in nanoseconds (32 sub-buckets per power of two: <= 3.2% error),
/// like HdrHistogram with 1.5 significant digits. Single-writer; merge per-thread copies to read.
#include <array>
#include <cstdint>

namespace tsm::tools::loadgen {

class histogram {
public:
    static constexpr int buckets = 64 + 40 * 32;

    void record(std::int64_t ns) noexcept;
    void merge(const histogram& o) noexcept;
    void reset() noexcept { *this = histogram{}; }

    std::uint64_t count() const noexcept { return count_; }
    std::int64_t max() const noexcept { return max_; }
    double mean() const noexcept {
        return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0;
    }
    /// Value at quantile q in [0,1] (upper edge of the bucket, capped at max); 0 when empty.
    std::int64_t percentile(double q) const noexcept;

private:
    static int index(std::uint64_t v) noexcept;
    static std::uint64_t upper(int idx) noexcept;

    std::array<std::uint64_t, buckets> counts_{};
    std::uint64_t count_ = 0;
    std::int64_t max_ = 0;
    std::int64_t sum_ = 0;
};

} // namespace tsm::tools::loadgen
