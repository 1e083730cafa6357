#pragma once
/// Decoders for the JSON wire messages (simdjson on-demand, no exceptions). Each returns an empty
/// string on success or a message naming what is wrong. Formats only: what the values mean and
/// whether they are allowed is decided by the caller.
#include "tsm/core/hex.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::transport {

struct json_limits {
    std::size_t max_commands = 256;      ///< APDUs per batch
    std::size_t max_apdu_bytes = 65544;  ///< extended APDU: 4 header + 3 Lc + 65535 data + 2 Le
};

/// A touch-point message of protocol v1.
struct touch_point_message {
    enum class kind { describe, deliver, responses, resume, status, unknown };
    kind type = kind::unknown;
    std::string type_name;
    std::string app_id;
    std::string service_id;
    std::string iin;
    std::string cin;
    std::int64_t platform_version = 0;
    std::string fields_json;         ///< raw JSON object, or empty
    std::uint64_t batch = 0;
    std::vector<core::bytes> responses; ///< decoded from hex
    std::string session_id;
    std::string resume_token;
    std::string code;
    std::string message;
};

std::string decode_touch_point_message(std::string_view json, const json_limits& limits,
                                       touch_point_message& out);


/// True when `json` is exactly one valid JSON object.
bool is_json_object(std::string_view json);

} // namespace tsm::transport
