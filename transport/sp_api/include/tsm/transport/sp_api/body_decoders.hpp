#pragma once
/// The SP API request bodies, decoded over transport/json_reader (the one JSON mechanism): JSON
/// shape only, every error an api_error bad_request naming the field. What the values mean and
/// whether they are allowed is core's (ccm_requests, desfire_requests). Bodies holding secrets
/// (/ccm/* data, createApp keys) are read with body_secrecy::secret and their secret fields in
/// place as hex; the caller wipes the request body itself. Any thread.
#include "tsm/core/api_error.hpp"
#include "tsm/core/ccm_requests.hpp"
#include "tsm/core/desfire_requests.hpp"
#include "tsm/core/hex.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::transport::sp_api {

/// Bounds of the APDU lists an SP sends (/transceive, /desfire/ev1/commands).
struct limits {
    std::size_t max_commands = 256;     ///< APDUs per request
    std::size_t max_apdu_bytes = 65544; ///< extended APDU: 4 header + 3 Lc + 65535 data + 2 Le
};

/// `{"commands":["hex",…]}` (/transceive): a non-empty list within `lim`; other members ignored.
[[nodiscard]] core::api_result<std::vector<core::bytes>> decode_commands_body(std::string_view body,
                                                                              const limits& lim);

/// `{"success":bool,"message":string|object}` (/service/completed).
struct completed_body {
    bool success = false;
    std::string message_json; ///< the raw JSON value (a string literal or an object), or "" when absent
};
[[nodiscard]] core::api_result<completed_body> decode_completed_body(std::string_view body);

/// /ccm/install (both forms: executableLoadFile/executableModule, or id/module/searchBy),
/// /ccm/delete, /ccm/storedata (one shape; core checks what each needs). Secret.
[[nodiscard]] core::api_status decode_ccm_body(std::string_view body, core::ccm::request_fields& out);

/// Actions of one recipe (PUT …/services/{serviceId}/recipe): at most this many.
inline constexpr std::size_t max_recipe_actions = 64;

/// One recipe action as the SP wrote it: the endpoint and its body (`content`) as JSON text, to
/// be decoded by that endpoint's own decoder. The text may hold secrets (storedata data): wiped
/// with the action.
struct recipe_action_body {
    std::string endpoint;
    std::string content_json;

    recipe_action_body() = default;
    recipe_action_body(recipe_action_body&&) = default;
    recipe_action_body& operator=(recipe_action_body&&) = default;
    ~recipe_action_body() { core::wipe(content_json); }
};

/// `{"description":{…},"actions":[{"endpoint","content":{…}}…],"successMessage"?,
/// "failureMessage"?,"serviceResultUri"?,"serviceCheckUri"?}`. Messages are kept as their JSON
/// value (a string literal or an object of translations; "" when absent); serviceCheckUri is
/// accepted and ignored; other members are ignored. Secret (actions may carry storedata data).
struct recipe_body {
    std::string description_json; ///< a JSON object, validated all the way down
    std::vector<recipe_action_body> actions;
    std::string success_message_json;
    std::string failure_message_json;
    std::string service_result_uri;
};
[[nodiscard]] core::api_status decode_recipe_body(std::string_view body, recipe_body& out);

/// /desfire/ev1/createApp. Secret (application keys).
[[nodiscard]] core::api_status decode_create_app_body(std::string_view body,
                                                      core::desfire::create_app_fields& out);
/// /desfire/ev1/commands: the commands list within `lim`.
[[nodiscard]] core::api_status decode_desfire_commands_body(std::string_view body, const limits& lim,
                                                            core::desfire::commands_fields& out);
/// /desfire/ev1/deleteApp.
[[nodiscard]] core::api_status decode_delete_app_body(std::string_view body,
                                                      core::desfire::delete_app_fields& out);

} // namespace tsm::transport::sp_api
