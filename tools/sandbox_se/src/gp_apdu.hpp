#pragma once
// The card side's APDU vocabulary: status words, responses, and the BER-TLV and length-value
// encodings GlobalPlatform commands carry.
#include "tsm/sandbox/secure_element.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tsm::sandbox::detail {

// Status words (GPCS 11.1.3, ISO 7816-4 5.1.3; globalplatform.md 1.9).
namespace sw {
inline constexpr std::uint16_t ok = 0x9000;
inline constexpr std::uint16_t more_data = 0x6310;
inline constexpr std::uint16_t wrong_length = 0x6700;
inline constexpr std::uint16_t channel_not_supported = 0x6881;
inline constexpr std::uint16_t security_status = 0x6982;
inline constexpr std::uint16_t conditions_of_use = 0x6985;
inline constexpr std::uint16_t wrong_data = 0x6A80;
inline constexpr std::uint16_t not_found = 0x6A82;
inline constexpr std::uint16_t not_enough_memory = 0x6A84;
inline constexpr std::uint16_t wrong_p1p2 = 0x6A86;
inline constexpr std::uint16_t data_not_found = 0x6A88;
inline constexpr std::uint16_t ins_not_supported = 0x6D00;
inline constexpr std::uint16_t cla_not_supported = 0x6E00;
} // namespace sw

struct response {
    bytes data;
    std::uint16_t sw = sw::ok;
};

/// A response without data.
response status(std::uint16_t s);
/// The two status word bytes.
bytes sw_bytes(std::uint16_t s);
/// Byte `i` of `s`, unsigned.
std::uint8_t u8(std::string_view s, std::size_t i);
/// tag || BER length || value.
bytes tlv(std::string_view tag, std::string_view value);

// Reads a BER length (1, 81 xx, 82 xxxx) from the front of `in`.
bool read_ber_length(std::string_view& in, std::size_t& len);

// Length-value with a one-byte length (INSTALL AIDs, privileges).
bool read_lv(std::string_view& in, std::string_view& out);

// Length-value with a BER length (INSTALL parameters and tokens).
bool read_ber_lv(std::string_view& in, std::string_view& out);

struct tlv_item {
    bytes tag;
    std::string_view value;
};

// Splits a run of BER-TLVs; false when malformed.
bool parse_tlvs(std::string_view in, std::vector<tlv_item>& out);

/// The first item with `tag`; nullptr when there is none.
const tlv_item* find_tag(const std::vector<tlv_item>& items, std::string_view tag);
/// An AID is 5 to 16 bytes.
bool valid_aid(std::string_view aid);

} // namespace tsm::sandbox::detail
