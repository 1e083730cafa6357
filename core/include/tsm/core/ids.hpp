#pragma once
/// Identifiers: random UUIDv4 strings for sessions and operations, random tokens, shard ownership.
#include <cstdint>
#include <string>
#include <string_view>

namespace tsm::core {

/// A new random (version 4) UUID in canonical lower-case form. Uses libsodium's CSPRNG.
std::string new_uuid();
/// True when `s` is a canonical 36-character UUID (either case).
bool is_uuid(std::string_view s) noexcept;
/// `n_bytes` random bytes as lower-case hex (for resume tokens: 32 bytes = 256 bits).
std::string random_token_hex(std::size_t n_bytes);
/// The shard that owns a session: a stable hash of its id, modulo the shard count.
unsigned owner_shard(std::string_view session_id, unsigned shard_count) noexcept;

} // namespace tsm::core
