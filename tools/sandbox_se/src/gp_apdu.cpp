#include "gp_apdu.hpp"

#include "tsm/core/cap/load_blocks.hpp"

namespace tsm::sandbox::detail {

response status(std::uint16_t s) {
    return {{}, s};
}

bytes sw_bytes(std::uint16_t s) {
    return {static_cast<char>(s >> 8), static_cast<char>(s & 0xFF)};
}

std::uint8_t u8(std::string_view s, std::size_t i) {
    return static_cast<std::uint8_t>(s[i]);
}

bytes tlv(std::string_view tag, std::string_view value) {
    bytes out(tag);
    out += tsm::core::cap::ber_length(value.size());
    out += value;
    return out;
}

bool read_ber_length(std::string_view& in, std::size_t& len) {
    if (in.empty()) {
        return false;
    }
    const std::uint8_t b = u8(in, 0);
    if (b < 0x80) {
        len = b;
        in.remove_prefix(1);
        return true;
    }
    if (b == 0x81 && in.size() >= 2) {
        len = u8(in, 1);
        in.remove_prefix(2);
        return true;
    }
    if (b == 0x82 && in.size() >= 3) {
        len = static_cast<std::size_t>(u8(in, 1)) << 8 | u8(in, 2);
        in.remove_prefix(3);
        return true;
    }
    if (b == 0x83 && in.size() >= 4) {
        len =
            static_cast<std::size_t>(u8(in, 1)) << 16 | static_cast<std::size_t>(u8(in, 2)) << 8 | u8(in, 3);
        in.remove_prefix(4);
        return true;
    }
    return false;
}

bool read_lv(std::string_view& in, std::string_view& out) {
    if (in.empty() || in.size() < 1u + u8(in, 0)) {
        return false;
    }
    out = in.substr(1, u8(in, 0));
    in.remove_prefix(1u + u8(in, 0));
    return true;
}

bool read_ber_lv(std::string_view& in, std::string_view& out) {
    std::size_t len = 0;
    if (!read_ber_length(in, len) || in.size() < len) {
        return false;
    }
    out = in.substr(0, len);
    in.remove_prefix(len);
    return true;
}

bool parse_tlvs(std::string_view in, std::vector<tlv_item>& out) {
    while (!in.empty()) {
        tlv_item item;
        std::size_t t = 1;
        if ((u8(in, 0) & 0x1F) == 0x1F) {
            while (t < in.size() && (u8(in, t) & 0x80)) {
                ++t;
            }
            ++t;
        }
        if (t > 3 || in.size() < t) {
            return false;
        }
        item.tag.assign(in.substr(0, t));
        in.remove_prefix(t);
        if (!read_ber_lv(in, item.value)) {
            return false;
        }
        out.push_back(std::move(item));
    }
    return true;
}

const tlv_item* find_tag(const std::vector<tlv_item>& items, std::string_view tag) {
    for (const auto& item : items) {
        if (item.tag == tag) {
            return &item;
        }
    }
    return nullptr;
}

bool valid_aid(std::string_view aid) {
    return aid.size() >= 5 && aid.size() <= 16;
}

} // namespace tsm::sandbox::detail
