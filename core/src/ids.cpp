#include "tsm/core/ids.hpp"

#include "tsm/core/hex.hpp"

#include <sodium.h>

#include <chrono>
#include <cstdint>

namespace tsm::core {

namespace {

std::string canonical(const unsigned char (&b)[16]) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out.push_back('-');
        }
        out.push_back(digits[b[i] >> 4]);
        out.push_back(digits[b[i] & 0x0F]);
    }
    return out;
}

std::uint64_t unix_ms() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

} // namespace

std::string new_uuid() {
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40); // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80); // RFC 4122 variant
    return canonical(b);
}

std::string new_time_ordered_uuid() {
    // Per thread (each shard is one thread): ids of one thread never go backwards, even when
    // the wall clock does or many ids share a millisecond (12-bit sequence in rand_a).
    thread_local std::uint64_t last_ms = 0;
    thread_local std::uint32_t seq = 0;
    std::uint64_t ms = unix_ms();
    if (ms > last_ms) {
        last_ms = ms;
        seq = 0;
    } else if (++seq > 0x0FFF) {
        last_ms += 1; // borrow the next millisecond rather than reorder
        seq = 0;
    }
    ms = last_ms;
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    for (int i = 0; i < 6; ++i) {
        b[i] = static_cast<unsigned char>(ms >> (40 - 8 * i));
    }
    b[6] = static_cast<unsigned char>(0x70 | ((seq >> 8) & 0x0F)); // version 7
    b[7] = static_cast<unsigned char>(seq & 0xFF);
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80); // RFC 9562 variant
    return canonical(b);
}

bool is_uuid(std::string_view s) noexcept {
    if (s.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') {
                return false;
            }
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

std::string random_token_hex(std::size_t n_bytes) {
    std::string raw(n_bytes, '\0');
    randombytes_buf(raw.data(), raw.size());
    std::string hex = to_hex(raw);
    sodium_memzero(raw.data(), raw.size());
    for (char& c : hex) {
        if (c >= 'A' && c <= 'F') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return hex;
}

unsigned owner_shard(std::string_view session_id, unsigned shard_count) noexcept {
    // FNV-1a over the lower-cased id: stable across restarts and processes (std::hash is not
    // guaranteed to be), and case-insensitive like UUID comparison.
    std::uint64_t h = 14695981039346656037ull; // FNV-1a 64 offset basis
    for (char c : session_id) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return shard_count == 0 ? 0 : static_cast<unsigned>(h % shard_count);
}

} // namespace tsm::core
