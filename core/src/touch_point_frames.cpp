#include "tsm/core/touch_point_frames.hpp"

#include "tsm/core/json_writer.hpp"

namespace tsm::core::frames {

std::string status(bool success, std::string_view message_json, std::string_view script_status_json) {
    json_writer w;
    w.begin_object().key("type").value("status").key("code").value(success ? "OK" : "FAILED");
    w.key("success").value(success).key("message");
    if (message_json.empty()) {
        w.value("");
    } else {
        w.raw(message_json);
    }
    if (!script_status_json.empty()) {
        w.key("scriptStatus").raw(script_status_json);
    }
    w.end_object();
    return std::move(w).str();
}

std::string script_status(std::size_t action, std::string_view endpoint, const operation_outcome& outcome) {
    json_writer w;
    w.begin_object().key("action").value(static_cast<std::uint64_t>(action)).key("endpoint").value(endpoint);
    w.key("statusCode").value(outcome.status_code).key("code").value(outcome.error_code);
    if (!outcome.error_command.empty()) {
        w.key("command").value(outcome.error_command);
    }
    if (!outcome.error_sw.empty()) {
        // As in callbacks: a DESFire status byte (2 hex digits) is "status", an ISO SW (4) "sw".
        w.key(outcome.error_sw.size() == 2 ? "status" : "sw").value(outcome.error_sw);
    }
    w.key("message").value(outcome.error_message).end_object();
    return std::move(w).str();
}

std::string json_string(std::string_view text) {
    std::string out;
    append_json_string(out, text);
    return out;
}

} // namespace tsm::core::frames
