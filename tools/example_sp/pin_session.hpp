#pragma once
/// The "pin" service's delivery workflow: user interaction through tsmd. The session asks the
/// user for a PIN with an encrypted /user-interaction, decrypts the answer with the SP's key
/// (sp_key), checks it is 4 to 8 digits and reports completion. The PIN is never logged nor put
/// in the completion message ("PIN received (N digits)"); it is wiped after the check. Runs on
/// its own worker thread and blocks on the callback.
#include "example_sp/session_steps.hpp"
#include "example_sp/sp_key.hpp"

#include <functional>
#include <string>

namespace tsm::tools::example_sp {

/// The description of "pin": no fieldsRequired, the SP's certificate for encrypted input.
std::string pin_description(const sp_key& key);

/// The fields of the /user-interaction request.
std::string pin_fields_json();

/// Whether `pin` is 4 to 8 decimal digits.
bool is_acceptable_pin(const std::string& pin);

/// Runs the pin service for `session_id` and always ends the session with /service/completed.
/// Returns the success flag it reported.
/// `observer` (tests; may be empty) sees the decrypted PIN before it is wiped.
bool run_pin_session(const demo_context& ctx, const sp_key& key, const std::string& session_id,
                     const std::function<void(const std::string&)>& observer = {});

} // namespace tsm::tools::example_sp
