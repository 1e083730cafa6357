// Client frames of the Fidesmo WebSocket dialect: responses, and status CLIENT_ERROR.
#include "tsm/transport/touch_point/fidesmo_ws/codec.hpp"

#include "tsm/transport/json_reader.hpp"

namespace tsm::transport::touch_point::fidesmo_ws {
namespace {

core::api_error bad(std::string text) {
    return core::make_api_error(core::api_errc::bad_request, std::move(text));
}

struct members {
    bool has_type = false;
    bool has_responses = false;
    std::string type;
    std::string code;
    message msg;
};

core::api_status read_member(std::string_view key, json::value& v, const limits& lim, members& in) {
    if (key == "type") {
        in.has_type = true;
        return json::read_string(v, "type", in.type);
    }
    if (key == "responses") {
        in.has_responses = true;
        return json::read_hex_list(v, "responses", {lim.max_responses, lim.max_apdu_bytes, false},
                                   in.msg.responses);
    }
    if (key == "code") {
        return json::read_string(v, "code", in.code);
    }
    if (key == "message") {
        return json::read_text_or_raw(v, "message", in.msg.abort_message);
    }
    return {}; // members the protocol does not list are ignored
}

} // namespace

core::api_result<message> decode(std::string_view frame, const limits& lim) {
    members in;
    auto st = json::read_object(frame, json::body_secrecy::plain, [&](std::string_view key, json::value& v) {
        return read_member(key, v, lim, in);
    });
    if (!st) {
        return st.error();
    }
    if (!in.has_type) {
        return bad("missing type");
    }
    if (in.type == "responses") {
        if (!in.has_responses) {
            return bad("responses needs a responses array");
        }
        in.msg.type = message::kind::responses;
        in.msg.batch = 0; // no batch numbers: the answers are the outstanding batch's
        return std::move(in.msg);
    }
    if (in.type == "status") {
        if (in.code != "CLIENT_ERROR") {
            return bad("clients send status only with code CLIENT_ERROR");
        }
        in.msg.type = message::kind::client_error;
        return std::move(in.msg);
    }
    return bad("unknown message type '" + in.type + "'");
}

} // namespace tsm::transport::touch_point::fidesmo_ws
