// Server frames of the Fidesmo WebSocket dialect: id, commands, status.
#include "tsm/transport/touch_point/fidesmo_ws/codec.hpp"

#include "tsm/core/json_writer.hpp"
#include "tsm/transport/json_reader.hpp"

#include <cctype>

namespace tsm::transport::touch_point::fidesmo_ws::frames {
namespace {

/// The text of a status message: a string as it is; a multilanguage object ({"en":…,"sv":…})
/// its English text, else its first text.
core::api_status read_message_text(json::value& v, std::string& out) {
    const auto t = json::type_of(v);
    if (t == simdjson::ondemand::json_type::string) {
        return json::read_string(v, "message", out);
    }
    if (t != simdjson::ondemand::json_type::object) {
        return {}; // nothing readable: no text
    }
    bool english = false;
    return json::read_members(v, "message", [&](std::string_view key, json::value& lv) -> core::api_status {
        if (english || json::type_of(lv) != simdjson::ondemand::json_type::string) {
            return {};
        }
        if (key == "en" || out.empty()) {
            english = key == "en";
            return json::read_string(lv, "message", out);
        }
        return {};
    });
}

} // namespace

std::string id(std::string_view session_id) {
    core::json_writer w;
    w.begin_object().key("type").value("id").key("value").value(session_id).end_object();
    return std::move(w).str();
}

std::string commands(const core::apdu_batch& batch) {
    core::json_writer w;
    std::size_t size = 40;
    for (const auto& c : batch.commands) {
        size += 2 * c.size() + 3;
    }
    w.reserve(size);
    w.begin_object().key("type").value("commands").key("commands").begin_array();
    for (const auto& c : batch.commands) {
        w.hex_value(c);
    }
    w.end_array().end_object();
    return std::move(w).str();
}

std::string status(std::string_view code, std::string_view message) {
    core::json_writer w;
    w.begin_object().key("type").value("status").key("code").value(code);
    w.key("message").value(message).end_object();
    return std::move(w).str();
}

std::string status_code(std::string_view error_name) {
    std::string code(error_name);
    for (char& c : code) {
        c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return code;
}

std::string error(const core::api_error& error) {
    return status(status_code(error.name()), error.message);
}

std::string final_status(std::string_view v1_status_json) {
    // Core wrote this frame; should it not read, the session still ends, as a failure.
    std::string code;
    std::string text;
    std::string script_status; // a recipe's failing action: this dialect has no field for it
    auto st = json::read_object(v1_status_json, json::body_secrecy::plain,
                                [&](std::string_view key, json::value& v) -> core::api_status {
                                    if (key == "code") {
                                        return json::read_string(v, "code", code);
                                    }
                                    if (key == "message") {
                                        return read_message_text(v, text);
                                    }
                                    if (key == "scriptStatus") {
                                        return json::read_raw_value(v, "scriptStatus", script_status);
                                    }
                                    return {};
                                });
    if (st && !script_status.empty()) {
        text =
            text.empty() ? "scriptStatus: " + script_status : text + " (scriptStatus: " + script_status + ")";
    }
    if (!st || code.empty()) {
        return status("FAILED", text);
    }
    return status(code, text);
}

} // namespace tsm::transport::touch_point::fidesmo_ws::frames
