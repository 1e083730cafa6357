#pragma once
/// The one JSON decoding mechanism of every adapter (SP API, admin API, touch-point dialects):
/// simdjson on-demand over a per-thread padded buffer and parser, a walk over an object's members,
/// and readers for the value shapes the APIs use. Errors are values: api_error bad_request with a
/// message naming the field. Formats only: what a value means is decided by the caller.
///
/// Bodies that carry secrets (card keys, storedata data, DESFire keys) are read with
/// body_secrecy::secret: the padded copy is wiped as soon as the walk ends, whatever its result.
/// Secret fields must be read with read_hex / read_hex_list: they read hex in place from the wiped
/// copy, while read_string unescapes through the parser's own buffer, which is never wiped.
/// Threads: any; each thread has its own parser and buffer (shards are single-threaded).
#include "tsm/core/api_error.hpp"
#include "tsm/core/hex.hpp"

#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::transport::json {

using value = simdjson::ondemand::value;
using object = simdjson::ondemand::object;

enum class body_secrecy : std::uint8_t { plain, secret };

/// Called per member, in order; the first error stops the walk.
using member_fn = std::function<core::api_status(std::string_view key, value& v)>;

/// Parses `body` as exactly one JSON object (nothing may follow) and walks its members.
[[nodiscard]] core::api_status read_object(std::string_view body, body_secrecy secrecy,
                                           const member_fn& on_member);
/// Walks the members of a nested object value (`field` names it in errors).
[[nodiscard]] core::api_status read_members(value& v, std::string_view field, const member_fn& on_member);

[[nodiscard]] core::api_status read_string(value& v, std::string_view field, std::string& out);
[[nodiscard]] core::api_status read_bool(value& v, std::string_view field, bool& out);
[[nodiscard]] core::api_status read_int(value& v, std::string_view field, std::int64_t lo, std::int64_t hi,
                                        std::int64_t& out);
[[nodiscard]] core::api_status read_uint(value& v, std::string_view field, std::uint64_t& out);
[[nodiscard]] core::api_status read_string_list(value& v, std::string_view field,
                                                std::vector<std::string>& out);

/// Bounds of a list of hex strings (APDUs, responses, DESFire commands).
struct hex_list_limits {
    std::size_t max_items = 256;
    std::size_t max_bytes = 65544; ///< per item
    bool allow_empty_items = false;
};
/// An array of hex strings, decoded. Errors name the entry ("commands: entry 3 is not valid hex").
[[nodiscard]] core::api_status read_hex_list(value& v, std::string_view field, const hex_list_limits& limits,
                                             std::vector<core::bytes>& out);
/// A hex string of at most `max_bytes` decoded bytes (non-empty unless allow_empty).
[[nodiscard]] core::api_status read_hex(value& v, std::string_view field, std::size_t max_bytes,
                                        bool allow_empty, core::bytes& out);
/// A nested JSON object kept as its text, validated all the way down (it is relayed verbatim).
[[nodiscard]] core::api_status read_raw_object(value& v, std::string_view field, std::string& out);
/// Any JSON value kept as its text (strings with their quotes), trailing whitespace trimmed.
[[nodiscard]] core::api_status read_raw_value(value& v, std::string_view field, std::string& out);
/// A string's text, or any other JSON value as its text (read_raw_value): free-form messages.
[[nodiscard]] core::api_status read_text_or_raw(value& v, std::string_view field, std::string& out);

/// The type of a value, or nullopt when it does not parse.
std::optional<simdjson::ondemand::json_type> type_of(value& v);

/// True when `text` is exactly one JSON object, valid all the way down.
bool is_json_object(std::string_view text);

} // namespace tsm::transport::json
