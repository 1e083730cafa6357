#include "tsm/core/session_service.hpp"

#include "tsm/core/clock.hpp"
#include "tsm/core/ids.hpp"
#include "tsm/core/json_writer.hpp"
#include "tsm/core/log.hpp"
#include "tsm/core/operation_factory.hpp"
#include "tsm/core/touch_point_frames.hpp"

#include <algorithm>
#include <cstdio>

namespace tsm::core {
namespace {

constexpr std::string_view resume_context = "opentsm/resume-token/v1";

// Status codes of operations that end without a card answer (documented in docs/architecture.md).
constexpr int status_client_error = 500;   // touch point reported CLIENT_ERROR
constexpr int status_session_ended = 409;  // SP completed the session with operations pending
constexpr int status_expired = 504;        // no progress within the session expiry
constexpr int status_bad_operation = 500;  // persisted operation could not be rebuilt

void log_warn(const char* msg, std::string_view session_id, std::string_view detail) {
    log::warn(msg, {{"sessionId", session_id}, {"detail", detail}});
}

std::string delivery_body(const session_record& s) {
    json_writer w;
    w.begin_object().key("sessionId").value(s.session_id).key("serviceId").value(s.service_id);
    w.key("description").raw(s.description_json.empty() ? "{}" : s.description_json);
    w.key("cardId").begin_object().key("iin").value(s.card_iin).key("cin").value(s.card_cin);
    w.key("platformVersion").value(s.platform_version).end_object();
    if (!s.fields_json.empty()) {
        w.key("fields").raw(s.fields_json);
    }
    w.end_object();
    return std::move(w).str();
}

} // namespace

session_service::session_service(boost::asio::io_context& ioc, record_store& store,
                                 touch_point_port& tp, sp_port& sp, outbox_relay& relay,
                                 app_directory& apps, const secret_hasher& hasher,
                                 const operation_registry& kinds, session_service_config cfg,
                                 service_probe& probe)
    : ioc_(ioc), store_(store), tp_(tp), sp_(sp), relay_(relay), apps_(apps), hasher_(hasher),
      kinds_(kinds), cfg_(std::move(cfg)), probe_(probe), sweep_timer_(ioc) {}

session_service::~session_service() {
    *alive_ = false;
}

delivery_session* session_service::find(const std::string& session_id) {
    auto it = sessions_.find(session_id);
    return it == sessions_.end() ? nullptr : it->second.get();
}

void session_service::set_state(delivery_session& s, session_state st) {
    auto gauge = [this](session_state x) -> std::atomic<std::int64_t>* {
        if (x == session_state::delivering) {
            return &probe_.sessions_delivering;
        }
        if (x == session_state::active) {
            return &probe_.sessions_active;
        }
        return nullptr;
    };
    if (auto* g = gauge(s.record().state)) {
        add(*g, -1);
    }
    if (auto* g = gauge(st)) {
        add(*g, 1);
    }
    if (st == session_state::completed) {
        inc(probe_.sessions_completed);
    } else if (st == session_state::failed) {
        inc(probe_.sessions_failed);
    }
    s.record().state = st;
}

// ---------------------------------------------------------------- lifecycle

void session_service::adopt(session_record rec, std::vector<operation_record> ops) {
    auto s = std::make_unique<delivery_session>(std::move(rec));
    const session_state st = s->record().state;
    s->record().state = session_state::delivering; // so set_state counts the gauge once
    add(probe_.sessions_delivering, 1);
    set_state(*s, st);
    // The expiry clock restarts with the process: the touch point needs time to resume.
    s->record().last_progress_ms = now_ms();
    for (auto& r : ops) {
        // New operations must queue behind every recovered one.
        s->record().next_operation_seq = std::max(s->record().next_operation_seq, r.seq + 1);
        live_operation op; // built when it reaches the head of the queue
        op.rec = std::move(r);
        op.durable = true;
        add(probe_.operations_queued, 1);
        s->queue().push_back(std::move(op));
    }
    auto& ref = *s;
    sessions_[ref.record().session_id] = std::move(s);
    if (ref.record().state == session_state::delivering) {
        // The SP may not have seen the delivery request; ask again (SPs must accept repeats).
        send_delivery_request(ref.record().session_id);
    }
    pump(ref);
}

void session_service::start() {
    sweep_timer_.expires_after(cfg_.sweep_interval);
    sweep_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
        if (ec || !*alive || stopped_) {
            return;
        }
        sweep();
        start();
    });
}

void session_service::shutdown() {
    stopped_ = true;
    sweep_timer_.cancel();
}

void session_service::sweep() {
    const std::int64_t now = now_ms();
    std::vector<std::string> expired;
    std::vector<std::string> evict;
    for (auto& [id, s] : sessions_) {
        const auto& r = s->record();
        if (is_terminal(r.state)) {
            if (now - s->finished_ms() > cfg_.finished_retention.count()) {
                evict.push_back(id);
            }
        } else if (now - r.last_progress_ms > cfg_.session_expiry.count()) {
            expired.push_back(id);
        }
    }
    for (const auto& id : expired) {
        if (auto* s = find(id)) {
            inc(probe_.sessions_expired);
            fail_session(*s, status_expired, "session-expired",
                         "the session made no progress within its expiry time",
                         session_state::failed, false, frames::json_string("Session expired"));
        }
    }
    for (const auto& id : evict) {
        sessions_.erase(id);
    }
}

// ---------------------------------------------------------------- touch point: describe/deliver

void session_service::describe(connection_ref conn, std::string app_id, std::string service_id) {
    const app_record* app = apps_.find(app_id);
    if (app == nullptr) {
        tp_.send(conn, frames::error("not-found", "unknown appId"));
        return;
    }
    std::string url = app->description_url + "/" + service_id;
    sp_.call("GET", std::move(url), {},
             [this, alive = alive_, conn, app_id, service_id](sp_reply reply) {
                 if (!*alive) {
                     return;
                 }
                 if (reply.status == 200 && cfg_.is_json_object && cfg_.is_json_object(reply.body)) {
                     tp_.send(conn, frames::description(app_id, service_id, reply.body));
                 } else if (reply.status == 404) {
                     tp_.send(conn, frames::error("not-found", "the service provider does not know this service"));
                 } else {
                     tp_.send(conn, frames::error("unavailable", "the service provider cannot describe this service now"));
                 }
             });
}

void session_service::start_delivery(connection_ref conn, std::string session_id,
                                     delivery_request req, std::function<void(bool)> bound) {
    const app_record* app = apps_.find(req.app_id);
    if (app == nullptr) {
        tp_.send(conn, frames::error("not-found", "unknown appId"));
        bound(false);
        return;
    }
    if (sessions_.size() >= cfg_.max_sessions) {
        tp_.send(conn, frames::error("unavailable", "too many sessions; retry later"));
        bound(false);
        return;
    }
    std::string url = app->description_url + "/" + req.service_id;
    sp_.call("GET", std::move(url), {},
             [this, alive = alive_, conn, session_id = std::move(session_id),
              req = std::move(req), bound = std::move(bound)](sp_reply reply) mutable {
                 if (*alive) {
                     on_description_for_delivery(conn, std::move(session_id), std::move(req),
                                                 std::move(reply), std::move(bound));
                 }
             });
}

void session_service::on_description_for_delivery(connection_ref conn, std::string session_id,
                                                  delivery_request req, sp_reply reply,
                                                  std::function<void(bool)> bound) {
    if (reply.status == 404) {
        tp_.send(conn, frames::error("not-found", "the service provider does not know this service"));
        bound(false);
        return;
    }
    if (reply.status != 200 || !cfg_.is_json_object || !cfg_.is_json_object(reply.body)) {
        tp_.send(conn, frames::error("unavailable", "the service provider cannot deliver this service now"));
        bound(false);
        return;
    }
    session_record rec;
    rec.session_id = session_id;
    rec.app_id = std::move(req.app_id);
    rec.service_id = std::move(req.service_id);
    std::string token = random_token_hex(32);
    rec.resume_token_hash = hasher_.digest(resume_context, token);
    rec.state = session_state::delivering;
    rec.created_ms = rec.last_progress_ms = now_ms();
    rec.card_iin = std::move(req.iin);
    rec.card_cin = std::move(req.cin);
    rec.platform_version = req.platform_version;
    rec.description_json = std::move(reply.body);
    rec.fields_json = std::move(req.fields_json);

    write_set w;
    w.put_sessions.push_back(rec);
    auto fresh = std::make_unique<delivery_session>(std::move(rec));
    fresh->connection() = conn;
    add(probe_.sessions_delivering, 1);
    sessions_[session_id] = std::move(fresh);
    store_.commit(std::move(w), durability::sync, ex(),
                  [this, alive = alive_, conn, session_id, token, bound = std::move(bound)](std::error_code ec) {
                      if (!*alive) {
                          return;
                      }
                      if (find(session_id) == nullptr) {
                          return;
                      }
                      if (ec) {
                          inc(probe_.store_errors);
                          add(probe_.sessions_delivering, -1);
                          sessions_.erase(session_id);
                          tp_.send(conn, frames::error("unavailable", "could not store the session; retry later"));
                          bound(false);
                          return;
                      }
                      bound(true);
                      tp_.send(conn, frames::session(session_id, token));
                      send_delivery_request(session_id);
                  });
}

void session_service::send_delivery_request(const std::string& session_id) {
    delivery_session* s = find(session_id);
    if (s == nullptr) {
        return;
    }
    const app_record* app = apps_.find(s->record().app_id);
    if (app == nullptr) {
        fail_session(*s, status_session_ended, "app-removed", "the app was removed",
                     session_state::failed, false, frames::json_string("Service unavailable"));
        return;
    }
    sp_.call(app->delivery_method, app->delivery_url, delivery_body(s->record()),
             [this, alive = alive_, session_id](sp_reply reply) {
                 if (*alive) {
                     on_delivery_reply(session_id, std::move(reply));
                 }
             });
}

void session_service::on_delivery_reply(const std::string& session_id, sp_reply reply) {
    delivery_session* s = find(session_id);
    if (s == nullptr || s->record().state != session_state::delivering) {
        return; // completed or failed meanwhile (an SP may finish before answering)
    }
    if (reply.status >= 200 && reply.status < 300) {
        set_state(*s, session_state::active);
        s->record().last_progress_ms = now_ms();
        // The description and fields only serve to repeat the delivery request after a restart;
        // once the SP has accepted, dropping them shrinks every later session write and the
        // memory an idle session holds.
        std::string().swap(s->record().description_json);
        std::string().swap(s->record().fields_json);
        write_set w;
        w.put_sessions.push_back(s->record());
        store_.commit(std::move(w), durability::relaxed, ex(), [](std::error_code) {});
        return;
    }
    std::string why = reply.status == 0
        ? "service provider unreachable: " + reply.error
        : "service provider refused the delivery (HTTP " + std::to_string(reply.status) + ")";
    log_warn("delivery refused", session_id, why);
    fail_session(*s, status_session_ended, "delivery-refused", why, session_state::failed, false,
                 frames::json_string("The service provider could not deliver this service"));
}

// ---------------------------------------------------------------- touch point: batches

void session_service::resume(connection_ref conn, std::string session_id, std::string token,
                             std::function<void(bool)> bound) {
    delivery_session* s = find(session_id);
    if (s == nullptr || !hasher_.verify(resume_context, token, s->record().resume_token_hash)) {
        tp_.send(conn, frames::error("not-found", "unknown session or wrong resume token"));
        bound(false);
        return;
    }
    if (is_terminal(s->record().state)) {
        tp_.send(conn, s->final_frame());
        tp_.close(conn, 1000, "session ended");
        bound(false);
        return;
    }
    if (s->connection().valid() && !(s->connection() == conn)) {
        tp_.close(s->connection(), 4001, "session resumed on another connection");
    }
    s->connection() = conn;
    s->record().last_progress_ms = now_ms();
    bound(true);
    tp_.send(conn, frames::resumed(session_id));
    if (s->outstanding()) {
        send_batch(*s); // the unanswered batch again, same number
    }
}

void session_service::on_responses(connection_ref conn, const std::string& session_id,
                                   std::uint64_t batch, std::vector<bytes> responses) {
    delivery_session* s = find(session_id);
    if (s == nullptr || !(s->connection() == conn) || is_terminal(s->record().state)) {
        return;
    }
    auto& out = s->outstanding();
    if (!out || out->number != batch) {
        return; // stale or duplicate answer: ignored by design
    }
    if (!delivery_session::valid_answer(out->batch, responses)) {
        tp_.send(conn, frames::error("bad-request",
                                     "responses: more answers than commands, or an answer shorter than a status word"));
        return;
    }
    live_operation* head = s->find_operation(out->operation_id);
    out.reset();
    s->record().last_progress_ms = now_ms();
    s->record().last_batch = batch;
    if (head == nullptr || head->op == nullptr) {
        return;
    }
    handle_step(*s, head->op->on_responses(std::move(responses)));
}

void session_service::on_client_error(connection_ref conn, const std::string& session_id,
                                      std::string message) {
    delivery_session* s = find(session_id);
    if (s == nullptr || !(s->connection() == conn) || is_terminal(s->record().state)) {
        return;
    }
    fail_session(*s, status_client_error, "client-error",
                 message.empty() ? "the touch point aborted the session" : message,
                 session_state::failed, false, frames::json_string("Aborted by the touch point"));
}

void session_service::on_disconnect(connection_ref conn, const std::string& session_id) {
    delivery_session* s = find(session_id);
    if (s != nullptr && s->connection() == conn) {
        s->connection() = {};
    }
}

// ---------------------------------------------------------------- SP side

void session_service::accept_operation(std::string app_id, std::string session_id,
                                       std::string kind, bytes payload, std::string callback_url,
                                       accept_handler done) {
    delivery_session* s = find(session_id);
    if (s == nullptr || s->record().app_id != app_id) {
        inc(probe_.operations_rejected);
        done(service_error{404, "session-not-found", "no such session for this app"}, {});
        return;
    }
    if (is_terminal(s->record().state)) {
        inc(probe_.operations_rejected);
        done(service_error{409, "session-finished", "the session has ended"}, {});
        return;
    }
    const app_record* app = apps_.find(app_id);
    if (app == nullptr || !callback_url_allowed(*app, callback_url)) {
        inc(probe_.operations_rejected);
        done(service_error{400, "bad-callback-url",
                           "callbackUrl must start with one of the app's registered callback prefixes"},
             {});
        return;
    }
    if (s->queue().size() >= cfg_.max_queued_operations) {
        inc(probe_.operations_rejected);
        done(service_error{429, "too-many-operations", "too many operations queued in this session"}, {});
        return;
    }
    live_operation op;
    op.rec.operation_id = new_time_ordered_uuid();
    op.rec.session_id = session_id;
    op.rec.app_id = std::move(app_id);
    op.rec.kind = std::move(kind);
    op.rec.callback_url = std::move(callback_url);
    op.rec.seq = s->record().next_operation_seq;
    op.rec.state = operation_state::queued;
    op.rec.payload = std::move(payload);
    op.rec.accepted_ms = now_ms();
    if (!kinds_.validate(op.rec.kind, op.rec.payload)) {
        inc(probe_.operations_rejected);
        done(service_error{400, "bad-request", "the operation request is not valid"}, {});
        return;
    }
    ++s->record().next_operation_seq;
    s->record().last_progress_ms = now_ms();

    // Only the operation: the session record is rewritten with the next result. Its
    // next_operation_seq may lag on disk; adopt() takes the order from the live operations.
    write_set w;
    w.put_operations.push_back(op.rec);
    std::string op_id = op.rec.operation_id;
    s->queue().push_back(std::move(op));
    add(probe_.operations_queued, 1);
    store_.commit(std::move(w), durability::sync, ex(),
                  [this, alive = alive_, session_id, op_id, done = std::move(done)](std::error_code ec) {
                      if (!*alive) {
                          return;
                      }
                      delivery_session* owner = find(session_id);
                      live_operation* queued = owner == nullptr ? nullptr : owner->find_operation(op_id);
                      if (ec) {
                          inc(probe_.store_errors);
                          if (queued != nullptr) {
                              auto& q = owner->queue();
                              for (auto it = q.begin(); it != q.end(); ++it) {
                                  if (it->rec.operation_id == op_id) {
                                      q.erase(it);
                                      break;
                                  }
                              }
                              add(probe_.operations_queued, -1);
                          }
                          done(service_error{503, "unavailable", "could not store the operation; retry later"}, {});
                          return;
                      }
                      // Acknowledge even if the session ended meanwhile: the failure outcome was
                      // written after the accept, so a callback is on its way.
                      done(std::nullopt, op_id);
                      if (queued != nullptr) {
                          queued->durable = true;
                          pump(*owner);
                      }
                  });
}

void session_service::complete(std::string app_id, std::string session_id, bool success,
                               std::string message_json, done_handler done) {
    delivery_session* s = find(session_id);
    if (s == nullptr || s->record().app_id != app_id) {
        done(service_error{404, "session-not-found", "no such session for this app"});
        return;
    }
    if (is_terminal(s->record().state)) {
        done(service_error{409, "session-finished", "the session has already ended"});
        return;
    }
    const std::string status_frame = frames::status(success, message_json);
    write_set w;
    std::vector<outbox_entry> callbacks;
    for (auto& op : s->queue()) {
        if (op.finishing) {
            continue; // its own result is being written
        }
        op.rec.state = operation_state::done;
        op.rec.result_json = callback_body(
            op.rec.operation_id,
            failed_outcome(status_session_ended, "session-completed",
                           "the service provider completed the session before this operation ran"));
        inc(probe_.operations_failed);
        w.put_operations.push_back(op.rec);
        outbox_entry e{op.rec.operation_id, op.rec.callback_url, op.rec.result_json, now_ms()};
        w.put_outbox.push_back(e);
        callbacks.push_back(std::move(e));
    }
    set_state(*s, session_state::completed);
    s->record().final_status_json = status_frame;
    w.put_sessions.push_back(s->record());
    end_session(*s, std::move(w), std::move(callbacks), status_frame, std::move(done));
}

// ---------------------------------------------------------------- operation engine

void session_service::pump(delivery_session& s) {
    if (is_terminal(s.record().state) || s.outstanding() || s.queue().empty()) {
        return;
    }
    live_operation& head = s.queue().front();
    if (!head.durable || head.started || head.finishing || head.building) {
        return;
    }
    if (head.op == nullptr) {
        head.building = true;
        kinds_.build(head.rec, s.record(),
                        [this, alive = alive_, session_id = s.record().session_id,
                         operation_id = head.rec.operation_id](std::unique_ptr<operation> op,
                                                               std::optional<operation_outcome> failure) {
                            if (*alive) {
                                on_built(session_id, operation_id, std::move(op), std::move(failure));
                            }
                        });
        return;
    }
    head.started = true;
    head.rec.state = operation_state::running;
    add(probe_.operations_queued, -1);
    add(probe_.operations_running, 1);
    handle_step(s, head.op->start());
}

void session_service::on_built(const std::string& session_id, const std::string& operation_id,
                               std::unique_ptr<operation> op, std::optional<operation_outcome> failure) {
    delivery_session* s = find(session_id);
    if (s == nullptr || s->queue().empty() || s->queue().front().rec.operation_id != operation_id
        || !s->queue().front().building) {
        return; // the session ended meanwhile; its operations were answered then
    }
    live_operation& head = s->queue().front();
    head.building = false;
    if (op != nullptr && !failure) {
        head.op = std::move(op);
        pump(*s);
        return;
    }
    head.started = true;
    head.rec.state = operation_state::running;
    add(probe_.operations_queued, -1);
    add(probe_.operations_running, 1);
    finish_head(*s, failure ? std::move(*failure)
                            : failed_outcome(500, "internal-error", "the operation could not be built"));
}

void session_service::handle_step(delivery_session& s, operation_step step) {
    live_operation& head = s.queue().front();
    if (step.batch) {
        s.outstanding() = outstanding_batch{s.take_batch_number(), head.rec.operation_id,
                                            std::move(*step.batch)};
        send_batch(s);
        return;
    }
    finish_head(s, step.outcome ? std::move(*step.outcome)
                                : failed_outcome(500, "internal-error", "operation ended without a result"));
}

void session_service::send_batch(delivery_session& s) {
    if (!s.connection().valid() || !s.outstanding()) {
        return; // sent when the touch point resumes
    }
    const auto& out = *s.outstanding();
    inc(probe_.batches_sent);
    tp_.send(s.connection(), frames::commands(out.number, out.operation_id, out.batch));
}

void session_service::finish_head(delivery_session& s, operation_outcome outcome) {
    live_operation& head = s.queue().front();
    head.finishing = true;
    head.rec.state = operation_state::done;
    head.rec.result_json = callback_body(head.rec.operation_id, outcome);
    if (outcome.status_code == 200) {
        inc(probe_.operations_succeeded);
    } else {
        inc(probe_.operations_failed);
    }
    write_set w;
    w.put_operations.push_back(head.rec);
    outbox_entry e{head.rec.operation_id, head.rec.callback_url, head.rec.result_json, now_ms()};
    w.put_outbox.push_back(e);
    w.put_sessions.push_back(s.record());
    commit_result(s.record().session_id, std::move(w), std::move(e));
}

void session_service::commit_result(const std::string& session_id, write_set w, outbox_entry entry) {
    store_.commit(std::move(w), durability::sync, ex(),
                  [this, alive = alive_, session_id, entry = std::move(entry)](std::error_code ec) mutable {
                      if (!*alive) {
                          return;
                      }
                      delivery_session* s = find(session_id);
                      if (ec) {
                          // The result must not be lost: write it again (rebuilt from the live
                          // state, which still holds the finishing operation) until the store
                          // takes it.
                          inc(probe_.store_errors);
                          auto t = std::make_shared<boost::asio::steady_timer>(ioc_, std::chrono::milliseconds(500));
                          t->async_wait([this, alive, t, session_id, entry = std::move(entry)](boost::system::error_code) mutable {
                              delivery_session* again = *alive && !stopped_ ? find(session_id) : nullptr;
                              if (again == nullptr || again->queue().empty() || !again->queue().front().finishing) {
                                  return;
                              }
                              write_set retry;
                              retry.put_operations.push_back(again->queue().front().rec);
                              retry.put_outbox.push_back(entry);
                              retry.put_sessions.push_back(again->record());
                              commit_result(session_id, std::move(retry), std::move(entry));
                          });
                          return;
                      }
                      relay_.enqueue(std::move(entry));
                      if (s == nullptr || s->queue().empty()) {
                          return;
                      }
                      add(probe_.operations_running, -1);
                      s->queue().pop_front();
                      pump(*s);
                  });
}

void session_service::fail_session(delivery_session& s, int op_status, std::string op_code,
                                   std::string message, session_state final_state, bool success,
                                   std::string status_message_json) {
    const std::string status_frame = frames::status(success, status_message_json);
    write_set w;
    std::vector<outbox_entry> callbacks;
    for (auto& op : s.queue()) {
        if (op.finishing) {
            continue;
        }
        op.rec.state = operation_state::done;
        op.rec.result_json = callback_body(op.rec.operation_id,
                                           failed_outcome(op_status, op_code, message));
        inc(probe_.operations_failed);
        w.put_operations.push_back(op.rec);
        outbox_entry e{op.rec.operation_id, op.rec.callback_url, op.rec.result_json, now_ms()};
        w.put_outbox.push_back(e);
        callbacks.push_back(std::move(e));
    }
    set_state(s, final_state);
    s.record().final_status_json = status_frame;
    w.put_sessions.push_back(s.record());
    end_session(s, std::move(w), std::move(callbacks), status_frame, {});
}

void session_service::end_session(delivery_session& s, write_set w,
                                  std::vector<outbox_entry> callbacks, std::string final_frame,
                                  done_handler done) {
    // Drop everything not mid-result: those operations are answered by the callbacks above.
    auto& q = s.queue();
    for (auto it = q.begin(); it != q.end();) {
        if (it->finishing) {
            ++it;
            continue;
        }
        if (it->started) {
            add(probe_.operations_running, -1);
        } else {
            add(probe_.operations_queued, -1);
        }
        it = q.erase(it);
    }
    s.outstanding().reset();
    s.final_frame() = final_frame;
    s.finished_ms() = now_ms();
    commit_end(s.record().session_id, std::move(w), std::move(callbacks), std::move(final_frame),
               std::move(done));
}

void session_service::commit_end(std::string session_id, write_set w,
                                 std::vector<outbox_entry> callbacks, std::string final_frame,
                                 done_handler done) {
    // The session is already terminal in memory, so the write must land: a failed write is
    // retried (the SP's answer and the touch point's status wait for it) rather than leaving
    // memory and disk apart.
    write_set copy = w; // only on this rare path: sessions end once
    store_.commit(std::move(w), durability::sync, ex(),
                  [this, alive = alive_, session_id, copy = std::move(copy), callbacks = std::move(callbacks),
                   final_frame = std::move(final_frame), done = std::move(done)](std::error_code ec) mutable {
                      if (!*alive) {
                          return;
                      }
                      if (ec) {
                          inc(probe_.store_errors);
                          if (stopped_) {
                              if (done) {
                                  done(service_error{503, "unavailable", "shutting down; retry later"});
                              }
                              return;
                          }
                          auto t = std::make_shared<boost::asio::steady_timer>(ioc_, std::chrono::milliseconds(500));
                          t->async_wait([this, alive, t, session_id, copy = std::move(copy),
                                         callbacks = std::move(callbacks), final_frame = std::move(final_frame),
                                         done = std::move(done)](boost::system::error_code) mutable {
                              if (*alive) {
                                  commit_end(session_id, std::move(copy), std::move(callbacks),
                                             std::move(final_frame), std::move(done));
                              }
                          });
                          return;
                      }
                      for (auto& e : callbacks) {
                          relay_.enqueue(std::move(e));
                      }
                      if (done) {
                          done(std::nullopt);
                      }
                      delivery_session* ended = find(session_id);
                      if (ended != nullptr && ended->connection().valid()) {
                          tp_.send(ended->connection(), final_frame);
                          tp_.close(ended->connection(), 1000, "session ended");
                          ended->connection() = {};
                      }
                  });
}

} // namespace tsm::core
