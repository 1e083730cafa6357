// session_service, the start of a recipe delivery: the service has a stored recipe, so no SP is
// asked anything. The session (active at once, holding its recipe_run) and one operation per
// action (seq 0..n-1, no callback URL) are written in one sync write; only then does the touch
// point get its session and the first action run. A service without a recipe goes on to the
// SP's description (delivery_handshake.cpp). Runs on the owner shard.
#include "tsm/core/session_service.hpp"

#include "session_internal.hpp"
#include "tsm/core/clock.hpp"
#include "tsm/core/ids.hpp"

namespace tsm::core {

using namespace session_detail;

void session_service::find_recipe_for_delivery(connection_ref conn, std::string session_id,
                                               delivery_request req, std::function<void(bool)> bound) {
    if (recipes_ == nullptr) {
        fetch_description_for_delivery(conn, std::move(session_id), std::move(req), std::move(bound));
        return;
    }
    auto pass = gate_.enter();
    if (!pass) {
        tp_.send_error(conn, make_api_error(api_errc::unavailable, "shutting down; retry later"));
        bound(false);
        return;
    }
    std::string app_id = req.app_id;
    std::string service_id = req.service_id;
    std::string sid = session_id;
    recipes_->prepare(std::move(app_id), std::move(service_id), std::move(sid), ex(),
                      [this, pass = std::move(pass), conn, session_id = std::move(session_id),
                       req = std::move(req),
                       bound = std::move(bound)](std::error_code ec,
                                                 std::optional<api_result<prepared_recipe>> recipe) mutable {
                          if (ec) {
                              metrics_.on_store_error();
                              tp_.send_error(conn, make_api_error(api_errc::unavailable,
                                                                  "could not read the service; retry later"));
                              bound(false);
                              return;
                          }
                          if (!recipe) {
                              fetch_description_for_delivery(conn, std::move(session_id), std::move(req),
                                                             std::move(bound));
                              return;
                          }
                          if (!*recipe) {
                              log_warn("recipe cannot run", session_id, recipe->error().message);
                              tp_.send_error(conn, recipe->error());
                              bound(false);
                              return;
                          }
                          start_recipe_delivery(conn, std::move(session_id), std::move(req),
                                                std::move(**recipe), std::move(bound));
                      });
}

void session_service::start_recipe_delivery(connection_ref conn, std::string session_id, delivery_request req,
                                            prepared_recipe recipe, std::function<void(bool)> bound) {
    // The store read took a while: the app and the session limit are checked again.
    if (apps_.find(req.app_id) == nullptr) {
        tp_.send_error(conn, make_api_error(api_errc::not_found, "unknown appId"));
        bound(false);
        return;
    }
    if (sessions_.size() >= cfg_.max_sessions) {
        tp_.send_error(conn, make_api_error(api_errc::unavailable, "too many sessions; retry later"));
        bound(false);
        return;
    }
    session_record rec;
    rec.session_id = session_id;
    rec.app_id = std::move(req.app_id);
    rec.service_id = std::move(req.service_id);
    std::string token = req.resume_token.empty() ? random_token_hex(32) : std::move(req.resume_token);
    rec.resume_token_hash = hasher_.digest(resume_context, token);
    // No SP has to accept anything: the session is active from its first write. The description,
    // the user's fields, e-mail and phone number would only go to an SP: none of them is kept.
    rec.state = session_state::active;
    rec.created_ms = rec.last_progress_ms = now_ms();
    rec.card_iin = std::move(req.iin);
    rec.card_cin = std::move(req.cin);
    rec.platform_version = req.platform_version;
    rec.recipe = std::move(recipe.run);

    auto fresh = std::make_unique<delivery_session>(std::move(rec));
    write_set w;
    for (auto& action : recipe.actions) {
        operation_record op;
        op.operation_id = new_time_ordered_uuid();
        op.session_id = session_id;
        op.app_id = fresh->record().app_id;
        op.kind = std::move(action.kind);
        op.seq = fresh->take_operation_seq(); // == the action's index: no SP adds operations
        op.state = operation_state::queued;
        op.payload = std::move(action.payload);
        op.accepted_ms = fresh->record().created_ms;
        w.put_operations.push_back(op);
        fresh->enqueue(std::move(op));
        metrics_.on_operation_queued();
    }
    w.put_sessions.push_back(fresh->record());
    fresh->bind(conn);
    metrics_.on_session_created(fresh->state());
    sessions_[session_id] = std::move(fresh);
    commit(std::move(w), durability::sync,
           [this, conn, session_id, token = std::move(token), bound = std::move(bound)](std::error_code ec) {
               on_recipe_session_stored(conn, session_id, token, ec, bound);
           });
}

void session_service::on_recipe_session_stored(connection_ref conn, const std::string& session_id,
                                               const std::string& token, std::error_code ec,
                                               const std::function<void(bool)>& bound) {
    delivery_session* s = find(session_id);
    if (s == nullptr) {
        return;
    }
    if (ec) {
        metrics_.on_store_error();
        s->for_each_unfinished([this](live_operation&) { metrics_.on_operation_removed(false); });
        metrics_.on_session_discarded(s->state());
        sessions_.erase(session_id);
        tp_.send_error(conn,
                       make_api_error(api_errc::unavailable, "could not store the session; retry later"));
        bound(false);
        return;
    }
    s->for_each_unfinished([](live_operation& op) { op.durable = true; });
    bound(true);
    tp_.send_session(conn, session_id, token);
    pump(*s);
}

} // namespace tsm::core
