#pragma once
/// LOAD command payloads for a Load File Data Block (GPCS 11.6): plain data, no channel.
///
/// The load file goes to the card as `C4 <BER length> <LFDB>` (plus an optional DAP block in
/// front, not built here), cut into consecutive LOAD data fields. Block n carries P2 = n and
/// P1 = 0x00, except the last one, which carries P1 = 0x80.
#include "tsm/core/hex.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tsm::core::cap {

struct load_block {
    std::uint8_t p1 = 0x00; ///< 0x80 on the last block, 0x00 otherwise
    std::uint8_t p2 = 0x00; ///< block number, from 0
    bytes data;             ///< the LOAD command data field (before any secure messaging)
};

/// BER-TLV definite length: < 0x80 in one byte, else 81 xx, 82 xxxx, 83 xxxxxx, 84 xxxxxxxx.
bytes ber_length(std::size_t length);

/// `C4` + BER length of the LFDB: the bytes that precede the LFDB in the first LOAD block.
bytes load_file_prefix(std::size_t lfdb_length);

/// Splits `C4 <len> <lfdb>` into LOAD data fields of at most `max_block_data` bytes each.
/// Throws std::invalid_argument when max_block_data is 0 or above 65535 (extended Lc), and
/// std::length_error when more than 256 blocks would be needed (P2 is one byte).
std::vector<load_block> build_load_blocks(std::string_view lfdb, std::size_t max_block_data);

} // namespace tsm::core::cap
