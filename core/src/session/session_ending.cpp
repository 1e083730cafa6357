// session_service, session ending: the SP completes, the touch point aborts, the delivery is
// refused, the app is removed, or the session expires. Every way ends the same: the unfinished
// operations get a failure outcome, one write holds them with the terminal session, and only once
// it is durable are the callbacks sent, the SP answered and the touch point told.
#include "tsm/core/session_service.hpp"

#include "durable_commit.hpp"
#include "session_internal.hpp"
#include "tsm/core/clock.hpp"
#include "tsm/core/outcome.hpp"
#include "tsm/core/touch_point_frames.hpp"

#include <memory>

namespace tsm::core {

using namespace session_detail;

void session_service::complete(std::string app_id, std::string session_id, bool success,
                               std::string message_json, done_handler done) {
    owner_.assert_on_owner();
    delivery_session* s = find(session_id);
    if (s == nullptr || s->record().app_id != app_id) {
        done(error_of(api_errc::session_not_found, "no such session for this app"));
        return;
    }
    if (s->terminal()) {
        done(error_of(api_errc::session_finished, "the session has already ended"));
        return;
    }
    if (s->record().recipe) {
        done(error_of(api_errc::recipe_session, "the session runs a recipe"));
        return;
    }
    write_set w;
    std::vector<outbox_entry> callbacks;
    fail_unfinished(*s, api_errc::session_completed,
                    "the service provider completed the session before this operation ran", w, callbacks);
    end_session(*s, session_state::completed, frames::status(success, message_json), std::move(w),
                std::move(callbacks), std::move(done),
                {api_errc::session_completed,
                 "the service provider completed the session before this operation ran"});
}

void session_service::on_client_error(connection_ref conn, const std::string& session_id,
                                      std::string message) {
    owner_.assert_on_owner();
    delivery_session* s = find(session_id);
    if (s == nullptr || !s->bound_to(conn) || s->terminal()) {
        return;
    }
    fail_session(*s, api_errc::client_error,
                 message.empty() ? "the touch point aborted the session" : message,
                 frames::json_string("Aborted by the touch point"));
}

void session_service::fail_session(delivery_session& s, api_errc why, std::string message,
                                   std::string status_message_json) {
    write_set w;
    std::vector<outbox_entry> callbacks;
    fail_unfinished(s, why, message, w, callbacks);
    end_session(s, session_state::failed, frames::status(false, status_message_json), std::move(w),
                std::move(callbacks), {}, {why, message});
}

void session_service::fail_unfinished(delivery_session& s, api_errc why, const std::string& message,
                                      write_set& w, std::vector<outbox_entry>& callbacks) {
    s.for_each_unfinished([&](live_operation& op) { fail_record(op.rec, why, message, w, callbacks); });
}

void session_service::fail_record(operation_record& rec, api_errc why, const std::string& message,
                                  write_set& w, std::vector<outbox_entry>& callbacks) {
    rec.state = operation_state::done;
    rec.result_json = callback_body(rec.operation_id, outcome_of(why, message));
    rec.result_sealed = false; // a failure carries no user input
    metrics_.on_operation_outcome(false);
    w.put_operations.push_back(rec);
    if (rec.callback_url.empty()) {
        return; // a recipe's action: its result is in its record, nobody is called back
    }
    outbox_entry e{rec.operation_id, rec.callback_url, rec.result_json, now_ms()};
    w.put_outbox.push_back(e);
    callbacks.push_back(std::move(e));
}

void session_service::end_session(delivery_session& s, session_state final_state, std::string status_frame,
                                  write_set w, std::vector<outbox_entry> callbacks, done_handler done,
                                  straggler_reason reason) {
    transition(s, final_state);
    s.end(std::move(status_frame), now_ms());
    w.put_sessions.push_back(s.record());
    // Drop everything not mid-result: those operations are answered by the callbacks above.
    s.drop_unfinished([this](const live_operation& op) { metrics_.on_operation_removed(op.started); });

    // The session is already terminal in memory, so the write must land: a failed write is
    // retried (the SP's answer and the touch point's status wait for it) rather than leaving
    // memory and disk apart. Sessions end once, so the copy per attempt is cheap enough.
    struct ending {
        write_set w;
        std::vector<outbox_entry> callbacks;
        done_handler done;
        straggler_reason reason;
    };
    auto e = std::make_shared<ending>(
        ending{std::move(w), std::move(callbacks), std::move(done), std::move(reason)});
    const std::string session_id = s.id();
    durable_->until_durable([e]() -> std::optional<write_set> { return e->w; },
                            [this, e, session_id] {
                                on_end_durable(session_id, e->callbacks, e->done, e->reason);
                            },
                            [e] {
                                if (e->done) {
                                    e->done(error_of(api_errc::unavailable,
                                                     "not ended here (shutting down, or another node holds "
                                                     "the session now); retry later"));
                                }
                            });
}

void session_service::on_end_durable(const std::string& session_id, std::vector<outbox_entry>& callbacks,
                                     const done_handler& done, const straggler_reason& reason) {
    for (auto& e : callbacks) {
        relay_.enqueue(std::move(e));
    }
    if (cfg_.cluster) {
        fail_stragglers(session_id, reason, 20);
    }
    if (done) {
        done(std::nullopt);
    }
    delivery_session* ended = find(session_id);
    if (ended != nullptr && ended->bound()) {
        const connection_ref conn = ended->unbind();
        tp_.send_final_status(conn, ended->final_frame());
        tp_.close(conn, 1000, "session ended");
    }
}

void session_service::sweep() {
    const std::int64_t now = now_ms();
    std::vector<std::string> expired;
    std::vector<std::string> evict;
    for (auto& [id, s] : sessions_) {
        if (s->terminal()) {
            if (now - s->finished_ms() > cfg_.finished_retention.count()) {
                evict.push_back(id);
            }
        } else if (now - s->record().last_progress_ms > cfg_.session_expiry.count()) {
            expired.push_back(id);
        }
    }
    for (const auto& id : expired) {
        if (auto* s = find(id)) {
            metrics_.on_session_expired();
            fail_session(*s, api_errc::session_expired, "the session made no progress within its expiry time",
                         frames::json_string("Session expired"));
        }
    }
    for (const auto& id : evict) {
        sessions_.erase(id);
    }
}

} // namespace tsm::core
