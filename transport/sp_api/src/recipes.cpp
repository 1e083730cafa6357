// Recipes: services the backend runs by itself from a stored script of operations (docs/recipes.md).
// PUT maps every action with the same decoders and core mappings the SP API uses for that
// endpoint, so a stored recipe holds operation kinds and payloads that are known to be valid;
// storedata payloads are sealed under recipe_payload_context(app, service). The recipe is
// written in one write_set: nothing half-written. Runs on the connection's shard thread; the
// store completes on it.
#include "recipes.hpp"

#include "tsm/core/app_directory.hpp"
#include "tsm/core/ccm_requests.hpp"
#include "tsm/core/clock.hpp"
#include "tsm/core/json_writer.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/transceive_operation.hpp"
#include "tsm/transport/service_id.hpp"

#include <string>
#include <string_view>

namespace tsm::transport::sp_api {
namespace {

constexpr std::string_view default_success_message = R"({"en":"Success"})";
constexpr std::string_view default_failure_message = R"({"en":"Failure"})";

core::api_error bad(std::string message) {
    return core::make_api_error(core::api_errc::bad_request, std::move(message));
}

core::api_error store_error(std::string message) {
    return core::make_api_error(core::api_errc::unavailable, std::move(message));
}

/// Another app's recipes are as invisible as missing ones (as for CAP files).
bool own_app(const core::app_record& app, const route_match& m, http_responder& respond) {
    if (m.param(0) == app.app_id) {
        return true;
    }
    respond(make_error_response(
        core::make_api_error(core::api_errc::not_found, "no such app for these credentials")));
    return false;
}

/// What one action becomes in the stored recipe, or the reason it cannot.
using action_result = core::api_result<core::recipe_action>;

struct recipe_target {
    const context& ctx;
    std::string_view app_id;
    std::string_view service_id;
};

action_result from_operation(core::api_result<core::operation_request> op, bool sealed) {
    if (!op) {
        return op.error();
    }
    core::recipe_action a;
    a.kind = std::move(op->kind);
    a.payload = std::move(op->payload);
    a.sealed = sealed;
    return a;
}

action_result transceive_action(const recipe_target& t, const std::string& content) {
    auto commands = decode_commands_body(content, t.ctx.body_limits);
    if (!commands) {
        return commands.error();
    }
    return from_operation(core::operation_request{std::string(core::kinds::transceive),
                                                  core::transceive_operation::encode_payload(*commands)},
                          false);
}

enum class ccm_endpoint { install, remove, storedata };

action_result ccm_action(const recipe_target& t, const std::string& content, ccm_endpoint which) {
    core::ccm::request_fields fields;
    if (auto decoded = decode_ccm_body(content, fields); !decoded) {
        return decoded.error();
    }
    switch (which) {
    case ccm_endpoint::install: return from_operation(core::ccm::to_install_operation(fields), false);
    case ccm_endpoint::remove: return from_operation(core::ccm::to_delete_operation(fields), false);
    case ccm_endpoint::storedata: break;
    }
    return from_operation(core::ccm::to_recipe_storedata_operation(fields, t.ctx.vault, t.app_id,
                                                                   t.service_id),
                          true);
}

/// /secure-transceive as a recipe action. The one switch to turn on when package B's mapping
/// (core::secure_transceive, sealed under recipe_payload_context) is merged.
action_result secure_transceive_action(const recipe_target&, const std::string&) {
    return bad("/secure-transceive is not supported in recipes yet");
}

action_result map_action(const recipe_target& t, const recipe_action_body& body) {
    const std::string& e = body.endpoint;
    if (e == "/transceive") {
        return transceive_action(t, body.content_json);
    }
    if (e == "/ccm/install") {
        return ccm_action(t, body.content_json, ccm_endpoint::install);
    }
    if (e == "/ccm/delete") {
        return ccm_action(t, body.content_json, ccm_endpoint::remove);
    }
    if (e == "/ccm/storedata") {
        return ccm_action(t, body.content_json, ccm_endpoint::storedata);
    }
    if (e == "/secure-transceive") {
        return secure_transceive_action(t, body.content_json);
    }
    return bad("unknown endpoint " + e
               + " (recipes run /transceive, /ccm/install, /ccm/delete, /ccm/storedata, /secure-transceive)");
}

/// serviceResultUri follows the callbackUrl rule: an http(s) URL under one of the app's
/// registered callback prefixes. mailto: (which Fidesmo accepts) is refused: no mail is sent.
core::api_status check_result_uri(const core::app_record& app, const std::string& uri) {
    if (uri.empty()) {
        return {};
    }
    if (uri.starts_with("mailto:")) {
        return core::make_api_error(core::api_errc::bad_callback_url,
                                    "serviceResultUri: mailto: is not supported, give an http(s) URL");
    }
    if (!core::callback_url_allowed(app, uri)) {
        return core::make_api_error(core::api_errc::bad_callback_url,
                                    "serviceResultUri must start with one of the app's registered callback "
                                    "prefixes");
    }
    return {};
}

/// The recipe to store, or the first thing wrong with the body (naming the action and field).
core::api_result<core::recipe_record> make_recipe(const context& ctx, const core::app_record& app,
                                                  std::string service_id, recipe_body& body) {
    if (auto st = check_result_uri(app, body.service_result_uri); !st) {
        return st.error();
    }
    core::recipe_record r;
    r.app_id = app.app_id;
    r.service_id = std::move(service_id);
    const recipe_target target{ctx, r.app_id, r.service_id};
    for (std::size_t i = 0; i < body.actions.size(); ++i) {
        auto action = map_action(target, body.actions[i]);
        core::wipe(body.actions[i].content_json);
        if (!action) {
            core::api_error e = action.error();
            e.message = "actions[" + std::to_string(i) + "] (" + body.actions[i].endpoint + "): " + e.message;
            return e;
        }
        action->endpoint = body.actions[i].endpoint;
        r.actions.push_back(std::move(*action));
    }
    r.description_json = std::move(body.description_json);
    r.success_message_json =
        body.success_message_json.empty() ? std::string(default_success_message) : body.success_message_json;
    r.failure_message_json =
        body.failure_message_json.empty() ? std::string(default_failure_message) : body.failure_message_json;
    r.service_result_uri = std::move(body.service_result_uri);
    r.updated_ms = core::now_ms();
    return r;
}

/// The {serviceId} of the path, or a 400 answered.
bool valid_service(const route_match& m, http_responder& respond) {
    if (is_valid_service_id(m.param(1))) {
        return true;
    }
    respond(make_error_response(bad("serviceId must be 1..128 characters of A-Z a-z 0-9 . _ -")));
    return false;
}

http_response service_json(std::string_view key, std::string_view service_id) {
    core::json_writer w;
    w.begin_object().key(key).value(service_id).end_object();
    return json_response(std::move(w).str());
}

void recipe_put(const context& ctx, const core::app_record& app, http_request& req, const route_match& m,
                http_responder& respond) {
    if (!own_app(app, m, respond) || !valid_service(m, respond)) {
        core::wipe(req.body);
        return;
    }
    recipe_body body;
    auto decoded = decode_recipe_body(req.body, body);
    core::wipe(req.body); // storedata actions hold personalisation data
    if (!decoded) {
        respond(make_error_response(decoded.error()));
        return;
    }
    auto recipe = make_recipe(ctx, app, std::string(m.param(1)), body);
    if (!recipe) {
        respond(make_error_response(recipe.error()));
        return;
    }
    std::string service_id = recipe->service_id;
    core::write_set w;
    w.put_recipes.push_back(std::move(*recipe)); // replaces any earlier recipe of the service
    ctx.store.commit(std::move(w), core::durability::sync, ctx.runtime.local().ioc->get_executor(),
                     [service_id = std::move(service_id),
                      respond = std::move(respond)](std::error_code ec) mutable {
                         if (ec) {
                             respond(
                                 make_error_response(store_error("could not store the recipe; retry later")));
                             return;
                         }
                         respond(service_json("serviceId", service_id));
                     });
}

void recipe_delete(const context& ctx, const core::app_record& app, http_request&, const route_match& m,
                   http_responder& respond) {
    if (!own_app(app, m, respond) || !valid_service(m, respond)) {
        return;
    }
    auto ex = ctx.runtime.local().ioc->get_executor();
    std::string service_id(m.param(1));
    ctx.store.load_recipe(
        app.app_id, service_id, ex,
        [&store = ctx.store, app_id = app.app_id, service_id, ex,
         respond = std::move(respond)](std::error_code ec, std::optional<core::recipe_record> found) mutable {
            if (ec) {
                respond(make_error_response(store_error("could not read the recipe")));
                return;
            }
            if (!found) {
                respond(make_error_response(
                    core::make_api_error(core::api_errc::not_found, "no recipe for this service")));
                return;
            }
            core::write_set w;
            w.delete_recipes.emplace_back(app_id, service_id);
            // a delivery already running keeps its own copy of what it needs (session_record::recipe)
            store.commit(std::move(w), core::durability::sync, ex,
                         [service_id, respond = std::move(respond)](std::error_code ec2) mutable {
                             if (ec2) {
                                 respond(make_error_response(store_error("could not delete the recipe")));
                                 return;
                             }
                             respond(service_json("deleted", service_id));
                         });
        });
}

} // namespace

void recipe_resource(const context& ctx, const core::app_record& app, http_request& req, const route_match& m,
                     http_responder& respond) {
    if (req.method == "PUT") {
        recipe_put(ctx, app, req, m, respond);
    } else {
        recipe_delete(ctx, app, req, m, respond);
    }
}

void recipe_services(const context& ctx, const core::app_record& app, http_request&, const route_match& m,
                     http_responder& respond) {
    if (!own_app(app, m, respond)) {
        return;
    }
    ctx.store.list_recipes(app.app_id, ctx.runtime.local().ioc->get_executor(),
                           [respond = std::move(respond)](std::error_code ec,
                                                          std::vector<std::string> ids) mutable {
                               if (ec) {
                                   respond(make_error_response(store_error("could not read the recipes")));
                                   return;
                               }
                               core::json_writer w;
                               w.begin_array();
                               for (const auto& id : ids) {
                                   w.value(id);
                               }
                               w.end_array();
                               respond(json_response(std::move(w).str()));
                           });
}

} // namespace tsm::transport::sp_api
