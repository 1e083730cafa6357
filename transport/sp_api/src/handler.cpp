#include "tsm/transport/sp_api/handler.hpp"

#include "authentication.hpp"
#include "handler_support.hpp"

#include <string>

namespace tsm::transport::sp_api {
namespace {

/// A route handler that authenticates first (against the calling shard's app directory).
route_table::handler authenticated(const context& ctx, family_handler fn) {
    return [&ctx, fn](http_request& req, const route_match& m, http_responder& respond) {
        auto app = authenticate(req, *ctx.runtime.local().apps, ctx.hasher);
        if (!app) {
            respond(unauthorized_response(app.error()));
            return;
        }
        fn(ctx, **app, req, m, respond);
    };
}

} // namespace

handler::handler(core::shard_runtime& runtime, core::record_store& store, const core::secret_hasher& hasher,
                 const core::key_vault& vault, limits body_limits, health_hook health,
                 boost::asio::thread_pool& blocking)
    : ctx_{runtime, store, hasher, vault, body_limits, blocking}, health_(std::move(health)) {
    // Operations and uploads accept PUT as well as POST (Fidesmo's clients send either).
    auto post_or_put = [this](std::string_view path, family_handler fn) {
        routes_.add(path, {"POST", "PUT"}, authenticated(ctx_, fn));
    };
    post_or_put("/transceive", transceive);
    post_or_put("/ccm/install", ccm_install);
    post_or_put("/ccm/delete", ccm_delete);
    post_or_put("/ccm/storedata", ccm_storedata);
    post_or_put("/desfire/ev1/createApp", desfire_create_app);
    post_or_put("/desfire/ev1/commands", desfire_commands);
    post_or_put("/desfire/ev1/deleteApp", desfire_delete_app);
    post_or_put("/service/completed", service_completed);
    post_or_put("/user-interaction", user_interaction);
    post_or_put("/user-action", user_action);
    routes_.add("/status/{operationId}", {"GET"}, authenticated(ctx_, operation_status));
    post_or_put("/executableLoadFiles", capfile_upload_legacy);
    // Fidesmo's clients used all three prefixes; "capfiles/" (trailing slash) is the collection too.
    for (std::string prefix : {"/v3", "/v2", ""}) {
        for (std::string collection :
             {prefix + "/apps/{appId}/capfiles", prefix + "/apps/{appId}/capfiles/"}) {
            routes_.add(collection, {"GET", "POST", "PUT"}, authenticated(ctx_, capfile_collection));
        }
        routes_.add(prefix + "/apps/{appId}/capfiles/{id}", {"DELETE"}, authenticated(ctx_, capfile_delete));
    }
}

void handler::on_request(http_request req, http_responder respond) {
    if (health_ && health_(req, respond)) {
        return;
    }
    if (!routes_.dispatch(req, respond, false)) {
        respond(make_error_response(core::make_api_error(core::api_errc::not_found, "no such endpoint")));
    }
}

} // namespace tsm::transport::sp_api
