#pragma once
/// The final status frame of protocol v1 (docs/touchpoint-protocol.md), rendered in core because
/// it is persisted: session_record::final_status_json holds it, and it is sent again verbatim
/// (touch_point_port::send_final_status) when a touch point resumes a session that has ended, even
/// after a restart. Every other frame is rendered by the touch-point adapter (transport/touch_point)
/// from the typed touch_point_port calls.
/// Pure functions: any thread.
#include "tsm/core/operation.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace tsm::core::frames {

/// `message_json` is a JSON value (string or {"en":…} object) rendered verbatim.
/// `script_status_json`, when not empty, is a JSON object rendered verbatim as `scriptStatus`
/// (a recipe's failing action: script_status()).
std::string status(bool success, std::string_view message_json, std::string_view script_status_json = {});

/// A recipe's failing action as the final status reports it (docs/recipes.md):
/// `{"action":index,"endpoint","statusCode","code","command"?,"sw"?,"message"}`.
std::string script_status(std::size_t action, std::string_view endpoint, const operation_outcome& outcome);

/// A JSON string literal for `text` (for status messages built from plain text).
std::string json_string(std::string_view text);

} // namespace tsm::core::frames
