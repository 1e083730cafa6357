// POST|PUT /secure-transceive: the body decoded here, mapped, checked and sealed by core
// (secure_transceive_requests), the secure channel script built when the operation runs.
#include "handler_support.hpp"

#include "tsm/core/key_vault.hpp"
#include "tsm/core/secure_transceive_requests.hpp"
#include "tsm/transport/sp_api/secure_transceive_body.hpp"

namespace tsm::transport::sp_api {

void secure_transceive(const context& ctx, const core::app_record& app, http_request& req, const route_match&,
                       http_responder& respond) {
    secure_transceive_body body;
    auto decoded = decode_secure_transceive_body(req.body, ctx.body_limits, body);
    core::wipe(req.body); // the SP's commands
    if (!decoded) {
        respond(make_error_response(decoded.error()));
        return;
    }
    auto op = core::secure_transceive::to_secure_transceive_operation(body.application, body.commands,
                                                                      ctx.vault, session_id_text(req));
    if (!op) {
        respond(make_error_response(op.error()));
        return;
    }
    accept(ctx, app, req, respond, std::move(*op));
}

} // namespace tsm::transport::sp_api
