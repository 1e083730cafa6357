// session_service, the delivery handshake: describe a service, start a delivery (description,
// session write, delivery request to the SP, its reply), and the touch-point binding (resume,
// disconnect).
#include "tsm/core/session_service.hpp"

#include "session_internal.hpp"
#include "tsm/core/clock.hpp"
#include "tsm/core/ids.hpp"
#include "tsm/core/json_writer.hpp"
#include "tsm/core/sealed_payload.hpp"
#include "tsm/core/touch_point_frames.hpp"

namespace tsm::core {
namespace {

using namespace session_detail;

/// `fields`: the user's answers, opened from the record just for this body (wiped by the caller).
std::string delivery_body(const session_record& s, std::string_view fields) {
    json_writer w;
    w.begin_object().key("sessionId").value(s.session_id).key("serviceId").value(s.service_id);
    w.key("description").raw(s.description_json.empty() ? "{}" : s.description_json);
    w.key("cardId").begin_object().key("iin").value(s.card_iin).key("cin").value(s.card_cin);
    w.key("platformVersion").value(s.platform_version).end_object();
    if (!fields.empty()) {
        w.key("fields").raw(fields);
    }
    if (!s.ephemeral_key.empty()) {
        w.key("ephemeralKey").value(s.ephemeral_key);
    }
    if (!s.email.empty()) {
        w.key("email").value(s.email);
    }
    if (!s.msisdn.empty()) {
        w.key("msisdn").value(s.msisdn);
    }
    w.end_object();
    return std::move(w).str();
}

} // namespace

void session_service::describe(connection_ref conn, std::string app_id, std::string service_id) {
    owner_.assert_on_owner();
    const app_record* app = apps_.find(app_id);
    if (app == nullptr) {
        tp_.send_error(conn, make_api_error(api_errc::not_found, "unknown appId"));
        return;
    }
    if (recipes_ != nullptr) {
        // A stored recipe describes its service itself; only services without one ask the SP.
        auto pass = gate_.enter();
        if (!pass) {
            tp_.send_error(conn, make_api_error(api_errc::unavailable, "shutting down; retry later"));
            return;
        }
        recipes_->find_description(
            app_id, service_id, ex(),
            [this, pass = std::move(pass), conn, app_id, service_id](std::error_code ec,
                                                                     std::optional<std::string> description) {
                if (ec) {
                    metrics_.on_store_error();
                    tp_.send_error(conn, make_api_error(api_errc::unavailable,
                                                        "could not read the service; retry later"));
                } else if (description) {
                    tp_.send_description(conn, app_id, service_id, *description);
                } else {
                    describe_by_sp(conn, app_id, service_id);
                }
            });
        return;
    }
    describe_by_sp(conn, std::move(app_id), std::move(service_id));
}

void session_service::describe_by_sp(connection_ref conn, std::string app_id, std::string service_id) {
    const app_record* app = apps_.find(app_id);
    if (app == nullptr) {
        tp_.send_error(conn, make_api_error(api_errc::not_found, "unknown appId"));
        return;
    }
    std::string url = app->description_url + "/" + service_id;
    call_sp("GET", std::move(url), {}, [this, conn, app_id, service_id](sp_reply reply) {
        if (reply.status == 200 && cfg_.is_json_object && cfg_.is_json_object(reply.body)) {
            tp_.send_description(conn, app_id, service_id, reply.body);
        } else if (reply.status == 404) {
            tp_.send_error(conn, make_api_error(api_errc::not_found,
                                                "the service provider does not know this service"));
        } else {
            tp_.send_error(conn, make_api_error(api_errc::unavailable,
                                                "the service provider cannot describe this service now"));
        }
    });
}

void session_service::start_delivery(connection_ref conn, std::string session_id, delivery_request req,
                                     std::function<void(bool)> bound) {
    owner_.assert_on_owner();
    const app_record* app = apps_.find(req.app_id);
    if (app == nullptr) {
        tp_.send_error(conn, make_api_error(api_errc::not_found, "unknown appId"));
        bound(false);
        return;
    }
    if (sessions_.size() >= cfg_.max_sessions) {
        tp_.send_error(conn, make_api_error(api_errc::unavailable, "too many sessions; retry later"));
        bound(false);
        return;
    }
    if (!req.device_from_registry) {
        find_recipe_for_delivery(conn, std::move(session_id), std::move(req), std::move(bound));
        return;
    }
    // The touch point named only the device: its IIN and platform version are the registry's.
    auto pass = gate_.enter();
    if (!pass) {
        tp_.send_error(conn, make_api_error(api_errc::unavailable, "shutting down; retry later"));
        bound(false);
        return;
    }
    std::string cin = req.cin;
    store_.load_card_keys(
        false, std::move(cin), ex(),
        [this, pass = std::move(pass), conn, session_id = std::move(session_id), req = std::move(req),
         bound = std::move(bound)](std::error_code ec, std::optional<card_keys_record> device) mutable {
            if (ec) {
                metrics_.on_store_error();
                tp_.send_error(conn, make_api_error(api_errc::unavailable,
                                                    "could not read the device; retry later"));
                bound(false);
                return;
            }
            if (!device) {
                tp_.send_error(conn,
                               make_api_error(api_errc::unknown_device, "the device is not registered"));
                bound(false);
                return;
            }
            req.iin = device->iin;
            req.platform_version = device->platform_version;
            find_recipe_for_delivery(conn, std::move(session_id), std::move(req), std::move(bound));
        });
}

void session_service::fetch_description_for_delivery(connection_ref conn, std::string session_id,
                                                     delivery_request req, std::function<void(bool)> bound) {
    const app_record* app = apps_.find(req.app_id);
    if (app == nullptr) {
        tp_.send_error(conn, make_api_error(api_errc::not_found, "unknown appId"));
        bound(false);
        return;
    }
    std::string url = app->description_url + "/" + req.service_id;
    call_sp("GET", std::move(url), {},
            [this, conn, session_id = std::move(session_id), req = std::move(req),
             bound = std::move(bound)](sp_reply reply) mutable {
                on_description_for_delivery(conn, std::move(session_id), std::move(req), std::move(reply),
                                            std::move(bound));
            });
}

void session_service::on_description_for_delivery(connection_ref conn, std::string session_id,
                                                  delivery_request req, sp_reply reply,
                                                  std::function<void(bool)> bound) {
    if (reply.status == 404) {
        tp_.send_error(conn, make_api_error(api_errc::not_found,
                                            "the service provider does not know this service"));
        bound(false);
        return;
    }
    if (reply.status != 200 || !cfg_.is_json_object || !cfg_.is_json_object(reply.body)) {
        tp_.send_error(conn, make_api_error(api_errc::unavailable,
                                            "the service provider cannot deliver this service now"));
        bound(false);
        return;
    }
    session_record rec;
    rec.session_id = session_id;
    rec.app_id = std::move(req.app_id);
    rec.service_id = std::move(req.service_id);
    std::string token = req.resume_token.empty() ? random_token_hex(32) : std::move(req.resume_token);
    rec.resume_token_hash = hasher_.digest(resume_context, token);
    rec.state = session_state::delivering;
    rec.created_ms = rec.last_progress_ms = now_ms();
    rec.card_iin = std::move(req.iin);
    rec.card_cin = std::move(req.cin);
    rec.platform_version = req.platform_version;
    rec.description_json = std::move(reply.body);
    if (!req.fields_json.empty()) {
        // User input: only sealed at rest; the clear text lives until the request body is made.
        rec.sealed_fields = vault_.seal(req.fields_json, session_fields_context(session_id));
        wipe(req.fields_json);
    }
    rec.ephemeral_key = std::move(req.ephemeral_key);
    rec.email = std::move(req.email);
    rec.msisdn = std::move(req.msisdn);

    write_set w;
    w.put_sessions.push_back(rec);
    auto fresh = std::make_unique<delivery_session>(std::move(rec));
    fresh->bind(conn);
    metrics_.on_session_created(fresh->state());
    sessions_[session_id] = std::move(fresh);
    commit(std::move(w), durability::sync,
           [this, conn, session_id, token = std::move(token), bound = std::move(bound)](std::error_code ec) {
               on_session_stored(conn, session_id, token, ec, bound);
           });
}

void session_service::on_session_stored(connection_ref conn, const std::string& session_id,
                                        const std::string& token, std::error_code ec,
                                        const std::function<void(bool)>& bound) {
    delivery_session* s = find(session_id);
    if (s == nullptr) {
        return;
    }
    if (ec) {
        metrics_.on_store_error();
        metrics_.on_session_discarded(s->state());
        sessions_.erase(session_id);
        tp_.send_error(conn,
                       make_api_error(api_errc::unavailable, "could not store the session; retry later"));
        bound(false);
        return;
    }
    bound(true);
    tp_.send_session(conn, session_id, token);
    send_delivery_request(session_id);
}

void session_service::send_delivery_request(const std::string& session_id) {
    delivery_session* s = find(session_id);
    if (s == nullptr) {
        return;
    }
    const app_record* app = apps_.find(s->record().app_id);
    if (app == nullptr) {
        fail_session(*s, api_errc::app_removed, "the app was removed",
                     frames::json_string("Service unavailable"));
        return;
    }
    std::string fields = s->record().fields_json; // records from before session format v3
    if (!s->record().sealed_fields.empty()) {
        auto opened = vault_.open(s->record().sealed_fields, session_fields_context(session_id));
        if (!opened) {
            // Sending the request without the user's answers would let the SP act on a delivery
            // whose input was lost (another KEK after a restart, or a damaged record).
            fail_session(*s, api_errc::key_error,
                         "the user's fields do not open with this key-encryption key",
                         frames::json_string("Service unavailable"));
            return;
        }
        fields = std::move(*opened);
    }
    std::string body = delivery_body(s->record(), fields);
    wipe(fields);
    call_sp(app->delivery_method, app->delivery_url, std::move(body),
            [this, session_id](sp_reply reply) { on_delivery_reply(session_id, std::move(reply)); });
}

void session_service::on_delivery_reply(const std::string& session_id, sp_reply reply) {
    delivery_session* s = find(session_id);
    if (s == nullptr || s->state() != session_state::delivering) {
        return; // completed or failed meanwhile (an SP may finish before answering)
    }
    if (reply.status >= 200 && reply.status < 300) {
        transition(*s, session_state::active);
        s->touch(now_ms());
        s->drop_delivery_request();
        write_set w;
        w.put_sessions.push_back(s->record());
        commit(std::move(w), durability::relaxed, [](std::error_code) {});
        return;
    }
    std::string why = reply.status == 0 ? "service provider unreachable: " + reply.error
                                        : "service provider refused the delivery (HTTP "
                                              + std::to_string(reply.status) + ")";
    log_warn("delivery refused", session_id, why);
    fail_session(*s, api_errc::delivery_refused, why,
                 frames::json_string("The service provider could not deliver this service"));
}

// ---------------------------------------------------------------- touch-point binding

void session_service::resume(connection_ref conn, std::string session_id, std::string token,
                             std::function<void(bool)> bound, claim_mode takeover) {
    owner_.assert_on_owner();
    delivery_session* s = find(session_id);
    if (s == nullptr && cfg_.cluster && !stopped_) { // perhaps another node's: claimed, then resumed
        claim_for_resume(conn, std::move(session_id), std::move(token), takeover, std::move(bound));
        return;
    }
    if (s == nullptr || !hasher_.verify(resume_context, token, s->record().resume_token_hash)) {
        tp_.send_error(conn, make_api_error(api_errc::not_found, "unknown session or wrong resume token"));
        bound(false);
        return;
    }
    if (s->terminal()) {
        tp_.send_final_status(conn, s->final_frame());
        tp_.close(conn, 1000, "session ended");
        bound(false);
        return;
    }
    if (s->bound() && !(s->connection() == conn)) {
        tp_.close(s->connection(), 4001, "session resumed on another connection");
    }
    s->bind(conn);
    s->touch(now_ms());
    bound(true);
    tp_.send_resumed(conn, session_id);
    if (s->outstanding()) {
        send_batch(*s); // the unanswered batch again, same number
    }
    send_prompt(*s); // or the unanswered prompt (user interaction)
}

void session_service::on_disconnect(connection_ref conn, const std::string& session_id) {
    owner_.assert_on_owner();
    delivery_session* s = find(session_id);
    if (s != nullptr && s->bound_to(conn)) {
        s->unbind();
    }
}

} // namespace tsm::core
