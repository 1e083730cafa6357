#pragma once
// What the SP API's handlers share: the session id header, the hand-off of an operation to the
// session's owner shard, and the mapping of core's service errors. Private to tsm::sp_api.
#include "tsm/transport/sp_api/handler.hpp"

#include "tsm/core/operation.hpp"
#include "tsm/core/operation_request.hpp"
#include "tsm/core/records.hpp"
#include "tsm/core/session_service.hpp"
#include "tsm/transport/route_table.hpp"

#include <string>
#include <string_view>

namespace tsm::transport::sp_api {

/// ASCII lower case: session and operation ids are UUIDs, stored and hashed lower case.
std::string lower_case(std::string_view id);

/// The sessionId header as the operation will be queued under (lower case), or "" when absent.
std::string session_id_text(const http_request& req);

/// The sessionId header, lower case: missing_header when absent, session_not_found when it is
/// no UUID (no such session can exist).
[[nodiscard]] core::api_result<std::string> session_header(const http_request& req);

/// A 200 response with a JSON body.
http_response json_response(std::string body);

/// Common to every operation: sessionId and callbackUrl headers, then the owner shard queues it;
/// answers {"operationId":…} once it is durable, or the error.
void accept(const context& ctx, const core::app_record& app, const http_request& req, http_responder& respond,
            core::operation_request op);

// One handler per API family (operations.cpp, ccm.cpp, desfire.cpp, capfiles.cpp, status.cpp,
// completion.cpp). `app` is the authenticated app of the request.
using family_handler = void (*)(const context& ctx, const core::app_record& app, http_request& req,
                                const route_match& m, http_responder& respond);

void transceive(const context&, const core::app_record&, http_request&, const route_match&, http_responder&);
void ccm_install(const context&, const core::app_record&, http_request&, const route_match&, http_responder&);
void ccm_delete(const context&, const core::app_record&, http_request&, const route_match&, http_responder&);
void ccm_storedata(const context&, const core::app_record&, http_request&, const route_match&,
                   http_responder&);
void desfire_create_app(const context&, const core::app_record&, http_request&, const route_match&,
                        http_responder&);
void desfire_commands(const context&, const core::app_record&, http_request&, const route_match&,
                      http_responder&);
void desfire_delete_app(const context&, const core::app_record&, http_request&, const route_match&,
                        http_responder&);
/// POST /executableLoadFiles (the legacy answer shape).
void capfile_upload_legacy(const context&, const core::app_record&, http_request&, const route_match&,
                           http_responder&);
/// /…/apps/{appId}/capfiles: GET lists, POST|PUT uploads.
void capfile_collection(const context&, const core::app_record&, http_request&, const route_match&,
                        http_responder&);
/// DELETE /…/apps/{appId}/capfiles/{id}.
void capfile_delete(const context&, const core::app_record&, http_request&, const route_match&,
                    http_responder&);
void operation_status(const context&, const core::app_record&, http_request&, const route_match&,
                      http_responder&);
void service_completed(const context&, const core::app_record&, http_request&, const route_match&,
                       http_responder&);
/// POST|PUT /user-interaction and /user-action (user_interaction.cpp).
void user_interaction(const context&, const core::app_record&, http_request&, const route_match&,
                      http_responder&);
void user_action(const context&, const core::app_record&, http_request&, const route_match&, http_responder&);
/// The bodies of /user-interaction and /user-action, checked and re-rendered canonical
/// (user_interaction.cpp; bad_request naming the field).
[[nodiscard]] core::api_result<core::prompt> decode_user_interaction_body(std::string_view body);
[[nodiscard]] core::api_result<core::prompt> decode_user_action_body(std::string_view body);

} // namespace tsm::transport::sp_api
