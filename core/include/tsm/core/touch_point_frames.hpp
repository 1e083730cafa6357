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

} // namespace tsm::core::frames
