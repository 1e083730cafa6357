#pragma once
/// How a stop-on-error batch reaches a touch point whose protocol has no stopOnError (the Fidesmo
/// dialects run every command whatever its status word): in parts that end at the batch's
/// continue points, each answer read only up to the first failure. The card then never runs a
/// command after a failure the operation goes on from, and the operation sees what a touch point
/// that stops would have reported. Pure functions: any thread.
#include "tsm/core/operation.hpp"

#include <cstddef>
#include <vector>

namespace tsm::core::batch_parts {

/// The touch point's stopping rule: true when `response` (data + SW) ends with a status word other
/// than 9000 or 61xx.
bool is_failure(const bytes& response) noexcept;

/// The end (exclusive) of the part of `batch` that starts at `begin`. The whole rest of the batch
/// unless the touch point runs every command and the batch stops on error: then up to and
/// including the next continue point.
std::size_t part_end(const apdu_batch& batch, std::size_t begin, bool runs_every_command) noexcept;

/// Keeps the answers up to and including the first failure and drops the rest (the card ran those
/// commands, but a touch point that stops would not have).
void keep_until_failure(std::vector<bytes>& responses);

} // namespace tsm::core::batch_parts
