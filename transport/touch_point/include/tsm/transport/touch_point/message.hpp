#pragma once
/// What a touch point asks the server, whatever the dialect it speaks: each dialect's decoder
/// (v1/codec.hpp, fidesmo_ws/codec.hpp) turns a frame (or the URL it connected to) into one `message`, already checked for shape and content (ids,
/// hex, limits), so the gateway only checks it against the connection's binding.
/// Plain values: any thread.
#include "tsm/core/hex.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::transport::touch_point {

/// Bounds of what a touch point may send (config [limits]).
struct limits {
    std::size_t max_responses = 256;    ///< R-APDUs per answer (max_commands_per_batch)
    std::size_t max_apdu_bytes = 65544; ///< extended APDU: 4 header + 3 Lc + 65535 data + 2 Le
};

struct message {
    enum class kind : std::uint8_t {
        describe,     ///< app_id, service_id
        deliver,      ///< app_id, service_id, iin, cin, platform_version, fields_json
        responses,    ///< batch, responses
        resume,       ///< session_id, resume_token
        client_error, ///< abort_message: the touch point gave up
        user_input,   ///< operation_id, fields_json, ephemeral_key, declined: a prompt's answer
    };
    kind type = kind::describe;
    std::string app_id;
    std::string service_id;
    std::string iin; ///< hex, may be empty
    std::string cin; ///< hex
    std::int64_t platform_version = 0;
    std::string fields_json; ///< a JSON object, or empty (deliver, user_input: user secrets)
    std::string ephemeral_key; ///< deliver, user_input: hex, or empty
    std::string operation_id;  ///< user_input
    bool declined = false;     ///< user_input: the user refused to answer
    /// deliver, resume: the touch point can answer user-interaction and user-action steps (v1:
    /// "features":["user-interaction"]); core::connection_ref::prompts.
    bool prompts = false;
    std::uint64_t batch = 0;
    std::vector<core::bytes> responses;
    std::string session_id;
    std::string resume_token;
    std::string abort_message; ///< a string's text, or another JSON value's text; may be empty
    /// deliver: iin and platform_version come from the device registry record of `cin`.
    bool device_from_registry = false;
    /// deliver: the new session's id is also its resume token (the Fidesmo dialects, whose
    /// clients know nothing but the session id).
    bool session_id_as_token = false;
};

/// appId and serviceId a touch point may name: core builds the SP's description URL as
/// `descriptionUrl/serviceId`, so only URL-safe ids of bounded length pass.
inline bool is_valid_service_id(std::string_view s) noexcept {
    if (s.empty() || s.size() > 128) {
        return false;
    }
    for (char c : s) {
        const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'
                        || c == '_' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

} // namespace tsm::transport::touch_point
