#include "tsm/core/touch_point_frames.hpp"

#include "tsm/core/json_writer.hpp"

namespace tsm::core::frames {

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

std::string json_string(std::string_view text) {
    std::string out;
    append_json_string(out, text);
    return out;
}

} // namespace tsm::core::frames
