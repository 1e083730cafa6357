// GET /status/{operationId}: the stored result of a finished operation of the caller's app.
#include "handler_support.hpp"

#include "tsm/core/ids.hpp"

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
        [app_id = app.app_id, respond = std::move(respond)](std::error_code ec,
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
            respond(json_response(std::move(op->result_json)));
        });
}

} // namespace tsm::transport::sp_api
