#pragma once
/// Backoff for SP callback retries: exponential with full jitter, capped, bounded by a maximum age.
#include <chrono>
#include <cstdint>
#include <optional>

namespace tsm::core {

struct retry_policy {
    std::chrono::milliseconds initial{500};
    std::chrono::milliseconds max_delay{60'000};
    std::chrono::milliseconds max_age{24 * 3600 * 1000LL}; ///< give up after this since creation
};

/// Delay before attempt `attempt + 1` (attempt counts failures so far, >= 1), drawn uniformly
/// from [cap/2, cap] with cap = min(max_delay, initial * 2^(attempt-1)): never zero, so a failing
/// SP is not hammered, and spread out so a recovering SP is not stampeded. `random01` in [0,1).
/// nullopt when the next attempt would start after `max_age` has elapsed since `created_ms`.
std::optional<std::chrono::milliseconds> next_retry_delay(const retry_policy& p, std::uint32_t attempt,
                                                          std::int64_t created_ms, std::int64_t now_ms,
                                                          double random01);

} // namespace tsm::core
