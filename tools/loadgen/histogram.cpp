#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tsm::tools::loadgen {

int histogram::index(std::uint64_t v) noexcept {
    if (v < 64) {
        return static_cast<int>(v);
    }
    const int msb = 63 - std::countl_zero(v);
    const int shift = msb - 5;                     // >= 1
    const auto top = static_cast<int>(v >> shift); // 32..63
    return std::min(shift * 32 + top, buckets - 1);
}

std::uint64_t histogram::upper(int idx) noexcept {
    if (idx < 64) {
        return static_cast<std::uint64_t>(idx);
    }
    const int shift = idx / 32 - 1;
    const std::uint64_t top = static_cast<std::uint64_t>(idx % 32 + 32);
    return ((top + 1) << shift) - 1;
}

void histogram::record(std::int64_t ns) noexcept {
    if (ns < 0) {
        ns = 0;
    }
    ++counts_[static_cast<std::size_t>(index(static_cast<std::uint64_t>(ns)))];
    ++count_;
    sum_ += ns;
    max_ = std::max(max_, ns);
}

void histogram::merge(const histogram& o) noexcept {
    for (int i = 0; i < buckets; ++i) {
        counts_[static_cast<std::size_t>(i)] += o.counts_[static_cast<std::size_t>(i)];
    }
    count_ += o.count_;
    sum_ += o.sum_;
    max_ = std::max(max_, o.max_);
}

std::int64_t histogram::percentile(double q) const noexcept {
    if (count_ == 0) {
        return 0;
    }
    const auto rank =
        std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (int i = 0; i < buckets; ++i) {
        seen += counts_[static_cast<std::size_t>(i)];
        if (seen >= rank) {
            return std::min<std::int64_t>(static_cast<std::int64_t>(upper(i)), max_);
        }
    }
    return max_;
}

} // namespace tsm::tools::loadgen
