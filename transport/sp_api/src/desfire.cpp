// POST|PUT /desfire/ev1/createApp, /commands, /deleteApp: the body decoded here, mapped and
// checked by core (desfire_requests).
#include "handler_support.hpp"

#include "tsm/core/desfire_requests.hpp"
#include "tsm/core/key_vault.hpp"

namespace tsm::transport::sp_api {
namespace {

void answer(const context& ctx, const core::app_record& app, http_request& req, http_responder& respond,
            core::api_result<core::operation_request> op) {
    if (!op) {
        respond(make_error_response(op.error()));
        return;
    }
    accept(ctx, app, req, respond, std::move(*op));
}

} // namespace

void desfire_create_app(const context& ctx, const core::app_record& app, http_request& req,
                        const route_match&, http_responder& respond) {
    core::desfire::create_app_fields fields;
    auto decoded = decode_create_app_body(req.body, fields);
    core::wipe(req.body); // createApp bodies hold application keys
    if (!decoded) {
        respond(make_error_response(decoded.error()));
        return;
    }
    answer(ctx, app, req, respond,
           core::desfire::to_create_app_operation(fields, ctx.vault, session_id_text(req)));
}

void desfire_commands(const context& ctx, const core::app_record& app, http_request& req, const route_match&,
                      http_responder& respond) {
    core::desfire::commands_fields fields;
    if (auto decoded = decode_desfire_commands_body(req.body, ctx.body_limits, fields); !decoded) {
        respond(make_error_response(decoded.error()));
        return;
    }
    answer(ctx, app, req, respond, core::desfire::to_commands_operation(fields));
}

void desfire_delete_app(const context& ctx, const core::app_record& app, http_request& req,
                        const route_match&, http_responder& respond) {
    core::desfire::delete_app_fields fields;
    if (auto decoded = decode_delete_app_body(req.body, fields); !decoded) {
        respond(make_error_response(decoded.error()));
        return;
    }
    answer(ctx, app, req, respond, core::desfire::to_delete_app_operation(fields));
}

} // namespace tsm::transport::sp_api
