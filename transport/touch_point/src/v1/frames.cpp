#include "tsm/transport/touch_point/v1/codec.hpp"

#include "tsm/core/json_writer.hpp"

namespace tsm::transport::touch_point::v1::frames {

std::string commands(std::uint64_t batch_number, std::string_view operation_id,
                     const core::apdu_batch& batch) {
    core::json_writer w;
    std::size_t size = 96 + operation_id.size();
    for (const auto& c : batch.commands) {
        size += 2 * c.size() + 3;
    }
    w.reserve(size);
    w.begin_object().key("type").value("commands").key("batch").value(batch_number);
    w.key("operationId").value(operation_id).key("commands").begin_array();
    for (const auto& c : batch.commands) {
        w.hex_value(c);
    }
    w.end_array().key("stopOnError").value(batch.stop_on_error).end_object();
    return std::move(w).str();
}

std::string description(std::string_view app_id, std::string_view service_id,
                        std::string_view description_json) {
    core::json_writer w;
    w.begin_object().key("type").value("description").key("appId").value(app_id);
    w.key("serviceId").value(service_id).key("description").raw(description_json).end_object();
    return std::move(w).str();
}

std::string session(std::string_view session_id, std::string_view resume_token) {
    core::json_writer w;
    w.begin_object().key("type").value("session").key("sessionId").value(session_id);
    w.key("resumeToken").value(resume_token).end_object();
    return std::move(w).str();
}

std::string resumed(std::string_view session_id) {
    core::json_writer w;
    w.begin_object().key("type").value("resumed").key("sessionId").value(session_id).end_object();
    return std::move(w).str();
}

std::string error(const core::api_error& error) {
    core::json_writer w;
    w.begin_object().key("type").value("error").key("code").value(error.name());
    w.key("message").value(error.message).end_object();
    return std::move(w).str();
}

std::string user_interaction(std::string_view operation_id, const core::prompt& p) {
    core::json_writer w;
    w.reserve(96 + operation_id.size() + p.json.size());
    if (p.type == core::prompt::kind::fields) {
        w.begin_object().key("type").value("user-interaction").key("operationId").value(operation_id);
        w.key("fields").raw(p.json).key("encrypted").value(p.encrypted).end_object();
    } else {
        w.begin_object().key("type").value("user-action").key("operationId").value(operation_id);
        w.key("actions").raw(p.json).end_object();
    }
    return std::move(w).str();
}

} // namespace tsm::transport::touch_point::v1::frames
