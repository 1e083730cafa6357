// POST|PUT /service/completed: the SP ends its session; the touch point gets the final status.
#include "handler_support.hpp"

namespace tsm::transport::sp_api {

void service_completed(const context& ctx, const core::app_record& app, http_request& req, const route_match&,
                       http_responder& respond) {
    auto session_id = session_header(req);
    if (!session_id) {
        respond(make_error_response(session_id.error()));
        return;
    }
    auto body = decode_completed_body(req.body);
    if (!body) {
        respond(make_error_response(body.error()));
        return;
    }
    std::string sid = std::move(*session_id);
    ctx.runtime.invoke_on_owner(sid, [app_id = app.app_id, sid, success = body->success,
                                      message_json = std::move(body->message_json),
                                      respond = std::move(respond)](core::shard_services& s) mutable {
        s.sessions->complete(std::move(app_id), std::move(sid), success, std::move(message_json),
                             [respond = std::move(respond)](std::optional<core::api_error> err) {
                                 if (err) {
                                     respond(make_error_response(*err));
                                     return;
                                 }
                                 respond(json_response("{}"));
                             });
    });
}

} // namespace tsm::transport::sp_api
