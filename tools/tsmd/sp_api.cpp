#include "sp_api.hpp"

#include "ccm_operation_builder.hpp"
#include "desfire_requests.hpp"

#include "tsm/core/app_directory.hpp"
#include "tsm/core/ccm/operations.hpp"
#include "tsm/core/ids.hpp"
#include "tsm/core/transceive_operation.hpp"

#include <boost/asio/post.hpp>

#include <sodium.h>

namespace tsm::tsmd {
namespace {

using transport::make_error_response;

std::optional<std::string> base64_decode(std::string_view in) {
    std::string out(in.size(), '\0');
    std::size_t len = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(),
                          in.size(), " \t", &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
        return std::nullopt;
    }
    out.resize(len);
    return out;
}

transport::http_response service_error_response(const core::api_error& e) {
    auto r = make_error_response(e.status(), e.name(), e.message);
    if (e.status() == 429 || e.status() == 503) {
        r.headers.emplace_back("Retry-After", "1");
    }
    return r;
}

/// The sessionId header, lower-cased; nullopt after answering 400 (missing) or 404 (no UUID:
/// no such session can exist).
std::optional<std::string> session_header(const transport::http_request& req,
                                          transport::http_responder& respond) {
    auto session = req.header("sessionId");
    if (!session || session->empty()) {
        respond(make_error_response(400, "missing-header", "the sessionId header is required"));
        return std::nullopt;
    }
    std::string id(*session);
    if (!core::is_uuid(id)) {
        respond(make_error_response(404, "session-not-found", "no such session for this app"));
        return std::nullopt;
    }
    for (char& c : id) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return id;
}

/// The sessionId header as accept() will use it (lower case), or empty.
std::string session_id_of(const transport::http_request& req) {
    std::string id(req.header("sessionId").value_or(""));
    for (char& c : id) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return id;
}

} // namespace

sp_api::sp_api(std::vector<shard_context*> shards, core::record_store& store,
               const core::secret_hasher& hasher, const core::key_vault& vault,
               transport::json_limits limits, health& h, boost::asio::thread_pool& blocking)
    : shards_(std::move(shards)), store_(store), hasher_(hasher), vault_(vault), limits_(limits),
      health_(h), capfiles_(store, blocking) {}

shard_context& sp_api::owner(const std::string& session_id) {
    return *shards_[core::owner_shard(session_id, static_cast<unsigned>(shards_.size()))];
}

void sp_api::on_request(transport::http_request req, transport::http_responder respond) {
    if (auto r = health_.serve(req)) {
        respond(std::move(*r));
        return;
    }
    const std::string_view path = req.path();
    const bool post_or_put = req.method == "POST" || req.method == "PUT";
    if (path == "/transceive") {
        if (!post_or_put) {
            respond(make_error_response(405, "method-not-allowed", "use POST or PUT"));
            return;
        }
        if (const core::app_record* app = authenticate(req, respond)) {
            transceive(*app, std::move(req), std::move(respond));
        }
    } else if (path == "/ccm/install" || path == "/ccm/delete" || path == "/ccm/storedata") {
        if (!post_or_put) {
            respond(make_error_response(405, "method-not-allowed", "use POST or PUT"));
            return;
        }
        if (const core::app_record* app = authenticate(req, respond)) {
            ccm(*app, std::move(req), std::move(respond));
        }
    } else if (is_desfire_path(path)) {
        if (!post_or_put) {
            respond(make_error_response(405, "method-not-allowed", "use POST or PUT"));
            return;
        }
        if (const core::app_record* app = authenticate(req, respond)) {
            desfire_operation_request op;
            auto err = parse_desfire_request(path, req.body, limits_, vault_, session_id_of(req), op);
            core::wipe(req.body); // createApp bodies hold application keys
            if (!err.empty()) {
                respond(make_error_response(400, "bad-request", err));
                return;
            }
            accept(*app, std::move(req), std::move(respond), std::move(op.kind), std::move(op.payload));
        }
    } else if (path == "/service/completed") {
        if (!post_or_put) {
            respond(make_error_response(405, "method-not-allowed", "use POST or PUT"));
            return;
        }
        completed(std::move(req), std::move(respond));
    } else if (path.starts_with("/status/")) {
        if (req.method != "GET") {
            respond(make_error_response(405, "method-not-allowed", "use GET"));
            return;
        }
        status(std::move(req), std::move(respond));
    } else if (path == "/executableLoadFiles" || path.find("/capfiles") != std::string_view::npos) {
        const core::app_record* app = authenticate(req, respond);
        if (app == nullptr) {
            return;
        }
        auto ex = shards_[req.shard]->ioc->get_executor();
        if (!capfiles_.handle(*app, req, respond, ex)) {
            respond(make_error_response(404, "not-found", "no such endpoint"));
        }
    } else {
        respond(make_error_response(404, "not-found", "no such endpoint"));
    }
}

const core::app_record* sp_api::authenticate(const transport::http_request& req,
                                             transport::http_responder& respond) {
    std::string app_id;
    std::string key_text;
    if (auto id = req.header("app_id")) {
        app_id.assign(*id);
    }
    if (auto key = req.header("app_key")) {
        key_text.assign(*key);
    } else if (auto auth = req.header("Authorization")) {
        std::string_view a = *auth;
        if (a.size() > 6 && (a.substr(0, 6) == "Basic " || a.substr(0, 6) == "basic ")) {
            auto decoded = base64_decode(a.substr(6));
            const auto colon = decoded ? decoded->find(':') : std::string::npos;
            if (colon != std::string::npos) {
                app_id = decoded->substr(0, colon);
                key_text = decoded->substr(colon + 1); // keys may contain ':' — split at the first
            }
        } else if (a.size() > 7 && (a.substr(0, 7) == "Bearer " || a.substr(0, 7) == "bearer ")) {
            key_text.assign(a.substr(7));
        }
    }
    auto key = core::is_hex(key_text) ? core::from_hex(key_text) : std::nullopt;
    const core::app_record* app =
        key ? shards_[req.shard]->apps.authenticate(app_id, *key, hasher_) : nullptr;
    if (key) {
        sodium_memzero(key->data(), key->size());
    }
    sodium_memzero(key_text.data(), key_text.size());
    if (app == nullptr) {
        auto r = make_error_response(401, "unauthorized",
                                     "missing or wrong credentials (app_id/app_key, Basic or Bearer)");
        r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"opentsm\"");
        respond(std::move(r));
    }
    return app;
}

void sp_api::transceive(const core::app_record& app, transport::http_request req,
                        transport::http_responder respond) {
    std::vector<core::bytes> commands;
    if (auto err = transport::decode_commands_body(req.body, limits_, commands); !err.empty()) {
        respond(make_error_response(400, "bad-request", err));
        return;
    }
    accept(app, std::move(req), std::move(respond), "transceive",
           core::transceive_operation::encode_payload(commands));
}

void sp_api::ccm(const core::app_record& app, transport::http_request req,
                 transport::http_responder respond) {
    namespace ccm = core::ccm;
    transport::ccm_body body;
    if (auto err = transport::decode_ccm_body(req.body, body); !err.empty()) {
        respond(make_error_response(400, "bad-request", err));
        return;
    }
    struct wiper {
        transport::ccm_body& b;
        ~wiper() { core::wipe(b.data); }
    } wipe_on_exit{body};
    auto hex = [&](const std::string& field, std::string_view name, bool required,
                   core::bytes& out) -> std::optional<std::string> {
        if (field.empty() && !required) {
            return std::nullopt;
        }
        auto b = core::from_hex(field);
        if (!b || (required && b->empty())) {
            return std::string(name) + (required ? " is required, in hex" : " must be hex");
        }
        out = std::move(*b);
        return std::nullopt;
    };
    const std::string_view path = req.path();
    std::optional<std::string> err;
    std::string kind;
    core::bytes payload;
    if (path == "/ccm/install") {
        ccm::install_request r;
        r.privileges = core::bytes(1, '\0');
        err = hex(body.executable_load_file, "executableLoadFile", true, r.elf_aid);
        err = err ? err : hex(body.executable_module, "executableModule", true, r.module_aid);
        err = err ? err : hex(body.application, "application", true, r.instance_aid);
        err = err ? err : hex(body.parameters, "parameters", false, r.params);
        err = err ? err : hex(body.privileges, "privileges", false, r.privileges);
        err = err ? err : ccm::validate(r);
        kind = ccm::install_kind;
        payload = ccm::encode_install_request(r); // the load file is looked up when it runs
    } else if (path == "/ccm/delete") {
        ccm::delete_request r;
        err = hex(body.application, "application", true, r.aid);
        r.with_related = body.with_related.value_or(false);
        err = err ? err : ccm::validate(r);
        kind = ccm::delete_kind;
        payload = ccm::encode_delete_request(r);
    } else {
        ccm::storedata_request r;
        err = hex(body.application, "application", true, r.instance_aid);
        if (!err && body.tag_type != "DGI" && body.tag_type != "BER") {
            err = "tagType must be DGI or BER";
        }
        r.type = body.tag_type == "BER" ? ccm::tag_type::ber : ccm::tag_type::dgi;
        err = err ? err : hex(body.data, "data", true, r.data);
        err = err ? err : ccm::validate(r);
        kind = ccm::storedata_kind;
        if (!err) {
            // Personalization data is secret: it is stored sealed, like card keys.
            core::bytes plain = ccm::encode_storedata_request(r);
            payload = vault_.seal(plain, ccm_operation_builder::sealed_payload_context(
                                             session_id_of(req)));
            core::wipe(plain);
        }
        core::wipe(r.data);
    }
    if (err) {
        respond(make_error_response(400, "bad-request", *err));
        return;
    }
    accept(app, std::move(req), std::move(respond), std::move(kind), std::move(payload));
}

void sp_api::accept(const core::app_record& app, transport::http_request req,
                    transport::http_responder respond, std::string kind, core::bytes payload) {
    auto session_id = session_header(req, respond);
    if (!session_id) {
        return;
    }
    auto callback = req.header("callbackUrl");
    if (!callback || callback->empty()) {
        respond(make_error_response(400, "missing-header", "the callbackUrl header is required"));
        return;
    }
    shard_context& o = owner(*session_id);
    boost::asio::post(*o.ioc, [&o, app_id = app.app_id, session_id = *session_id, callback_url = std::string(*callback),
                               kind = std::move(kind), payload = std::move(payload),
                               respond = std::move(respond)]() mutable {
        o.sessions->accept_operation(
            app_id, session_id, std::move(kind), std::move(payload), std::move(callback_url),
            [respond = std::move(respond)](std::optional<core::api_error> err, std::string op_id) {
                if (err) {
                    respond(service_error_response(*err));
                    return;
                }
                transport::http_response r;
                r.body = "{\"operationId\":\"" + op_id + "\"}";
                respond(std::move(r));
            });
    });
}

void sp_api::completed(transport::http_request req, transport::http_responder respond) {
    const core::app_record* app = authenticate(req, respond);
    if (app == nullptr) {
        return;
    }
    auto session_id = session_header(req, respond);
    if (!session_id) {
        return;
    }
    bool success = false;
    std::string message_json;
    if (auto err = transport::decode_completed_body(req.body, success, message_json); !err.empty()) {
        respond(make_error_response(400, "bad-request", err));
        return;
    }
    shard_context& o = owner(*session_id);
    boost::asio::post(*o.ioc, [&o, app_id = app->app_id, session_id = *session_id, success,
                               message_json = std::move(message_json),
                               respond = std::move(respond)]() mutable {
        o.sessions->complete(app_id, session_id, success, std::move(message_json),
                             [respond = std::move(respond)](std::optional<core::api_error> err) {
                                 if (err) {
                                     respond(service_error_response(*err));
                                     return;
                                 }
                                 transport::http_response r;
                                 r.body = "{}";
                                 respond(std::move(r));
                             });
    });
}

void sp_api::status(transport::http_request req, transport::http_responder respond) {
    const core::app_record* app = authenticate(req, respond);
    if (app == nullptr) {
        return;
    }
    std::string id(req.path().substr(std::string_view("/status/").size()));
    if (!core::is_uuid(id)) {
        respond(make_error_response(404, "not-found", "no result for this operation"));
        return;
    }
    for (char& c : id) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    store_.load_operation(
        id, shards_[req.shard]->ioc->get_executor(),
        [app_id = app->app_id, respond = std::move(respond)](std::error_code ec,
                                                             std::optional<core::operation_record> op) {
            if (ec) {
                auto r = make_error_response(503, "unavailable", "could not read the operation; retry later");
                r.headers.emplace_back("Retry-After", "1");
                respond(std::move(r));
                return;
            }
            // Another app's operation is as invisible as a missing one.
            if (!op || op->app_id != app_id || op->state != core::operation_state::done) {
                respond(make_error_response(404, "not-found", "no result for this operation (yet)"));
                return;
            }
            transport::http_response r;
            r.body = std::move(op->result_json);
            respond(std::move(r));
        });
}

} // namespace tsm::tsmd
