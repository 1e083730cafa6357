#include "tsm/transport/touch_point/v1/codec.hpp"

#include "tsm/core/hex.hpp"
#include "tsm/core/ids.hpp"
#include "tsm/transport/json_reader.hpp"

namespace tsm::transport::touch_point::v1 {
namespace {

core::api_error bad(std::string text) {
    return core::make_api_error(core::api_errc::bad_request, std::move(text));
}

/// An RSA-4096 OAEP block is 512 bytes; room for larger keys, bounded all the same.
constexpr std::size_t max_ephemeral_key_hex = 4096;

std::string lower_case(std::string s) {
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return s;
}

/// Members as they arrive, before the type says which of them matter.
struct members {
    bool has_type = false;
    std::string type;
    std::string code;
    message msg;
};

core::api_status read_card_id(json::value& v, message& m) {
    return json::read_members(v, "cardId", [&m](std::string_view key, json::value& cv) -> core::api_status {
        if (key == "iin") {
            return json::read_string(cv, "cardId.iin", m.iin);
        }
        if (key == "cin") {
            return json::read_string(cv, "cardId.cin", m.cin);
        }
        if (key == "platformVersion" && cv.get_int64().get(m.platform_version)) {
            return bad("cardId.platformVersion must be an integer");
        }
        return {};
    });
}

core::api_status read_member(std::string_view key, json::value& v, const limits& lim, members& in) {
    message& m = in.msg;
    if (key == "type") {
        in.has_type = true;
        return json::read_string(v, "type", in.type);
    }
    if (key == "appId") {
        return json::read_string(v, "appId", m.app_id);
    }
    if (key == "serviceId") {
        return json::read_string(v, "serviceId", m.service_id);
    }
    if (key == "sessionId") {
        return json::read_string(v, "sessionId", m.session_id);
    }
    if (key == "resumeToken") {
        return json::read_string(v, "resumeToken", m.resume_token);
    }
    if (key == "code") {
        return json::read_string(v, "code", in.code);
    }
    if (key == "message") {
        return json::read_text_or_raw(v, "message", m.abort_message);
    }
    if (key == "batch") {
        return json::read_uint(v, "batch", m.batch);
    }
    if (key == "responses") {
        return json::read_hex_list(v, "responses", {lim.max_responses, lim.max_apdu_bytes, false},
                                   m.responses);
    }
    if (key == "fields") {
        return json::read_raw_object(v, "fields", m.fields_json);
    }
    if (key == "operationId") {
        return json::read_string(v, "operationId", m.operation_id);
    }
    if (key == "ephemeralKey") {
        return json::read_string(v, "ephemeralKey", m.ephemeral_key);
    }
    if (key == "declined") {
        return json::read_bool(v, "declined", m.declined);
    }
    if (key == "features") {
        std::vector<std::string> features;
        auto st = json::read_string_list(v, "features", features);
        for (const auto& f : features) {
            m.prompts = m.prompts || f == feature_user_interaction;
        }
        return st;
    }
    if (key == "cardId") {
        return read_card_id(v, m);
    }
    return {}; // members the protocol does not list are ignored
}

/// The type names the message; its members must then make sense for it.
core::api_status check_type(members& in) {
    using kind = message::kind;
    message& m = in.msg;
    if (in.type == "describe") {
        m.type = kind::describe;
        if (!is_valid_service_id(m.app_id) || !is_valid_service_id(m.service_id)) {
            return bad("describe needs appId and serviceId");
        }
        return {};
    }
    if (in.type == "deliver") {
        m.type = kind::deliver;
        if (!is_valid_service_id(m.app_id) || !is_valid_service_id(m.service_id)) {
            return bad("deliver needs appId and serviceId");
        }
        if (!core::is_hex(m.cin) || (!m.iin.empty() && !core::is_hex(m.iin))) {
            return bad("cardId.cin (and cardId.iin when given) must be hex");
        }
        if (!m.ephemeral_key.empty() && (m.ephemeral_key.size() > max_ephemeral_key_hex || !core::is_hex(m.ephemeral_key))) {
            return bad("ephemeralKey must be hex");
        }
        return {};
    }
    if (in.type == "responses") {
        m.type = kind::responses;
        return {};
    }
    if (in.type == "resume") {
        m.type = kind::resume;
        if (!core::is_uuid(m.session_id) || m.resume_token.empty()) {
            return bad("resume needs sessionId (a UUID) and resumeToken");
        }
        return {};
    }
    if (in.type == "user-input") {
        m.type = kind::user_input;
        if (!core::is_uuid(m.operation_id)) {
            return bad("user-input needs operationId (a UUID)");
        }
        if (!m.ephemeral_key.empty() && (m.ephemeral_key.size() > max_ephemeral_key_hex || !core::is_hex(m.ephemeral_key))) {
            return bad("ephemeralKey must be hex");
        }
        m.operation_id = lower_case(std::move(m.operation_id));
        return {};
    }
    if (in.type == "status") {
        m.type = kind::client_error;
        if (in.code != "CLIENT_ERROR") {
            return bad("touch points send status only with code CLIENT_ERROR");
        }
        return {};
    }
    return bad("unknown message type '" + in.type + "'");
}

} // namespace

core::api_result<message> decode(std::string_view frame, const limits& lim) {
    members in;
    // Frames may carry user input (deliver's and user-input's fields): the parse copy is wiped.
    auto st = json::read_object(frame, json::body_secrecy::secret, [&](std::string_view key, json::value& v) {
        return read_member(key, v, lim, in);
    });
    if (!st) {
        return st.error();
    }
    if (!in.has_type) {
        return bad("missing type");
    }
    if (auto checked = check_type(in); !checked) {
        return checked.error();
    }
    return std::move(in.msg);
}

} // namespace tsm::transport::touch_point::v1
