#pragma once
/// Wall-clock milliseconds since the Unix epoch: persisted timestamps survive restarts, so they
/// must not be steady_clock values.
#include <chrono>
#include <cstdint>

namespace tsm::core {

inline std::int64_t now_ms() noexcept {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace tsm::core
