#pragma once
/// Keyed hashing of secrets (app keys, resume tokens) so that only digests are stored.
/// The key ("pepper") lives in the data directory, not in the record store: a stolen database alone
/// does not allow offline guessing.
#include "tsm/core/hex.hpp"

#include <string>
#include <string_view>

namespace tsm::core {

class secret_hasher {
public:
    static constexpr std::size_t key_size = 32;
    static constexpr std::size_t digest_size = 32;

    /// `key` must be key_size bytes.
    explicit secret_hasher(bytes key);
    ~secret_hasher();
    secret_hasher(const secret_hasher&) = default;
    secret_hasher& operator=(const secret_hasher&) = default;

    /// BLAKE2b-256 keyed by the pepper over (context, 0x00, secret).
    bytes digest(std::string_view context, std::string_view secret) const;
    /// Constant-time check of `secret` against a stored digest.
    bool verify(std::string_view context, std::string_view secret, std::string_view digest) const;

    /// A new random pepper.
    static bytes generate_key();

private:
    bytes key_;
};

} // namespace tsm::core
