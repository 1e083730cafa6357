#pragma once
/// Server-to-touch-point frames of protocol v1 (docs/touchpoint-protocol.md), rendered as JSON text.
#include "tsm/core/operation.hpp"

#include <string>
#include <string_view>

namespace tsm::core::frames {

std::string commands(std::uint64_t batch, std::string_view operation_id, const apdu_batch& b);
/// `message_json` is a JSON value (string or {"en":…} object) rendered verbatim.
std::string status(bool success, std::string_view message_json);
std::string session(std::string_view session_id, std::string_view resume_token);
std::string resumed(std::string_view session_id);
std::string error(std::string_view code, std::string_view message);
std::string description(std::string_view app_id, std::string_view service_id,
                        std::string_view description_json);

/// A JSON string literal for `text` (for messages built from plain text).
std::string json_string(std::string_view text);

} // namespace tsm::core::frames
