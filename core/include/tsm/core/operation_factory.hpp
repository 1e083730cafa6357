#pragma once
/// Rebuilds a live operation from its persisted record (on accept and after a restart), and
/// renders outcomes as SP callback bodies.
#include "tsm/core/operation.hpp"
#include "tsm/core/records.hpp"

#include <memory>
#include <string>

namespace tsm::core {

/// nullptr when the kind is unknown or the payload does not decode.
std::unique_ptr<operation> make_operation(const operation_record& rec);

/// `{"operationId":…,"statusCode":…,"responses":[…]}` or with `"error":{"code","message"}`.
std::string callback_body(std::string_view operation_id, const operation_outcome& outcome);

} // namespace tsm::core
