#include "tsm/transport/admin_api/apps_handler.hpp"

#include "tsm/core/app_validation.hpp"
#include "tsm/transport/admin_api/admin_bodies.hpp"
#include "tsm/transport/admin_api/admin_json.hpp"

#include "responses.hpp"
#include "tsm/transport/http_client.hpp"

#include <sodium.h>

namespace tsm::transport::admin {
namespace {

/// The URLs the SP client can call: the one definition of "an absolute http(s) URL".
bool is_http_url(const std::string& url) {
    parsed_url p;
    return parse_http_url(url, p);
}

} // namespace

void apps_handler::list(http_responder& respond) const {
    std::string body = "{\"apps\":[";
    bool first = true;
    for (const auto& [id, app] : runtime_.local().apps->all()) {
        if (!first) {
            body.push_back(',');
        }
        first = false;
        body += app_json(app);
    }
    body += "]}";
    respond(ok(std::move(body)));
}

void apps_handler::get(std::string_view app_id, http_responder& respond) const {
    const core::app_record* app = runtime_.local().apps->find(app_id);
    if (app == nullptr) {
        fail(respond, core::api_errc::not_found, "no such app");
        return;
    }
    respond(ok(app_json(*app)));
}

void apps_handler::put(std::string app_id, http_request& req, http_responder& respond) {
    core::app_definition def;
    const auto decoded = decode_app_body(req.body, def);
    sodium_memzero(req.body.data(), req.body.size()); // it holds the app key
    if (!decoded) {
        respond(make_error_response(decoded.error()));
        return;
    }
    def.app_id = std::move(app_id);
    auto app = core::validate_app(def, hasher_, is_http_url);
    if (!app) {
        respond(make_error_response(app.error()));
        return;
    }
    core::write_set w;
    w.put_apps.push_back(*app);
    store_.commit(std::move(w), core::durability::sync, runtime_.local().ioc->get_executor(),
                  [&runtime = runtime_, app = std::move(*app),
                   respond = std::move(respond)](std::error_code ec) mutable {
                      if (ec) {
                          fail(respond, core::api_errc::unavailable, "could not store the app");
                          return;
                      }
                      std::string json = app_json(app);
                      runtime.invoke_on_all([app](core::shard_services& s) { s.apps->put(app); },
                                            [json = std::move(json), respond = std::move(respond)]() mutable {
                                                respond(ok(std::move(json)));
                                            });
                  });
}

void apps_handler::erase(std::string app_id, http_responder& respond) {
    if (runtime_.local().apps->find(app_id) == nullptr) {
        fail(respond, core::api_errc::not_found, "no such app");
        return;
    }
    core::write_set w;
    w.delete_apps.push_back(app_id);
    store_.commit(std::move(w), core::durability::sync, runtime_.local().ioc->get_executor(),
                  [&runtime = runtime_, app_id, respond = std::move(respond)](std::error_code ec) mutable {
                      if (ec) {
                          fail(respond, core::api_errc::unavailable, "could not delete the app");
                          return;
                      }
                      runtime.invoke_on_all([app_id](core::shard_services& s) { s.apps->erase(app_id); },
                                            [app_id, respond = std::move(respond)]() mutable {
                                                respond(ok(deleted_json(app_id)));
                                            });
                  });
}

} // namespace tsm::transport::admin
