#pragma once
/// The Fidesmo client API's request bodies (docs/fidesmo-compat.md, the client protocol reference
/// §3), decoded with transport::json_reader into plain values. Errors are bad_request naming the
/// field; members the protocol does not list are ignored. Pure functions: any thread.
#include "tsm/core/api_error.hpp"
#include "tsm/core/hex.hpp"
#include "tsm/core/session_service.hpp"
#include "tsm/transport/touch_point/fidesmo/long_poll.hpp"
#include "tsm/transport/touch_point/message.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tsm::transport::touch_point::fidesmo {

/// POST service/deliver (with the fields' ephemeralKey when the client encrypted them).
[[nodiscard]] core::api_result<core::delivery_request> decode_deliver(std::string_view body);

struct fetch_body {
    std::string session_id;       ///< lower case
    std::string result_operation; ///< operationResult.operationId; empty when none
    /// The operationResult as a whole, when it names an operation (user input: sealed and wiped
    /// downstream; the parse copy of the body is wiped).
    std::optional<operation_result> result;
};
/// POST service/fetch. A sessionId that is no UUID is session_not_found (no such session can exist).
[[nodiscard]] core::api_result<fetch_body> decode_fetch(std::string_view body);

struct connector_body {
    std::string operation_id; ///< "uuid", lower case
    std::vector<core::bytes> responses;
};
/// POST connector/json.
[[nodiscard]] core::api_result<connector_body> decode_connector(std::string_view body, const limits& lim);

struct client_error_body {
    std::string session_id;
    std::string message;
};
/// POST service/error.
[[nodiscard]] core::api_result<client_error_body> decode_client_error(std::string_view body);

/// The value of query parameter `name` in `target`, percent-decoded (nullopt when absent or the
/// target does not parse).
std::optional<std::string> query_param(std::string_view target, std::string_view name);

} // namespace tsm::transport::touch_point::fidesmo
