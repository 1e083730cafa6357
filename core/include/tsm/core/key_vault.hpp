#pragma once
/// Seals secret key material at rest with XChaCha20-Poly1305 (libsodium) under a key-encryption
/// key (KEK). The associated data binds a sealed blob to its record (e.g. the CIN), so a blob
/// copied onto another record does not open.
#include "tsm/core/hex.hpp"

#include <optional>
#include <string_view>

namespace tsm::core {

class key_vault {
public:
    static constexpr std::size_t kek_size = 32;

    /// `kek` must be kek_size bytes.
    explicit key_vault(bytes kek);
    ~key_vault();
    key_vault(const key_vault&) = delete;
    key_vault& operator=(const key_vault&) = delete;

    /// nonce(24) || ciphertext || tag(16).
    bytes seal(std::string_view plaintext, std::string_view associated_data) const;
    /// nullopt when the blob was tampered with, belongs to other associated data or another KEK.
    std::optional<bytes> open(std::string_view sealed, std::string_view associated_data) const;

private:
    bytes kek_;
};

/// Overwrites a secret in memory (not optimised away).
void wipe(bytes& secret) noexcept;

} // namespace tsm::core
