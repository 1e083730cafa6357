// GET /status/{operationId}: the stored result of a finished operation of the caller's app.
#include "handler_support.hpp"

#include "tsm/core/ids.hpp"
#include "tsm/core/sealed_payload.hpp"

namespace tsm::transport::sp_api {

void operation_status(const context& ctx, const core::app_record& app, http_request&, const route_match& m,
                      http_responder& respond) {
    const std::string_view param = m.param(0);
    if (!core::is_uuid(param)) {
        respond(make_error_response(
            core::make_api_error(core::api_errc::not_found, "no result for this operation")));
        return;
    }
    ctx.store.load_operation(
        lower_case(param), ctx.runtime.local().ioc->get_executor(),
        [app_id = app.app_id, &vault = ctx.vault, respond = std::move(respond)](std::error_code ec,
                                                            std::optional<core::operation_record> op) {
            if (ec) {
                respond(
                    make_error_response(core::make_api_error(core::api_errc::unavailable,
                                                             "could not read the operation; retry later")));
                return;
            }
            // Another app's operation is as invisible as a missing one.
            if (!op || op->app_id != app_id || op->state != core::operation_state::done) {
                respond(make_error_response(
                    core::make_api_error(core::api_errc::not_found, "no result for this operation (yet)")));
                return;
            }
            if (!op->result_sealed) {
                respond(json_response(std::move(op->result_json)));
                return;
            }
            // User input: opened for this answer only.
            auto opened = vault.open(op->result_json, core::operation_result_context(op->operation_id));
            if (!opened) {
                respond(make_error_response(core::make_api_error(
                    core::api_errc::internal_error, "the stored result does not open with this server's key")));
                return;
            }
            respond(json_response(std::move(*opened)));
        });
}

} // namespace tsm::transport::sp_api
