#pragma once
/// Human explanations of GlobalPlatform / ISO 7816-4 status words, so a failed CCM operation
/// names the command, the status word and what it means (globalplatform.md 1.9).
#include <cstdint>
#include <string>
#include <string_view>

namespace tsm::core::ccm {

/// "6A80" for 0x6A80.
std::string sw_hex(std::uint16_t sw);

/// Generic meaning of a status word, e.g. 6A80 -> "wrong data (incorrect values in the command
/// data)". Unknown words -> "unexpected status word".
std::string_view describe_sw(std::uint16_t sw) noexcept;

/// The generic meaning plus a hint specific to the command when one is known, e.g.
/// ("SELECT", 6A82) -> "... the card has no application with this AID: check the ISD AID".
/// `command` is the GP command name used in error_command ("INSTALL [for install]", ...).
std::string explain_sw(std::string_view command, std::uint16_t sw);

/// True for the status words the touch point does not stop on: 9000 and 61xx.
constexpr bool sw_ok(std::uint16_t sw) noexcept {
    return sw == 0x9000 || (sw >> 8) == 0x61;
}

} // namespace tsm::core::ccm
