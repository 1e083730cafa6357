#pragma once
/// Thin OpenSSL 3 (EVP) wrappers for the block-cipher primitives GlobalPlatform secure channels
/// use: AES ECB/CBC/CMAC for SCP03, DES/3DES ECB/CBC and the ISO 9797-1 MACs for SCP02.
/// All modes run without padding; callers pad with pad80(). Pure functions, thread-safe.
/// Single DES runs as 3DES with K|K|K so that everything stays in OpenSSL's default provider.
#include "tsm/core/gp/errc.hpp"
#include "tsm/core/gp/secret_key.hpp"
#include "tsm/core/hex.hpp"

#include <cstddef>
#include <string_view>

namespace tsm::core::gp {

using tsm::core::bytes;

/// ISO 9797-1 padding method 2: append 80 then 00 up to a multiple of `block` (always adds >= 1 byte).
bytes pad80(std::string_view data, std::size_t block);
/// Strips method 2 padding; error when no 80 marker follows the trailing zeros.
result<bytes> unpad80(std::string_view data);

/// Constant-time equality for MACs and cryptograms (false when lengths differ).
bool equal_ct(std::string_view a, std::string_view b) noexcept;

// AES (key 16/24/32 bytes, data a multiple of 16).
result<bytes> aes_ecb_encrypt(const secret_key& key, std::string_view data);
result<bytes> aes_cbc_encrypt(const secret_key& key, std::string_view iv, std::string_view data);
result<bytes> aes_cbc_decrypt(const secret_key& key, std::string_view iv, std::string_view data);
/// NIST SP 800-38B AES-CMAC, full 16-byte tag. Any message length.
result<bytes> aes_cmac(const secret_key& key, std::string_view data);
/// AES key check value (AmdD 7.2.2): first 3 bytes of AES-ECB(key, 16 x 01).
result<bytes> aes_kcv(const secret_key& key);

// Triple DES (key 16 bytes = 2-key, or 24 bytes = 3-key; data a multiple of 8).
result<bytes> des3_ecb_encrypt(const secret_key& key, std::string_view data);
result<bytes> des3_cbc_encrypt(const secret_key& key, std::string_view iv, std::string_view data);
result<bytes> des3_cbc_decrypt(const secret_key& key, std::string_view iv, std::string_view data);
/// 3DES key check value: first 3 bytes of 3DES-ECB(key, 8 x 00).
result<bytes> des3_kcv(const secret_key& key);

// Single DES with an 8-byte key (or the first 8 bytes of a longer key); data a multiple of 8.
result<bytes> des_ecb_encrypt(const secret_key& key, std::string_view data);
result<bytes> des_cbc_encrypt(const secret_key& key, std::string_view iv, std::string_view data);

/// Full triple-DES CBC-MAC (SCP02 cryptograms): last block of 3DES-CBC(key, icv, pad80(data)).
result<bytes> des3_full_mac(const secret_key& key, std::string_view icv, std::string_view data);
/// ISO 9797-1 MAC algorithm 3 ("retail MAC", SCP02 C-MAC) with padding method 2: single-DES CBC
/// under K1 from `icv`, the final block under 3DES(K1,K2). `key` is a 16-byte 2-key 3DES key.
result<bytes> retail_mac(const secret_key& key, std::string_view icv, std::string_view data);

} // namespace tsm::core::gp
