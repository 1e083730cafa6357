#include "tsm/core/outcome.hpp"

#include "tsm/core/json_writer.hpp"

namespace tsm::core {

std::string callback_body(std::string_view operation_id, const operation_outcome& o) {
    json_writer w;
    std::size_t size = 64 + operation_id.size() + o.error_message.size() + o.user_input_members.size();
    for (const auto& r : o.responses) {
        size += 2 * r.size() + 3;
    }
    w.reserve(size);
    w.begin_object().key("operationId").value(operation_id).key("statusCode").value(o.status_code);
    if (!o.user_input_members.empty()) {
        // User input (user-interaction): its members instead of responses (raw() separates them
        // from statusCode with the comma).
        w.raw(o.user_input_members);
    } else if (o.holds_user_input) {
        // An answer with nothing in it (user-action acknowledged): no responses either.
    } else if (o.status_code == 200 || !o.responses.empty()) {
        w.key("responses").begin_array();
        for (const auto& r : o.responses) {
            w.hex_value(r);
        }
        w.end_array();
    }
    if (o.status_code != 200) {
        w.key("error").begin_object().key("code").value(o.error_code);
        if (!o.error_command.empty()) {
            w.key("command").value(o.error_command);
        }
        if (!o.error_sw.empty()) {
            // A DESFire status byte (2 hex digits) is "status"; an ISO status word (4) is "sw".
            w.key(o.error_sw.size() == 2 ? "status" : "sw").value(o.error_sw);
        }
        w.key("message").value(o.error_message).end_object();
    }
    w.end_object();
    return std::move(w).str();
}

} // namespace tsm::core
