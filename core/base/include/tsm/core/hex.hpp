#pragma once
/// Hex codec for APDUs, AIDs and keys. The wire accepts either case; we always emit upper case.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tsm::core {

using bytes = std::string; ///< binary octets; std::string keeps SSO and cheap moves

/// Upper-case hex of `data`.
std::string to_hex(std::string_view data);
/// Appends upper-case hex of `data` to `out` (no allocation beyond growth of `out`).
void append_hex(std::string& out, std::string_view data);
/// Decodes hex (either case). Empty input decodes to empty bytes. Odd length or a non-hex digit -> nullopt.
std::optional<bytes> from_hex(std::string_view hex);
/// True when `hex` is non-empty, even-length and all hex digits.
bool is_hex(std::string_view hex) noexcept;

} // namespace tsm::core
