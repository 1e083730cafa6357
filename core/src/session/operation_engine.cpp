// session_service, the operation engine: an SP operation is accepted (written, then
// acknowledged), built when it reaches the head of its session's queue, driven batch by batch
// through the touch point, and its result written with its callback in one commit before the
// next operation starts. User interaction: an operation may ask the user instead (a prompt,
// held like a batch and answered once by on_user_input); results holding user input are sealed
// at rest.
#include "tsm/core/session_service.hpp"

#include "durable_commit.hpp"
#include "session_internal.hpp"
#include "tsm/core/batch_parts.hpp"
#include "tsm/core/clock.hpp"
#include "tsm/core/ids.hpp"
#include "tsm/core/outcome.hpp"
#include "tsm/core/sealed_payload.hpp"
#include "tsm/core/touch_point_frames.hpp"

namespace tsm::core {

using namespace session_detail;

void session_service::accept_operation(std::string app_id, std::string session_id, std::string kind,
                                       bytes payload, std::string callback_url, accept_handler done) {
    owner_.assert_on_owner();
    auto refuse = [&](api_errc why, std::string message) {
        metrics_.on_operation_rejected();
        done(error_of(why, std::move(message)), {});
    };
    delivery_session* s = find(session_id);
    // Cluster mode: a session held by another node is checked by the store, under its row lock.
    if (!cfg_.cluster || s != nullptr) {
        if (s == nullptr || s->record().app_id != app_id) {
            return refuse(api_errc::session_not_found, "no such session for this app");
        }
        if (s->terminal()) {
            return refuse(api_errc::session_finished, "the session has ended");
        }
        if (s->record().recipe) {
            return refuse(api_errc::recipe_session, "the session runs a recipe");
        }
    }
    const app_record* app = apps_.find(app_id);
    if (app == nullptr || !callback_url_allowed(*app, callback_url)) {
        return refuse(api_errc::bad_callback_url,
                      "callbackUrl must start with one of the app's registered callback prefixes");
    }
    if (s != nullptr && s->queued() >= cfg_.max_queued_operations) {
        return refuse(api_errc::too_many_operations, "too many operations queued in this session");
    }
    if (auto valid = kinds_.validate(kind, payload); !valid) {
        metrics_.on_operation_rejected();
        done(valid.error(), {});
        return;
    }
    if (cfg_.cluster) {
        return append_shared(std::move(app_id), std::move(session_id), std::move(kind), std::move(payload),
                             std::move(callback_url), std::move(done));
    }
    operation_record rec = accepted_operation(std::move(app_id), session_id, std::move(kind),
                                              std::move(payload), std::move(callback_url));
    rec.seq = s->take_operation_seq();
    s->touch(rec.accepted_ms);

    // Only the operation: the session record is rewritten with the next result. Its
    // next_operation_seq may lag on disk; adopt() takes the order from the live operations.
    write_set w;
    w.put_operations.push_back(rec);
    std::string op_id = rec.operation_id;
    s->enqueue(std::move(rec));
    metrics_.on_operation_queued();
    commit(std::move(w), durability::sync,
           [this, session_id, op_id = std::move(op_id), done = std::move(done)](std::error_code ec) {
               on_accept_stored(session_id, op_id, ec, done);
           });
}

void session_service::on_accept_stored(const std::string& session_id, const std::string& operation_id,
                                       std::error_code ec, const accept_handler& done) {
    delivery_session* owner = find(session_id);
    live_operation* queued = owner == nullptr ? nullptr : owner->find_operation(operation_id);
    if (ec) {
        metrics_.on_store_error();
        if (queued != nullptr && owner->erase_operation(operation_id)) {
            metrics_.on_operation_removed(false);
        }
        done(error_of(api_errc::unavailable, "could not store the operation; retry later"), {});
        return;
    }
    // Acknowledge even if the session ended meanwhile: the failure outcome was written after the
    // accept, so a callback is on its way.
    done(std::nullopt, operation_id);
    if (queued != nullptr) {
        queued->durable = true;
        pump(*owner);
    }
}

void session_service::pump(delivery_session& s) {
    live_operation* head = s.head();
    if (s.terminal() || s.outstanding() || head == nullptr) {
        return;
    }
    if (!head->durable || head->started || head->finishing || head->building) {
        return;
    }
    if (head->op == nullptr) {
        // Builders read keys and load files from the store: their completion counts in the gate.
        auto pass = gate_.enter();
        if (!pass) {
            return; // shutting down: the operation runs after the next start
        }
        head->building = true;
        kinds_.build(head->rec, s.record(),
                     [this, pass = std::move(pass), session_id = s.id(),
                      operation_id = head->rec.operation_id](std::unique_ptr<operation> op,
                                                             std::optional<operation_outcome> failure) {
                         on_built(session_id, operation_id, std::move(op), std::move(failure));
                     });
        return;
    }
    start_head(s);
    handle_step(s, head->op->start());
}

void session_service::start_head(delivery_session& s) {
    live_operation& head = *s.head();
    head.started = true;
    head.rec.state = operation_state::running;
    metrics_.on_operation_started();
}

void session_service::on_built(const std::string& session_id, const std::string& operation_id,
                               std::unique_ptr<operation> op, std::optional<operation_outcome> failure) {
    delivery_session* s = find(session_id);
    live_operation* head = s == nullptr ? nullptr : s->head();
    if (head == nullptr || head->rec.operation_id != operation_id || !head->building) {
        return; // the session ended meanwhile; its operations were answered then
    }
    head->building = false;
    if (op != nullptr && !failure) {
        head->op = std::move(op);
        pump(*s);
        return;
    }
    start_head(*s);
    finish_head(*s, failure ? std::move(*failure)
                            : outcome_of(api_errc::internal_error, "the operation could not be built"));
}

void session_service::handle_step(delivery_session& s, operation_step step) {
    live_operation& head = *s.head();
    if (step.batch) {
        s.hand_out(head.rec.operation_id, std::move(*step.batch));
        send_batch(s);
        return;
    }
    if (step.question) {
        ask_user(s, std::move(*step.question));
        return;
    }
    finish_head(s, step.outcome ? std::move(*step.outcome)
                                : outcome_of(api_errc::internal_error, "operation ended without a result"));
}

void session_service::send_batch(delivery_session& s) {
    if (!s.bound() || !s.outstanding()) {
        return; // sent when the touch point resumes
    }
    s.split_for(s.connection().runs_every_command);
    const auto& out = *s.outstanding();
    metrics_.on_batch_sent();
    if (out.whole()) {
        tp_.send_commands(s.connection(), out.number, out.operation_id, out.batch);
    } else {
        tp_.send_commands(s.connection(), out.number, out.operation_id, out.part());
    }
}

void session_service::on_responses(connection_ref conn, const std::string& session_id, std::uint64_t batch,
                                   std::vector<bytes> responses) {
    owner_.assert_on_owner();
    delivery_session* s = find(session_id);
    if (s == nullptr || !s->bound_to(conn) || s->terminal()) {
        return;
    }
    const outstanding_batch* out = s->awaiting(batch);
    if (out == nullptr) {
        return; // stale or duplicate answer: ignored by design
    }
    if (!delivery_session::valid_answer(out->part_end - out->part_begin, responses)) {
        tp_.send_error(
            conn,
            make_api_error(api_errc::bad_request,
                           "responses: more answers than commands, or an answer shorter than a status word"));
        return;
    }
    const bool runs_every_command = conn.runs_every_command;
    if (runs_every_command && out->batch.stop_on_error) {
        batch_parts::keep_until_failure(responses); // as a touch point that stops would answer
    }
    const bool part_complete =
        responses.size() == out->part_end - out->part_begin
        && (responses.empty() || !batch_parts::is_failure(responses.back()) || !out->batch.stop_on_error);
    if (part_complete && out->part_end < out->batch.commands.size()) {
        s->next_part(std::move(responses), runs_every_command, now_ms());
        send_batch(*s);
        return;
    }
    outstanding_batch answered = s->take_outstanding(now_ms());
    live_operation* head = s->find_operation(answered.operation_id);
    if (head == nullptr || head->op == nullptr) {
        return;
    }
    if (!answered.answered.empty()) {
        answered.answered.insert(answered.answered.end(), std::make_move_iterator(responses.begin()),
                                 std::make_move_iterator(responses.end()));
        responses = std::move(answered.answered);
    }
    handle_step(*s, head->op->on_responses(std::move(responses)));
}

void session_service::finish_head(delivery_session& s, operation_outcome outcome) {
    live_operation& head = *s.head();
    if (head.started && s.bound()) {
        tp_.send_operation_done(s.connection(), head.rec.operation_id);
    }
    head.finishing = true;
    head.asking.reset();
    head.rec.state = operation_state::done;
    metrics_.on_operation_outcome(outcome.status_code == 200);
    outbox_entry entry = result_entry(head, outcome);
    wipe(outcome.user_input_members);
    if (s.record().recipe) {
        finish_recipe_action(s, outcome); // recipe_ending.cpp
        return;
    }
    std::optional<outbox_entry> callback;
    if (!head.rec.callback_url.empty()) {
        callback = std::move(entry);
    }
    commit_result(s.id(), std::move(callback));
}

outbox_entry session_service::result_entry(live_operation& head, const operation_outcome& outcome) {
    const std::string& id = head.rec.operation_id;
    std::string body = callback_body(id, outcome);
    outbox_entry entry{id, head.rec.callback_url, {}, now_ms()};
    if (!outcome.holds_user_input) {
        head.rec.result_sealed = false;
        head.rec.result_json = body;
        entry.body = std::move(body);
        return entry;
    }
    // User input never rests in clear: the record's copy is opened by GET /status, the outbox's
    // by the relay just before the call.
    head.rec.result_sealed = true;
    head.rec.result_json = vault_.seal(body, operation_result_context(id));
    entry.body = vault_.seal(body, outbox_body_context(id));
    entry.sealed = true;
    wipe(body);
    return entry;
}

// ---------------------------------------------------------------- user interaction

void session_service::ask_user(delivery_session& s, prompt p) {
    s.head()->asking = std::move(p);
    s.touch(now_ms());
    send_prompt(s);
}

void session_service::send_prompt(delivery_session& s) {
    live_operation* head = s.head();
    if (s.terminal() || head == nullptr || !head->asking || head->finishing || !s.bound()) {
        return; // no prompt, or sent when a touch point resumes
    }
    if (!s.connection().prompts) {
        // An older v1 client, or a dialect without such a step: the operation fails, the session
        // goes on with the next one.
        finish_head(s, failed_outcome(501, "not-supported-by-touch-point",
                                      "the touch point cannot ask the user for input"));
        return;
    }
    tp_.send_user_interaction(s.connection(), head->rec.operation_id, *head->asking);
}

void session_service::on_user_input(connection_ref conn, const std::string& session_id,
                                    const std::string& operation_id, user_input input) {
    owner_.assert_on_owner();
    delivery_session* s = find(session_id);
    live_operation* head = s == nullptr ? nullptr : s->head();
    const bool applies = s != nullptr && s->bound_to(conn) && !s->terminal() && head != nullptr
                         && head->rec.operation_id == operation_id && head->asking && !head->finishing
                         && head->op != nullptr;
    if (!applies) {
        wipe(input.fields_json); // a repeat, a stale answer, or not this connection's: dropped
        return;
    }
    head->asking.reset(); // answered: a second answer finds nothing to apply to
    s->touch(now_ms());
    handle_step(*s, head->op->on_input(std::move(input)));
}

void session_service::commit_result(const std::string& session_id, std::optional<outbox_entry> entry) {
    // Each attempt is made from the live state, which still holds the finishing operation, so a
    // retry after the session ended does not write it back as active.
    auto attempt = [this, session_id, entry]() -> std::optional<write_set> {
        delivery_session* s = find(session_id);
        live_operation* head = s == nullptr ? nullptr : s->head();
        if (head == nullptr || !head->finishing) {
            return std::nullopt;
        }
        write_set w;
        w.put_operations.push_back(head->rec);
        if (entry) {
            w.put_outbox.push_back(*entry);
        }
        w.put_sessions.push_back(s->record());
        return w;
    };
    durable_->until_durable(std::move(attempt),
                            [this, session_id, entry]() mutable {
                                if (entry) {
                                    relay_.enqueue(std::move(*entry));
                                }
                                delivery_session* s = find(session_id);
                                if (s == nullptr || s->head() == nullptr) {
                                    return;
                                }
                                metrics_.on_operation_removed(true);
                                s->pop_head();
                                pump(*s);
                            },
                            {});
}

} // namespace tsm::core
