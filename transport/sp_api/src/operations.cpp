// POST|PUT /transceive: the SP's APDUs, run in order on the card of its session.
#include "handler_support.hpp"

#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/transceive_operation.hpp"

namespace tsm::transport::sp_api {

void transceive(const context& ctx, const core::app_record& app, http_request& req, const route_match&,
                http_responder& respond) {
    auto commands = decode_commands_body(req.body, ctx.body_limits);
    if (!commands) {
        respond(make_error_response(commands.error()));
        return;
    }
    accept(ctx, app, req, respond,
           core::operation_request{std::string(core::kinds::transceive),
                                   core::transceive_operation::encode_payload(*commands)});
}

} // namespace tsm::transport::sp_api
