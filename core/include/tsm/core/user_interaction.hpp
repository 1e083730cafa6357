#pragma once
/// User interaction operations (kinds::user_interaction, kinds::user_action): the SP asks the
/// user, through the touch point, to fill in fields or to acknowledge actions
/// (docs/user-interaction.md). The request is the prompt itself; its payload codec is here so
/// the SP API (which decodes and re-renders the JSON) and the operation kind agree on it.
/// Pure functions: any thread.
#include "tsm/core/hex.hpp"
#include "tsm/core/operation.hpp"
#include "tsm/core/operation_registry.hpp"

#include <memory>
#include <optional>
#include <string_view>

namespace tsm::core::user_interaction {

/// Payload of both kinds: one flag byte (bit 0: encrypted), then the prompt's JSON array.
bytes encode_payload(const prompt& p);
/// nullopt when `payload` is not such a payload. `type` comes from the kind.
std::optional<prompt> decode_payload(std::string_view payload, prompt::kind type);

/// The operation: asks once, then turns the answer into the callback's members.
std::unique_ptr<operation> make_operation(prompt p);

/// Registers kinds::user_interaction and kinds::user_action (they need nothing beyond their
/// record; register_operation_kinds calls this).
void register_kinds(operation_registry& registry);

/// Wire name and status of the outcome when the user declines (docs/user-interaction.md).
inline constexpr std::string_view declined_code = "declined-by-user";
inline constexpr int declined_status = 400;
/// ... and when the touch point has no user-interaction step (session_service fails it).
inline constexpr std::string_view not_supported_code = "not-supported-by-touch-point";
inline constexpr int not_supported_status = 501;

} // namespace tsm::core::user_interaction
