#pragma once
/// Compact versioned binary encoding of the persisted records.
///
/// Layout: [version:1][kind:1] then the fields in declaration order. Strings are a varint length
/// then the bytes; unsigned integers are varints; signed integers are zigzag varints; enums are one
/// byte; string lists are a varint count then strings. Decoding checks every length against the
/// bytes left, rejects bad enums, unknown versions/kinds and trailing bytes.
#include "tsm/core/records.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace tsm::storage::codec {

inline constexpr std::uint8_t format_version = 1;
/// Card key records are written in version 2: version 1 followed by the DESFire part (key type,
/// key version, diversification, system identifier, sealed key; all empty/0 when absent).
/// Version 1 card key records (no DESFire part) still decode.
/// Version 3 appends the device description: platform version (zigzag), OS type/version name,
/// batch id (presence byte 0/1, then zigzag when 1), CPLC and UID (strings). Versions 1 and 2
/// still decode (no device description: all empty/0/absent).
inline constexpr std::uint8_t card_keys_format_version = 3;
/// Session records are written in version 2: version 1 followed by the user's e-mail and MSISDN.
/// Version 1 session records still decode (both empty).
/// Version 3 appends the user input and the recipe: sealed fields, ephemeral key (strings), then
/// a recipe presence byte (0/1) and, when 1, the recipe_run: success message, failure message,
/// service result URI (strings), action endpoints (string list). Versions 1 and 2 still decode
/// (no sealed fields, no ephemeral key, no recipe).
inline constexpr std::uint8_t session_format_version = 3;
/// Operation records are written in version 2: version 1 followed by result_sealed (one byte 0/1).
/// Version 1 operation records still decode (result_sealed false).
inline constexpr std::uint8_t operation_format_version = 2;
/// Outbox entries are written in version 2: version 1 followed by sealed (one byte 0/1).
/// Version 1 outbox entries still decode (sealed false).
inline constexpr std::uint8_t outbox_format_version = 2;

enum class record_kind : std::uint8_t {
    app = 'a',
    session = 's',
    operation = 'o',
    outbox = 'x',
    card_keys = 'c',
    capfile = 'f',
    recipe = 'r',
};

/// Each encode appends to `out`.
void encode(const core::app_record& r, std::string& out);
void encode(const core::session_record& r, std::string& out);
void encode(const core::operation_record& r, std::string& out);
void encode(const core::outbox_entry& r, std::string& out);
void encode(const core::card_keys_record& r, std::string& out);
void encode(const core::capfile_record& r, std::string& out);
/// Recipe records (version 1): app id, service id, description, success message, failure
/// message, service result URI (strings), the action count then per action endpoint, kind,
/// payload (strings) and sealed (one byte 0/1), then updated_ms (zigzag).
void encode(const core::recipe_record& r, std::string& out);

/// Each decode returns errc::corruption (storage category) on any malformed input; `out` is then
/// unspecified but valid.
std::error_code decode(std::string_view in, core::app_record& out);
std::error_code decode(std::string_view in, core::session_record& out);
std::error_code decode(std::string_view in, core::operation_record& out);
std::error_code decode(std::string_view in, core::outbox_entry& out);
std::error_code decode(std::string_view in, core::card_keys_record& out);
std::error_code decode(std::string_view in, core::capfile_record& out);
std::error_code decode(std::string_view in, core::recipe_record& out);

} // namespace tsm::storage::codec
