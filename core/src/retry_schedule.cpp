#include "tsm/core/retry_schedule.hpp"

#include <algorithm>

namespace tsm::core {

std::optional<std::chrono::milliseconds> next_retry_delay(const retry_policy& p, std::uint32_t attempt,
                                                          std::int64_t created_ms, std::int64_t now_ms,
                                                          double random01) {
    const std::uint32_t exp = std::min<std::uint32_t>(attempt == 0 ? 0 : attempt - 1, 30);
    const long double grown = static_cast<long double>(p.initial.count()) * (1ULL << exp);
    const auto cap = static_cast<std::int64_t>(
        std::min<long double>(grown, static_cast<long double>(p.max_delay.count())));
    random01 = std::clamp(random01, 0.0, 1.0);
    const auto delay = cap / 2 + static_cast<std::int64_t>(static_cast<double>(cap - cap / 2) * random01);
    const std::int64_t next_at = now_ms + std::max<std::int64_t>(delay, 1);
    if (next_at - created_ms > p.max_age.count()) {
        return std::nullopt;
    }
    return std::chrono::milliseconds(std::max<std::int64_t>(delay, 1));
}

} // namespace tsm::core
