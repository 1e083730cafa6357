#include "channel.hpp"

#include "tsm/core/json_writer.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/transport/json_reader.hpp"

#include <memory>
#include <utility>

namespace tsm::transport::touch_point::fidesmo {
namespace {

http_response ok_json(std::string body) {
    http_response r;
    r.body = std::move(body);
    return r;
}

std::string step_reply(std::string_view operation_id) {
    core::json_writer w;
    w.begin_object().key("completed").value(false).key("operationId").value(operation_id);
    w.key("operationType").value("transceive").end_object();
    return std::move(w).str();
}

http_response superseded_response() {
    return make_error_response(
        core::make_api_error(core::api_errc::unavailable, "superseded by a newer request for this session"));
}

} // namespace

std::string prompt_reply(std::string_view operation_id, const core::prompt& p) {
    core::json_writer w;
    w.reserve(128 + p.json.size());
    w.begin_object().key("completed").value(false).key("operationId").value(operation_id);
    if (p.type == core::prompt::kind::fields) {
        w.key("operationType").value("user-interaction").key("fields").raw(p.json);
        w.key("encrypted").value(p.encrypted);
    } else {
        w.key("operationType").value("action").key("actions").raw(p.json);
    }
    w.end_object();
    return std::move(w).str();
}

http_response go_back_to_fetch() {
    return ok_json(commands_reply({}));
}

std::string completed_reply(std::string_view final_status_json) {
    bool success = false;
    std::string message;
    // The frame is ours (core::frames::status); a frame that does not read is reported as failure.
    auto st = json::read_object(final_status_json, json::body_secrecy::plain,
                                [&](std::string_view key, json::value& v) -> core::api_status {
                                    if (key == "success") {
                                        return json::read_bool(v, "success", success);
                                    }
                                    if (key == "message") {
                                        return json::read_raw_value(v, "message", message);
                                    }
                                    return {};
                                });
    if (!st) {
        success = false;
        message.clear();
    }
    core::json_writer w;
    w.begin_object().key("completed").value(true).key("status").begin_object();
    w.key("success").value(success).key("message");
    if (message.empty()) {
        w.value("");
    } else {
        w.raw(message);
    }
    w.end_object().end_object();
    return std::move(w).str();
}

std::string commands_reply(const std::vector<core::bytes>& commands) {
    core::json_writer w;
    w.begin_object().key("commands").begin_array();
    for (const auto& c : commands) {
        w.value(core::to_hex(c));
    }
    w.end_array().end_object();
    return std::move(w).str();
}

http_response nothing_yet_response() {
    return make_error_response(
        core::make_api_error(core::api_errc::unavailable, "nothing for the touch point yet; fetch again"));
}

channel::channel(std::string session_id, core::connection_ref conn, boost::asio::any_io_executor ex,
                 std::chrono::milliseconds hold, channel_hooks hooks)
    : session_id_(std::move(session_id)), conn_(conn), hold_(hold), hooks_(std::move(hooks)), hold_timer_(ex),
      connector_timer_(ex), life_(std::make_shared<int>(0)) {}

channel::~channel() {
    if (early_result_) {
        core::wipe(early_result_->input.fields_json);
    }
    release_held();
    if (pending_session_) {
        auto respond = std::move(*pending_session_);
        pending_session_.reset();
        respond(make_error_response(
            core::make_api_error(core::api_errc::unavailable, "shutting down; retry later")));
    }
    if (hooks_.remove_route) {
        if (current_ && current_->announced) {
            hooks_.remove_route(current_->id);
        }
        for (const auto& id : finished_ops_) {
            if (!current_ || current_->id != id) {
                hooks_.remove_route(id);
            }
        }
    }
}

// ---------------------------------------------------------------- client side

void channel::expect_session(http_responder respond) {
    touch();
    pending_session_ = std::move(respond);
}

void channel::fetch(http_responder respond, std::optional<operation_result> result) {
    touch();
    if (held_fetch_) {
        answer_fetch(superseded_response());
    }
    hold_fetch(std::move(respond));
    if (result) {
        apply_result(*result);
        if (!result->operation_id.empty()) {
            // Not asked here (yet): kept for a prompt the session re-sends after binding anew.
            if (early_result_) {
                core::wipe(early_result_->input.fields_json);
            }
            early_result_ = std::move(*result);
        }
    }
    answer_fetch_if_ready();
}

void channel::apply_result(operation_result& result) {
    const bool is_current = current_ && current_->id == result.operation_id;
    if (!is_current && finished_ops_.count(result.operation_id) == 0) {
        return; // not asked on this channel (yet): the caller keeps it
    }
    if (is_current && current_->prompt && !current_->answered && !current_->done) {
        current_->answered = true;
        const std::string id = current_->id; // the engine may call the channel back meanwhile
        hooks_.hand_input(id, std::move(result.input));
    } else {
        core::wipe(result.input.fields_json); // a repeat: applied once
    }
    result.operation_id.clear();
}

void channel::connector(const std::string& operation_id, std::vector<core::bytes> responses,
                        http_responder respond) {
    touch();
    if (!current_ || current_->id != operation_id || !current_->announced) {
        // A repeat after the operation ended, or an operation this channel does not know (the
        // session was bound anew): the client goes back to fetch, which names what is outstanding.
        respond(go_back_to_fetch());
        return;
    }
    if (held_connector_) {
        answer_connector(go_back_to_fetch());
    }
    hold_connector(operation_id, std::move(respond));
    operation& op = *current_;
    if (!responses.empty() && !op.done && op.batch_number && !op.answered) {
        op.answered = true;
        // The engine may answer (next batch, operation done, error) before this returns.
        hooks_.hand_responses(*op.batch_number, std::move(responses));
    }
    // Empty responses ask for the outstanding batch; answers to a batch already handed over are
    // a repeat: either way the client gets the current answer, and nothing is applied twice.
    answer_connector_if_ready();
}

// ---------------------------------------------------------------- engine side

void channel::on_session() {
    touch();
    if (!pending_session_) {
        return;
    }
    auto respond = std::move(*pending_session_);
    pending_session_.reset();
    core::json_writer w;
    w.begin_object().key("sessionId").value(session_id_).end_object();
    respond(ok_json(std::move(w).str()));
}

void channel::on_commands(std::uint64_t batch_number, std::string_view operation_id,
                          const core::apdu_batch& batch) {
    touch();
    if (current_ && current_->id == operation_id) {
        current_->batch_number = batch_number;
        current_->commands = batch.commands;
        current_->answered = false;
        current_->done = false;
        answer_connector_if_ready();
        answer_fetch_if_ready();
        return;
    }
    if (current_ && current_->announced) {
        // The client moved on to the next fetch: routes of operations before the last one go.
        for (auto it = finished_ops_.begin(); it != finished_ops_.end();) {
            if (*it != current_->id) {
                if (hooks_.remove_route) {
                    hooks_.remove_route(*it);
                }
                it = finished_ops_.erase(it);
            } else {
                ++it;
            }
        }
        finished_ops_.insert(current_->id);
    }
    current_ = operation{std::string(operation_id), false, false, batch_number, batch.commands, false, {}};
    answer_connector_if_ready(); // a connector held for the previous operation gets []
    answer_fetch_if_ready();
}

void channel::on_user_interaction(std::string_view operation_id, const core::prompt& p) {
    touch();
    if (!current_ || current_->id != operation_id) {
        if (current_ && current_->announced) {
            finished_ops_.insert(current_->id);
        }
        current_ = operation{std::string(operation_id), false, false, std::nullopt, {}, false, p};
    } else {
        current_->prompt = p;
        current_->answered = false;
        current_->done = false;
    }
    answer_connector_if_ready(); // a connector held for the previous operation gets []
    if (early_result_ && early_result_->operation_id == operation_id) {
        operation_result r = std::move(*early_result_);
        early_result_.reset();
        apply_result(r);
        return;
    }
    answer_fetch_if_ready();
}

void channel::on_operation_done(std::string_view operation_id) {
    touch();
    if (!current_ || current_->id != operation_id) {
        return;
    }
    current_->done = true;
    current_->batch_number.reset();
    current_->commands.clear();
    if (current_->announced) {
        finished_ops_.insert(current_->id);
    }
    answer_connector_if_ready();
}

void channel::on_final_status(std::string_view final_status_json) {
    touch();
    final_status_ = completed_reply(final_status_json);
    if (current_) {
        on_operation_done(current_->id);
    }
    answer_connector_if_ready();
    answer_fetch_if_ready();
}

void channel::on_error(const core::api_error& error) {
    touch();
    if (pending_session_) {
        auto respond = std::move(*pending_session_);
        pending_session_.reset();
        respond(make_error_response(error));
        return;
    }
    if (held_connector_) {
        // The engine refused the answers; its batch still stands and may be answered again.
        if (current_) {
            current_->answered = false;
        }
        // "Retry later" is fatal for the client on connector/json: it goes back to fetch instead,
        // which announces the batch again.
        answer_connector(error.code == core::api_errc::unavailable ? go_back_to_fetch()
                                                                   : make_error_response(error));
        return;
    }
    if (held_fetch_) {
        answer_fetch(make_error_response(error));
    }
}

void channel::release_held() {
    // A pending deliver is left to the engine: it answers the session id once the session is
    // stored, or the error when it is not (a 503 here would orphan a session the client gave up).
    if (held_connector_) {
        answer_connector(go_back_to_fetch()); // the next fetch, against the next process, goes on
    }
    if (held_fetch_) {
        answer_fetch(nothing_yet_response());
    }
}

// ---------------------------------------------------------------- answering

void channel::hold_fetch(http_responder respond) {
    held_fetch_ = std::move(respond);
    if (hooks_.held_fetches != nullptr) {
        hooks_.held_fetches->fetch_add(1, std::memory_order_relaxed);
    }
    const std::uint64_t serial = ++hold_serial_;
    hold_timer_.expires_after(hold_);
    // The channel may be gone when a completion that was already queued runs: `life` tells.
    hold_timer_.async_wait(
        [this, serial, life = std::weak_ptr<int>(life_)](const boost::system::error_code& ec) {
            if (ec || life.expired() || serial != hold_serial_) {
                return;
            }
            answer_fetch(nothing_yet_response());
        });
}

void channel::hold_connector(const std::string& operation_id, http_responder respond) {
    held_connector_ = std::move(respond);
    held_connector_op_ = operation_id;
    const std::uint64_t serial = ++connector_serial_;
    connector_timer_.expires_after(hold_);
    connector_timer_.async_wait(
        [this, serial, life = std::weak_ptr<int>(life_)](const boost::system::error_code& ec) {
            if (ec || life.expired() || serial != connector_serial_) {
                return;
            }
            // The engine still has the answers (they are not taken twice); the client fetches,
            // which names the operation again once its next batch is there.
            answer_connector(go_back_to_fetch());
        });
}

void channel::on_closed() {
    touch();
    closed_ = true;
    // Whatever the operation's state, the client's next fetch (on the channel the session is
    // bound to next) carries on.
    answer_connector(go_back_to_fetch());
    if (held_fetch_) {
        if (final_status_) {
            answer_fetch_if_ready();
        } else {
            answer_fetch(superseded_response());
        }
    }
}

bool channel::answer_fetch_if_ready() {
    if (!held_fetch_) {
        return false;
    }
    if (final_status_) {
        final_fetched_ = true;
        answer_fetch(ok_json(*final_status_));
        return true;
    }
    if (current_ && !current_->done && current_->prompt && !current_->answered) {
        // Named again on every fetch until its operationResult comes: no route (no connector).
        current_->announced = true;
        answer_fetch(ok_json(prompt_reply(current_->id, *current_->prompt)));
        return true;
    }
    if (current_ && !current_->done && current_->batch_number) {
        if (!current_->announced) {
            current_->announced = true;
            if (hooks_.add_route) {
                hooks_.add_route(current_->id); // before the client can learn the id
            }
        }
        // Also when announced before: a client that fetches again has lost its place.
        answer_fetch(ok_json(step_reply(current_->id)));
        return true;
    }
    return false;
}

void channel::answer_fetch(http_response res) {
    if (!held_fetch_) {
        return;
    }
    auto respond = std::move(*held_fetch_);
    held_fetch_.reset();
    ++hold_serial_;
    hold_timer_.cancel();
    if (hooks_.held_fetches != nullptr) {
        hooks_.held_fetches->fetch_sub(1, std::memory_order_relaxed);
    }
    respond(std::move(res));
}

void channel::answer_connector_if_ready() {
    if (!held_connector_) {
        return;
    }
    if (!current_ || current_->id != held_connector_op_ || current_->done) {
        answer_connector(go_back_to_fetch());
        return;
    }
    if (current_->batch_number && !current_->answered) {
        answer_connector(ok_json(commands_reply(current_->commands)));
    }
    // else: the engine has the answers; its next step answers the connector.
}

void channel::answer_connector(http_response res) {
    if (!held_connector_) {
        return;
    }
    auto respond = std::move(*held_connector_);
    held_connector_.reset();
    held_connector_op_.clear();
    ++connector_serial_;
    connector_timer_.cancel();
    respond(std::move(res));
}

} // namespace tsm::transport::touch_point::fidesmo
