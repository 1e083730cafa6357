#pragma once
/// DESFire key types and a key with its type and version. DES-family keys are stored as given
/// (8, 16 or 24 bytes); the key version of DES keys lives in the LSBs of the key bytes, the
/// AES key version is a separate byte.
#include "tsm/core/gp/secret_key.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tsm::core::desfire {

enum class key_type : std::uint8_t { des, tdes2, tdes3, aes };

/// "DES" | "2K3DES" | "3K3DES" | "AES" (the API spelling); nullopt otherwise.
std::optional<key_type> parse_key_type(std::string_view name) noexcept;
/// The API spelling of `t`.
std::string_view key_type_name(key_type t) noexcept;
/// Key bytes: DES 8, 2K3DES 16, 3K3DES 24, AES 16.
std::size_t key_length(key_type t) noexcept;
/// Cipher block size: 8 for the DES family, 16 for AES.
std::size_t block_size(key_type t) noexcept;
/// Random challenge length in ISO/AES authentication: 8 for DES/2K3DES, 16 for 3K3DES/AES.
std::size_t challenge_length(key_type t) noexcept;
/// KS2 bits 7-6 of CreateApplication: 00 DES/2K3DES, 40 3K3DES, 80 AES.
std::uint8_t crypto_bits(key_type t) noexcept;

struct desfire_key {
    key_type type = key_type::aes;
    gp::secret_key value;     ///< key_length(type) bytes
    std::uint8_t version = 0; ///< sent with AES keys in ChangeKey; ignored for DES-family keys
};

} // namespace tsm::core::desfire
