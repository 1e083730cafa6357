#pragma once
/// Private: bounded, read-only access to a ZIP archive held in memory (libzip underneath; no
/// libzip type leaks out of zip_reader.cpp).
#include "tsm/core/cap/cap_file.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tsm::core::cap::detail {

struct zip_member {
    std::string name;
    bytes data;
};

/// Opens `zip_bytes` and returns the members whose name `wanted` accepts, in archive order,
/// fully decompressed. Members not wanted are never decompressed.
///
/// Bounds, all checked against the central directory before any decompression and enforced
/// again while reading (sizes in ZIP headers can lie):
///  - input size <= limits.max_input_bytes, entries <= limits.max_entries;
///  - the sum of the declared uncompressed sizes of all entries <= limits.max_uncompressed_bytes;
///  - each wanted member <= max_member_bytes (its declared size and the bytes actually produced).
/// Only stored and deflated, unencrypted members are read (anything else: unsupported).
std::variant<std::vector<zip_member>, cap_error>
read_zip_members(std::string_view zip_bytes, const cap_limits& limits, std::size_t max_member_bytes,
                 const std::function<bool(std::string_view name)>& wanted);

} // namespace tsm::core::cap::detail
