// POST|PUT /ccm/install, /ccm/delete, /ccm/storedata: the body decoded here, mapped and checked
// by core (ccm_requests), the card script built when the operation runs.
#include "handler_support.hpp"

#include "tsm/core/ccm_requests.hpp"
#include "tsm/core/key_vault.hpp"

namespace tsm::transport::sp_api {
namespace {

using mapping = core::api_result<core::operation_request> (*)(const context&,
                                                              const core::ccm::request_fields&,
                                                              std::string_view session_id);

void ccm_operation(const context& ctx, const core::app_record& app, http_request& req,
                   http_responder& respond, mapping map) {
    core::ccm::request_fields fields;
    auto decoded = decode_ccm_body(req.body, fields);
    core::wipe(req.body); // storedata bodies hold personalisation data
    if (!decoded) {
        respond(make_error_response(decoded.error()));
        return;
    }
    auto op = map(ctx, fields, session_id_text(req));
    if (!op) {
        respond(make_error_response(op.error()));
        return;
    }
    accept(ctx, app, req, respond, std::move(*op));
}

} // namespace

void ccm_install(const context& ctx, const core::app_record& app, http_request& req, const route_match&,
                 http_responder& respond) {
    ccm_operation(ctx, app, req, respond,
                  [](const context&, const core::ccm::request_fields& f, std::string_view) {
                      return core::ccm::to_install_operation(f);
                  });
}

void ccm_delete(const context& ctx, const core::app_record& app, http_request& req, const route_match&,
                http_responder& respond) {
    ccm_operation(ctx, app, req, respond,
                  [](const context&, const core::ccm::request_fields& f, std::string_view) {
                      return core::ccm::to_delete_operation(f);
                  });
}

void ccm_storedata(const context& ctx, const core::app_record& app, http_request& req, const route_match&,
                   http_responder& respond) {
    ccm_operation(ctx, app, req, respond,
                  [](const context& c, const core::ccm::request_fields& f, std::string_view session_id) {
                      return core::ccm::to_storedata_operation(f, c.vault, session_id);
                  });
}

} // namespace tsm::transport::sp_api
