#include "tsm/core/cap/load_blocks.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tsm::core::cap {

bytes ber_length(std::size_t length) {
    bytes out;
    if (length < 0x80) {
        out.push_back(static_cast<char>(length));
        return out;
    }
    unsigned n = 0;
    for (std::size_t v = length; v != 0; v >>= 8) {
        ++n;
    }
    if (n > 4) {
        throw std::length_error("ber_length: " + std::to_string(length) + " needs more than 4 bytes");
    }
    out.push_back(static_cast<char>(0x80 | n));
    for (unsigned i = n; i-- > 0;) {
        out.push_back(static_cast<char>((length >> (8 * i)) & 0xFF));
    }
    return out;
}

bytes load_file_prefix(std::size_t lfdb_length) {
    return "\xC4" + ber_length(lfdb_length);
}

std::vector<load_block> build_load_blocks(std::string_view lfdb, std::size_t max_block_data) {
    if (max_block_data == 0 || max_block_data > 0xFFFF) {
        throw std::invalid_argument("build_load_blocks: max_block_data must be 1..65535, got "
                                    + std::to_string(max_block_data));
    }
    const bytes prefix = load_file_prefix(lfdb.size());
    const std::size_t total = prefix.size() + lfdb.size();
    const std::size_t count = (total + max_block_data - 1) / max_block_data;
    if (count > 256) {
        throw std::length_error("build_load_blocks: " + std::to_string(total) + " bytes in blocks of "
                                + std::to_string(max_block_data) + " need " + std::to_string(count)
                                + " LOAD commands, P2 allows 256");
    }
    std::vector<load_block> blocks;
    blocks.reserve(count);
    std::size_t pos = 0; // position in the virtual stream prefix + lfdb
    for (std::size_t n = 0; n < count; ++n) {
        load_block b;
        b.p2 = static_cast<std::uint8_t>(n);
        b.p1 = n + 1 == count ? 0x80 : 0x00;
        const std::size_t end = std::min(total, pos + max_block_data);
        b.data.reserve(end - pos);
        if (pos < prefix.size()) {
            b.data.append(prefix, pos, std::min(end, prefix.size()) - pos);
        }
        const std::size_t from = std::max(pos, prefix.size()) - prefix.size();
        const std::size_t to = end - prefix.size();
        if (end > prefix.size()) {
            b.data.append(lfdb.substr(from, to - from));
        }
        pos = end;
        blocks.push_back(std::move(b));
    }
    return blocks;
}

} // namespace tsm::core::cap
