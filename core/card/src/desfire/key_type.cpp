#include "tsm/core/desfire/key_type.hpp"

namespace tsm::core::desfire {

std::optional<key_type> parse_key_type(std::string_view name) noexcept {
    if (name == "DES") {
        return key_type::des;
    }
    if (name == "2K3DES") {
        return key_type::tdes2;
    }
    if (name == "3K3DES") {
        return key_type::tdes3;
    }
    if (name == "AES") {
        return key_type::aes;
    }
    return std::nullopt;
}

std::string_view key_type_name(key_type t) noexcept {
    switch (t) {
    case key_type::des: return "DES";
    case key_type::tdes2: return "2K3DES";
    case key_type::tdes3: return "3K3DES";
    case key_type::aes: return "AES";
    }
    return "AES";
}

std::size_t key_length(key_type t) noexcept {
    switch (t) {
    case key_type::des: return 8;
    case key_type::tdes2: return 16;
    case key_type::tdes3: return 24;
    case key_type::aes: return 16;
    }
    return 16;
}

std::size_t block_size(key_type t) noexcept {
    return t == key_type::aes ? 16 : 8;
}

std::size_t challenge_length(key_type t) noexcept {
    return t == key_type::aes || t == key_type::tdes3 ? 16 : 8;
}

std::uint8_t crypto_bits(key_type t) noexcept {
    switch (t) {
    case key_type::tdes3: return 0x40;
    case key_type::aes: return 0x80;
    default: return 0x00;
    }
}

} // namespace tsm::core::desfire
