#pragma once
/// Secure channel security level: P1 of EXTERNAL AUTHENTICATE (GPCS Table E-11, AmdD 5.5).
#include <cstdint>

namespace tsm::core::gp::security_level {

inline constexpr std::uint8_t none = 0x00;
inline constexpr std::uint8_t c_mac = 0x01;
inline constexpr std::uint8_t c_dec = 0x02; ///< command data encryption (implies C-MAC)
inline constexpr std::uint8_t r_mac = 0x10;
inline constexpr std::uint8_t r_enc = 0x20; ///< SCP03 only (implies R-MAC)

} // namespace tsm::core::gp::security_level
