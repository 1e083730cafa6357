#pragma once
/// ISO 7816-4 command APDU split into header, data and Le (cases 1-4, short and extended), so
/// secure messaging can rewrite Lc and data and put Le back unchanged.
#include "tsm/core/gp/errc.hpp"
#include "tsm/core/hex.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace tsm::core::gp {

struct command_apdu {
    std::uint8_t cla = 0;
    std::uint8_t ins = 0;
    std::uint8_t p1 = 0;
    std::uint8_t p2 = 0;
    tsm::core::bytes data;
    std::optional<std::uint16_t> le; ///< Le as encoded (short: 00 = 256; extended: 0000 = 65536)
    bool extended = false;           ///< Lc/Le use the 3/2-byte extended encoding
};

/// Parses a raw command APDU; errc::malformed_apdu when the length fields do not add up.
result<command_apdu> parse_command_apdu(std::string_view raw);

/// Encodes `apdu`; errc::apdu_too_long when short encoding cannot carry the data.
result<tsm::core::bytes> encode_command_apdu(const command_apdu& apdu);

} // namespace tsm::core::gp
