#pragma once
/// Identifiers: UUID strings for sessions and operations, random tokens, shard ownership.
#include <cstdint>
#include <string>
#include <string_view>

namespace tsm::core {

/// A new random (version 4) UUID in canonical lower-case form. Uses libsodium's CSPRNG.
std::string new_uuid();
/// A new time-ordered (version 7, RFC 9562) UUID: 48-bit Unix milliseconds, a 12-bit sequence
/// and 62 random bits. Used for session and operation ids because they are RocksDB keys: ids
/// made close in time sort next to each other, so memtable inserts land near the previous one
/// instead of at a random place in the skiplist (measured: docs/performance.md). Ids from one
/// thread are strictly increasing.
std::string new_time_ordered_uuid();
/// True when `s` is a canonical 36-character UUID (either case).
bool is_uuid(std::string_view s) noexcept;
/// `n_bytes` random bytes as lower-case hex (for resume tokens: 32 bytes = 256 bits).
std::string random_token_hex(std::size_t n_bytes);
/// The shard that owns a session: a stable hash of its id, modulo the shard count.
unsigned owner_shard(std::string_view session_id, unsigned shard_count) noexcept;

} // namespace tsm::core
