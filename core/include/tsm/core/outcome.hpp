#pragma once
/// Renders an operation's outcome as the body of its SP callback. Pure: any thread.
#include "tsm/core/operation.hpp"

#include <string>
#include <string_view>

namespace tsm::core {

/// `{"operationId":…,"statusCode":…,"responses":[…]}` or with `"error":{"code","message"}`.
std::string callback_body(std::string_view operation_id, const operation_outcome& outcome);

} // namespace tsm::core
