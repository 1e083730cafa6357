#include "tsm/core/touch_point_frames.hpp"

#include "tsm/core/json_writer.hpp"

namespace tsm::core::frames {

std::string commands(std::uint64_t batch, std::string_view operation_id, const apdu_batch& b) {
    json_writer w;
    std::size_t size = 96 + operation_id.size();
    for (const auto& c : b.commands) {
        size += 2 * c.size() + 3;
    }
    w.reserve(size);
    w.begin_object().key("type").value("commands").key("batch").value(batch);
    w.key("operationId").value(operation_id).key("commands").begin_array();
    for (const auto& c : b.commands) {
        w.hex_value(c);
    }
    w.end_array().key("stopOnError").value(b.stop_on_error).end_object();
    return std::move(w).str();
}

std::string status(bool success, std::string_view message_json) {
    json_writer w;
    w.begin_object().key("type").value("status").key("code").value(success ? "OK" : "FAILED");
    w.key("success").value(success).key("message");
    if (message_json.empty()) {
        w.value("");
    } else {
        w.raw(message_json);
    }
    w.end_object();
    return std::move(w).str();
}

std::string session(std::string_view session_id, std::string_view resume_token) {
    json_writer w;
    w.begin_object().key("type").value("session").key("sessionId").value(session_id);
    w.key("resumeToken").value(resume_token).end_object();
    return std::move(w).str();
}

std::string resumed(std::string_view session_id) {
    json_writer w;
    w.begin_object().key("type").value("resumed").key("sessionId").value(session_id).end_object();
    return std::move(w).str();
}

std::string error(std::string_view code, std::string_view message) {
    json_writer w;
    w.begin_object().key("type").value("error").key("code").value(code);
    w.key("message").value(message).end_object();
    return std::move(w).str();
}

std::string description(std::string_view app_id, std::string_view service_id,
                        std::string_view description_json) {
    json_writer w;
    w.begin_object().key("type").value("description").key("appId").value(app_id);
    w.key("serviceId").value(service_id).key("description").raw(description_json).end_object();
    return std::move(w).str();
}

std::string json_string(std::string_view text) {
    std::string out;
    append_json_string(out, text);
    return out;
}

} // namespace tsm::core::frames
