#pragma once
/// The /secure-transceive request mapping (SP API and recipe actions): application + commands ->
/// checks -> the secure-transceive operation with its payload SEALED, since the commands are the
/// SP's secrets that the touch point must never see in clear (secure_transceive.hpp). Errors are
/// bad_request naming the field ("commands[2]: ..."). Stateless, any thread.
#include "tsm/core/api_error.hpp"
#include "tsm/core/hex.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/operation_request.hpp"

#include <string_view>
#include <vector>

namespace tsm::core::secure_transceive {

/// For an operation queued in session `session_id` (lower case): the payload is sealed under
/// secure_transceive_payload_context(session_id). `application` is the AID as hex text (as the
/// SP sent it); `commands` the decoded C-APDUs. The caller wipes its own copies.
[[nodiscard]] api_result<operation_request> to_secure_transceive_operation(std::string_view application,
                                                                           const std::vector<bytes>& commands,
                                                                           const key_vault& vault,
                                                                           std::string_view session_id);

/// The same checks, the payload sealed under `seal_context` instead: a stored recipe's action
/// passes recipe_payload_context(app_id, service_id); the recipe runner re-seals it under
/// secure_transceive_payload_context(session) when a delivery starts.
[[nodiscard]] api_result<operation_request>
to_secure_transceive_operation_sealed_under(std::string_view application, const std::vector<bytes>& commands,
                                            const key_vault& vault, std::string_view seal_context);

} // namespace tsm::core::secure_transceive
