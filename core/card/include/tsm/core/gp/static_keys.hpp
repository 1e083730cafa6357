#pragma once
/// The static key set of a security domain (Key-ENC, Key-MAC, Key-DEK) for one key version.
/// AES-128/192/256 for SCP03, 2-key 3DES (16 bytes) for SCP02. Wiped on destruction.
#include "tsm/core/gp/secret_key.hpp"

#include <cstdint>

namespace tsm::core::gp {

/// Key usage numbers GPP uses in diversification templates ($k).
enum class key_purpose : std::uint8_t { enc = 0x01, mac = 0x02, dek = 0x03 };

struct static_keys {
    secret_key enc;
    secret_key mac;
    secret_key dek;

    const secret_key& get(key_purpose p) const noexcept {
        return p == key_purpose::enc ? enc : p == key_purpose::mac ? mac : dek;
    }
};

} // namespace tsm::core::gp
