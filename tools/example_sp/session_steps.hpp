#pragma once
/// What the service workflows (demo, hello, desfire) share: the context a session runs in, the
/// callback URL of its operations, waiting for an operation's callback and decoding it, and
/// ending the session with /service/completed.
#include "example_sp/operation_waiter.hpp"
#include "example_sp/step_log.hpp"
#include "example_sp/tsm_api_client.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tsm::tools::example_sp {

struct demo_context {
    const tsm_api_client& api;
    operation_waiter& waiter;
    step_log& log;
    std::string public_url; ///< base of our callback URLs
    std::chrono::milliseconds operation_timeout{60000};
};

/// The callback URL of `session_id`'s operations: <public_url>/callback/<session id>.
std::string session_callback_url(const demo_context& ctx, const std::string& session_id);

/// Hex in upper case (a..f only; anything else is left as is).
std::string upper_hex(std::string s);

/// One operation's outcome as its callback reported it.
struct operation_outcome {
    bool ok = false;                    ///< the callback's statusCode is 200
    std::vector<std::string> responses; ///< hex, upper case: R-APDUs, or DESFire data || 91 || status
    /// /user-interaction: the user's answers (id -> value; hex ciphertext when encrypted) and
    /// the wrapped AES key. Secrets: the caller wipes them after use, and they are never logged.
    std::vector<std::pair<std::string, std::string>> fields;
    std::string ephemeral_key;
    // Failure details: `problem` always; the rest when the callback carried an error object.
    std::string problem; ///< one line: what went wrong, "<what>: ..."
    std::string code;    ///< error.code, e.g. "card-error", "desfire-error"
    std::string command; ///< error.command, e.g. "INSTALL [for install]", "CreateApplication"
    std::string sw;      ///< error.sw, upper case, e.g. "6985"
    std::string status;  ///< error.status, the DESFire status byte, upper case, e.g. "DE"
};

/// How a step logs the callback it received.
enum class callback_logging {
    status, ///< "callback status 200, N response(s)" on success
    body,   ///< the whole callback as received (only for callbacks that carry no secret)
};

/// Waits for the callback of the operation that `started` reports accepted (refused: a problem at
/// once), checks that it is `session_id`'s and decodes it. `what` names the step in the log
/// lines and in `problem`.
operation_outcome await_operation(const demo_context& ctx, const std::string& session_id,
                                  const api_result& started, std::string_view what,
                                  callback_logging logging = callback_logging::status);

/// Logs the outcome and ends the session with /service/completed; returns `success`.
bool complete_session(const demo_context& ctx, const std::string& session_id, bool success,
                      const std::string& message);

} // namespace tsm::tools::example_sp
