#pragma once
// Private helpers shared by the SCP02 and SCP03 wrappers.
#include "tsm/core/gp/command_apdu.hpp"

#include <cstdint>

namespace tsm::core::gp::detail {

inline constexpr std::uint8_t cla_secure_messaging = 0x04;

// CLA ranges 0x00-0x3F and 0x80-0xBF carry the channel in b1-b2 and secure messaging in b3.
// The further interindustry/GP ranges (b7 set, channels 4-19) signal SM differently: refused.
inline bool sm_cla_supported(std::uint8_t cla) noexcept {
    return (cla & 0x40) == 0;
}

// The MAC covers CLA with the logical channel bits cleared (GPCS 10.4.2, globalplatform.md 2.4),
// so the same MAC chain works whichever channel the commands go out on.
inline std::uint8_t mac_cla(std::uint8_t cla) noexcept {
    return static_cast<std::uint8_t>((cla & 0xFC) | cla_secure_messaging);
}

// Lc as it appears on the wire for `len` data bytes (1 byte short, 00 hi lo extended).
inline void append_lc(tsm::core::bytes& out, std::size_t len, bool extended) {
    if (extended) {
        out.push_back('\0');
        out.push_back(static_cast<char>(len >> 8));
        out.push_back(static_cast<char>(len & 0xFF));
    } else {
        out.push_back(static_cast<char>(len));
    }
}

} // namespace tsm::core::gp::detail
