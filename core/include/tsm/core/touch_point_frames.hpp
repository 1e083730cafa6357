#pragma once
/// The final status frame of protocol v1 (docs/touchpoint-protocol.md), rendered in core because
/// it is persisted: session_record::final_status_json holds it, and it is sent again verbatim
/// (touch_point_port::send_final_status) when a touch point resumes a session that has ended, even
/// after a restart. Every other frame is rendered by the touch-point adapter (transport/touch_point)
/// from the typed touch_point_port calls.
/// Pure functions: any thread.
#include "tsm/core/operation.hpp"

#include <string>
#include <string_view>

namespace tsm::core::frames {

/// `message_json` is a JSON value (string or {"en":…} object) rendered verbatim.
std::string status(bool success, std::string_view message_json);

/// A JSON string literal for `text` (for status messages built from plain text).
std::string json_string(std::string_view text);

// Superseded by the typed touch_point_port calls (send_commands, send_session, send_resumed,
// send_error, send_description), rendered by transport/touch_point/v1. Kept only while the
// session engine still sends pre-rendered frames; removed with its last caller.
std::string commands(std::uint64_t batch, std::string_view operation_id, const apdu_batch& b);
std::string session(std::string_view session_id, std::string_view resume_token);
std::string resumed(std::string_view session_id);
std::string error(std::string_view code, std::string_view message);
std::string description(std::string_view app_id, std::string_view service_id,
                        std::string_view description_json);

} // namespace tsm::core::frames
