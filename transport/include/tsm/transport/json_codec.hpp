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

/// Bounds of the SP transceive body (the touch point has its own: touch_point::limits).
struct json_limits {
    std::size_t max_commands = 256;      ///< APDUs per batch
    std::size_t max_apdu_bytes = 65544;  ///< extended APDU: 4 header + 3 Lc + 65535 data + 2 Le
};

/// `{"commands":["hex",…]}` (transceive body).
std::string decode_commands_body(std::string_view json, const json_limits& limits,
                                 std::vector<core::bytes>& commands);

/// `{"success":bool,"message":string|object}`; message_json receives the raw JSON value
/// (a string literal or an object), or `""` when absent.
std::string decode_completed_body(std::string_view json, bool& success, std::string& message_json);

/// Admin app body.
struct app_body {
    std::string key_hex;
    std::string description_url;
    std::string delivery_url;
    std::string delivery_method = "PUT";
    std::vector<std::string> callback_prefixes;
};
std::string decode_app_body(std::string_view json, app_body& out);

/// Admin card / IIN master key body. Key fields stay hex text; the caller validates and wipes them.
struct card_keys_body {
    std::string iin;
    std::string isd;
    std::string scp;
    std::int64_t kvn = -1;
    std::string enc;
    std::string mac;
    std::string dek;
    std::string diversification;
    std::string security_level; ///< hex byte, e.g. "03"
};
std::string decode_card_keys_body(std::string_view json, card_keys_body& out);

/// Body of the /ccm/* operations (install, delete, storedata); the handler checks which fields
/// its operation needs. Hex fields stay text.
struct ccm_body {
    std::string executable_load_file;
    std::string executable_module;
    std::string application;
    std::string parameters;
    std::string privileges;
    std::optional<bool> with_related;
    std::string tag_type;
    std::string data;
};
std::string decode_ccm_body(std::string_view json, ccm_body& out);

/// True when `json` is exactly one valid JSON object.
bool is_json_object(std::string_view json);

} // namespace tsm::transport
