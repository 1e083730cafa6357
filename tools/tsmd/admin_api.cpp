#include "admin_api.hpp"

#include "tsm/core/json_writer.hpp"
#include "tsm/transport/http_client.hpp"
#include "tsm/transport/json_codec.hpp"

#include <boost/asio/post.hpp>

#include <sodium.h>

#include <atomic>
#include <memory>

namespace tsm::tsmd {
namespace {

using transport::make_error_response;

bool valid_app_id(std::string_view s) {
    if (s.empty() || s.size() > 64) {
        return false;
    }
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

bool valid_http_url(const std::string& url) {
    transport::parsed_url p;
    return transport::parse_http_url(url, p);
}

} // namespace

admin_api::admin_api(std::vector<core::shard_services*> shards, core::record_store& store,
                     const core::secret_hasher& hasher, const core::key_vault& vault,
                     std::string token, health& h)
    : shards_(std::move(shards)), store_(store), hasher_(hasher), token_(std::move(token)),
      health_(h), cards_(store, vault, *shards_[0]->ioc) {}

std::string admin_api::build_app(std::string app_id, std::string_view key_hex,
                                 std::string description_url, std::string delivery_url,
                                 std::string delivery_method, std::vector<std::string> prefixes,
                                 const core::secret_hasher& hasher, core::app_record& out) {
    if (!valid_app_id(app_id)) {
        return "appId must be 1-64 characters of [0-9A-Za-z_-]";
    }
    auto key = core::from_hex(key_hex);
    if (!key || key->empty()) {
        return "key must be a non-empty hex string";
    }
    if (!valid_http_url(description_url)) {
        return "descriptionUrl must be an absolute http(s) URL";
    }
    if (!valid_http_url(delivery_url)) {
        return "deliveryUrl must be an absolute http(s) URL";
    }
    if (delivery_method != "PUT" && delivery_method != "POST") {
        return "deliveryMethod must be PUT or POST";
    }
    if (prefixes.empty()) {
        return "callbackPrefixes must list at least one http(s) URL prefix";
    }
    for (const auto& p : prefixes) {
        if (!valid_http_url(p)) {
            return "every callbackPrefix must be an absolute http(s) URL prefix";
        }
    }
    while (!description_url.empty() && description_url.back() == '/') {
        description_url.pop_back();
    }
    out.app_id = std::move(app_id);
    out.key_hash = hasher.digest(core::app_directory::key_context, *key);
    sodium_memzero(key->data(), key->size());
    out.description_url = std::move(description_url);
    out.delivery_url = std::move(delivery_url);
    out.delivery_method = std::move(delivery_method);
    out.callback_prefixes = std::move(prefixes);
    return {};
}

std::string admin_api::app_json(const core::app_record& app) {
    core::json_writer w;
    w.begin_object().key("appId").value(app.app_id);
    w.key("descriptionUrl").value(app.description_url).key("deliveryUrl").value(app.delivery_url);
    w.key("deliveryMethod").value(app.delivery_method).key("callbackPrefixes").begin_array();
    for (const auto& p : app.callback_prefixes) {
        w.value(p);
    }
    w.end_array().end_object();
    return std::move(w).str();
}

void admin_api::broadcast(unsigned from_shard, std::function<void(core::shard_services&)> fn,
                          std::function<void()> done) {
    auto remaining = std::make_shared<std::atomic<std::size_t>>(shards_.size());
    auto shared_fn = std::make_shared<std::function<void(core::shard_services&)>>(std::move(fn));
    auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
    core::shard_services* home = shards_[from_shard];
    for (core::shard_services* s : shards_) {
        boost::asio::post(*s->ioc, [s, home, remaining, shared_fn, shared_done] {
            (*shared_fn)(*s);
            if (remaining->fetch_sub(1) == 1) {
                boost::asio::post(*home->ioc, [shared_done] { (*shared_done)(); });
            }
        });
    }
}

void admin_api::on_request(transport::http_request req, transport::http_responder respond) {
    if (auto r = health_.serve(req)) {
        respond(std::move(*r));
        return;
    }
    if (!token_.empty()) {
        auto auth = req.header("Authorization");
        const std::string expected = "Bearer " + token_;
        const bool ok = auth && auth->size() == expected.size()
            && sodium_memcmp(auth->data(), expected.data(), expected.size()) == 0;
        if (!ok) {
            respond(make_error_response(401, "unauthorized", "admin token required (Authorization: Bearer …)"));
            return;
        }
    }
    if (cards_.handle(req, respond)) {
        return;
    }
    std::string_view path = req.path();
    constexpr std::string_view apps_prefix = "/admin/v1/apps";
    if (path == apps_prefix || path == "/admin/v1/apps/") {
        if (req.method != "GET") {
            respond(make_error_response(405, "method-not-allowed", "use GET"));
            return;
        }
        std::string body = "{\"apps\":[";
        bool first = true;
        for (const auto& [id, app] : shards_[req.shard]->apps->all()) {
            if (!first) {
                body.push_back(',');
            }
            first = false;
            body += app_json(app);
        }
        body += "]}";
        transport::http_response r;
        r.body = std::move(body);
        respond(std::move(r));
        return;
    }
    if (!path.starts_with("/admin/v1/apps/")) {
        respond(make_error_response(404, "not-found", "no such endpoint"));
        return;
    }
    std::string app_id(path.substr(apps_prefix.size() + 1));
    if (req.method == "GET") {
        const core::app_record* app = shards_[req.shard]->apps->find(app_id);
        if (app == nullptr) {
            respond(make_error_response(404, "not-found", "no such app"));
            return;
        }
        transport::http_response r;
        r.body = app_json(*app);
        respond(std::move(r));
    } else if (req.method == "PUT") {
        put_app(std::move(app_id), req, std::move(respond));
    } else if (req.method == "DELETE") {
        delete_app(std::move(app_id), std::move(respond));
    } else {
        respond(make_error_response(405, "method-not-allowed", "use GET, PUT or DELETE"));
    }
}

void admin_api::put_app(std::string app_id, const transport::http_request& req,
                        transport::http_responder respond) {
    transport::app_body body;
    if (auto err = transport::decode_app_body(req.body, body); !err.empty()) {
        respond(make_error_response(400, "bad-request", err));
        return;
    }
    core::app_record app;
    auto err = build_app(std::move(app_id), body.key_hex, std::move(body.description_url),
                         std::move(body.delivery_url), std::move(body.delivery_method),
                         std::move(body.callback_prefixes), hasher_, app);
    sodium_memzero(body.key_hex.data(), body.key_hex.size());
    if (!err.empty()) {
        respond(make_error_response(400, "bad-request", err));
        return;
    }
    core::write_set w;
    w.put_apps.push_back(app);
    const unsigned shard = req.shard;
    store_.commit(std::move(w), core::durability::sync, shards_[shard]->ioc->get_executor(),
                  [this, shard, app = std::move(app), respond = std::move(respond)](std::error_code ec) mutable {
                      if (ec) {
                          respond(make_error_response(503, "unavailable", "could not store the app"));
                          return;
                      }
                      std::string json = app_json(app);
                      broadcast(shard, [app](core::shard_services& s) { s.apps->put(app); },
                                [json = std::move(json), respond = std::move(respond)]() mutable {
                                    transport::http_response r;
                                    r.body = std::move(json);
                                    respond(std::move(r));
                                });
                  });
}

void admin_api::delete_app(std::string app_id, transport::http_responder respond) {
    const unsigned shard = 0;
    if (shards_[shard]->apps->find(app_id) == nullptr) {
        respond(make_error_response(404, "not-found", "no such app"));
        return;
    }
    core::write_set w;
    w.delete_apps.push_back(app_id);
    store_.commit(std::move(w), core::durability::sync, shards_[shard]->ioc->get_executor(),
                  [this, shard, app_id, respond = std::move(respond)](std::error_code ec) mutable {
                      if (ec) {
                          respond(make_error_response(503, "unavailable", "could not delete the app"));
                          return;
                      }
                      broadcast(shard, [app_id](core::shard_services& s) { s.apps->erase(app_id); },
                                [app_id, respond = std::move(respond)]() mutable {
                                    transport::http_response r;
                                    r.body = "{\"deleted\":\"" + app_id + "\"}";
                                    respond(std::move(r));
                                });
                  });
}

} // namespace tsm::tsmd
