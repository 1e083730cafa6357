#include "tsm/transport/touch_point/gateway.hpp"

#include "connection_table.hpp"

#include "tsm/core/ids.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/session_service.hpp"

#include <stdexcept>

namespace tsm::transport::touch_point {
namespace {

ws_ref to_ws(core::connection_ref r) {
    return {r.shard, r.id};
}

} // namespace

gateway::gateway(core::shard_runtime& runtime, std::vector<const dialect*> dialects)
    : runtime_(runtime), dialects_(std::move(dialects)) {
    if (dialects_.empty() || dialects_.size() > 255) {
        throw std::invalid_argument("a gateway serves 1 to 255 dialects");
    }
    for (std::size_t i = 0; i < dialects_.size(); ++i) {
        for (auto& p : dialects_[i]->paths()) {
            paths_.emplace_back(std::move(p), static_cast<std::uint8_t>(i));
        }
    }
    for (unsigned i = 0; i < runtime_.size(); ++i) {
        tables_.push_back(std::make_unique<connection_table>(i));
    }
}

gateway::~gateway() = default;

std::vector<std::string> gateway::ws_paths() const {
    std::vector<std::string> all;
    all.reserve(paths_.size());
    for (const auto& entry : paths_) {
        all.push_back(entry.first);
    }
    return all;
}

core::connection_ref gateway::to_core(ws_ref r, const dialect& d) const {
    // Every ref made for one connection is equal (core compares them): the flag is the dialect's.
    core::connection_ref c{r.shard, r.id};
    c.runs_every_command = d.runs_every_command();
    return c;
}

core::connection_ref gateway::to_core(ws_ref r, const dialect& d, const message& announcing) const {
    core::connection_ref c = to_core(r, d);
    c.prompts = announcing.prompts;
    return c;
}

// ---------------------------------------------------------------- touch_point_port

template <class Fn>
void gateway::on_connection_shard(core::connection_ref conn, Fn fn) {
    // The gateway lives as long as the shards run, so the closure may hold it.
    runtime_.invoke_on(conn.shard,
                       [this, r = to_ws(conn), fn = std::move(fn)](core::shard_services&) mutable {
                           const auto index = table(r.shard).dialect_of(r.id);
                           if (!index) {
                               return; // the connection is gone: dropped, as the hub would
                           }
                           fn(*dialects_[*index], r);
                       });
}

void gateway::send_commands(core::connection_ref conn, std::uint64_t batch_number,
                            std::string_view operation_id, const core::apdu_batch& batch) {
    on_connection_shard(conn, [this, batch_number, op = std::string(operation_id), batch](const dialect& d,
                                                                                          ws_ref r) {
        send_frame(r, d.commands(batch_number, op, batch));
    });
}

void gateway::send_description(core::connection_ref conn, std::string_view app_id,
                               std::string_view service_id, std::string_view description_json) {
    on_connection_shard(conn, [this, app = std::string(app_id), service = std::string(service_id),
                               desc = std::string(description_json)](const dialect& d, ws_ref r) {
        send_frame(r, d.description(app, service, desc));
    });
}

void gateway::send_session(core::connection_ref conn, std::string_view session_id,
                           std::string_view resume_token) {
    on_connection_shard(conn, [this, sid = std::string(session_id),
                               token = std::string(resume_token)](const dialect& d, ws_ref r) {
        send_frame(r, d.session(sid, token));
    });
}

void gateway::send_resumed(core::connection_ref conn, std::string_view session_id) {
    on_connection_shard(conn, [this, sid = std::string(session_id)](const dialect& d, ws_ref r) {
        send_frame(r, d.resumed(sid));
    });
}

void gateway::send_error(core::connection_ref conn, const core::api_error& error) {
    on_connection_shard(conn, [this, error](const dialect& d, ws_ref r) {
        send_error_frame(r, d, error, d.close_after_error());
    });
}

void gateway::send_final_status(core::connection_ref conn, std::string_view final_status_json) {
    on_connection_shard(conn, [this, status = std::string(final_status_json)](const dialect& d, ws_ref r) {
        send_frame(r, d.final_status(status));
    });
}

void gateway::send_user_interaction(core::connection_ref conn, std::string_view operation_id,
                                    const core::prompt& p) {
    on_connection_shard(conn, [this, op = std::string(operation_id), p](const dialect& d, ws_ref r) {
        send_frame(r, d.user_interaction(op, p));
    });
}

void gateway::close(core::connection_ref conn, std::uint16_t code, std::string reason) {
    on_connection_shard(conn, [this, code, reason = std::move(reason)](const dialect&, ws_ref r) mutable {
        sink_->close(r, code, std::move(reason));
    });
}

// ---------------------------------------------------------------- frames out

void gateway::send_frame(ws_ref conn, std::string frame) {
    if (!frame.empty()) {
        sink_->send(conn, std::move(frame));
    }
}

void gateway::send_error_frame(ws_ref conn, const dialect& d, const core::api_error& error,
                               std::uint16_t close_code) {
    send_frame(conn, d.error(error));
    if (close_code == 0) {
        return; // an answer (v1): the exchange goes on
    }
    sink_->close(conn, close_code, std::string(error.name()));
    // The exchange is over: the connection is forgotten now, so nothing more goes out on it (the
    // session's own final status included) and what it still sends is dropped. Its touch point
    // took the error as the end of the delivery and will not come back for the session: fail it
    // now, as the touch point's CLIENT_ERROR would, not at expiry. Core ignores this when the
    // session no longer exists, has ended or is bound elsewhere.
    const auto session_id = table(conn.shard).close(conn.id);
    if (!session_id) {
        return;
    }
    std::string why = "the server ended the exchange with the touch point because of an error ("
                      + std::string(error.name()) + "): " + error.message;
    runtime_.invoke_on_owner(*session_id, [c = to_core(conn, d), sid = *session_id,
                                           why = std::move(why)](core::shard_services& s) mutable {
        s.sessions->on_client_error(c, sid, std::move(why));
    });
}

void gateway::reject(ws_ref conn, const dialect& d, std::string message) {
    send_error_frame(conn, d, core::make_api_error(core::api_errc::bad_request, std::move(message)),
                     d.close_after_bad_frame());
}

// ---------------------------------------------------------------- ws_handler

void gateway::on_open(ws_ref conn, const std::string&, std::string_view target) {
    const dialect* d = nullptr;
    std::uint8_t index = 0;
    for (const auto& [p, i] : paths_) {
        if (ws_path_matches(p, target)) {
            d = dialects_[i];
            index = i;
            break;
        }
    }
    if (d == nullptr) {
        // The server upgrades only on the dialects' paths; a handler wired to other paths
        // refuses the connection rather than guess its protocol.
        sink_->close(conn, 1008, "no touch-point protocol at this path");
        return;
    }
    table(conn.shard).open(conn.id, index);
    auto opening = d->opening(target);
    if (!opening) {
        send_error_frame(conn, *d, opening.error(), d->close_after_error());
        return;
    }
    if (*opening) {
        handle(conn, *d, std::move(**opening));
    }
}

void gateway::on_close(ws_ref conn) {
    connection_table& connections = table(conn.shard);
    const auto index = connections.dialect_of(conn.id);
    auto session_id = connections.close(conn.id);
    if (!index || !session_id) {
        return;
    }
    runtime_.invoke_on_owner(*session_id,
                             [c = to_core(conn, *dialects_[*index]), sid = *session_id](
                                 core::shard_services& s) { s.sessions->on_disconnect(c, sid); });
}

std::function<void(bool)> gateway::unbind_on_failure(core::connection_ref c, std::string session_id) {
    // Runs on the owner shard; the binding belongs to the connection's shard. The gateway lives
    // as long as the shards run, so the closure may hold it.
    return [this, c, session_id = std::move(session_id)](bool ok) {
        if (ok) {
            return;
        }
        runtime_.invoke_on(c.shard, [this, c, session_id](core::shard_services&) {
            table(c.shard).unbind_if(c.id, session_id);
        });
    };
}

void gateway::on_message(ws_ref conn, std::string text) {
    const auto index = table(conn.shard).dialect_of(conn.id);
    if (!index) {
        return;
    }
    const dialect& d = *dialects_[*index];
    auto decoded = d.decode(text);
    core::wipe(text); // it may carry user input (deliver's or user-input's fields)
    if (!decoded) {
        send_error_frame(conn, d, decoded.error(), d.close_after_bad_frame());
        return;
    }
    handle(conn, d, std::move(*decoded));
}

void gateway::deliver(ws_ref conn, const dialect& d, message& msg) {
    const core::connection_ref c = to_core(conn, d, msg);
    std::string session_id = core::new_time_ordered_uuid();
    // Bound at once so the frames that follow are attributed; undone when no session is made.
    table(conn.shard).bind(conn.id, session_id);
    core::delivery_request req;
    req.app_id = std::move(msg.app_id);
    req.service_id = std::move(msg.service_id);
    req.iin = std::move(msg.iin);
    req.cin = std::move(msg.cin);
    req.platform_version = msg.platform_version;
    req.fields_json = std::move(msg.fields_json);
    req.ephemeral_key = std::move(msg.ephemeral_key);
    req.device_from_registry = msg.device_from_registry;
    if (msg.session_id_as_token) {
        req.resume_token = session_id;
    }
    runtime_.invoke_on_owner(session_id, [c, session_id, req = std::move(req),
                                          bound_cb = unbind_on_failure(c, session_id)](
                                             core::shard_services& s) mutable {
        s.sessions->start_delivery(c, session_id, std::move(req), std::move(bound_cb));
    });
}

void gateway::handle(ws_ref conn, const dialect& d, message msg) {
    connection_table& connections = table(conn.shard);
    const core::connection_ref c = to_core(conn, d);
    std::optional<std::string> bound = connections.session_of(conn.id);
    using kind = message::kind;
    switch (msg.type) {
    case kind::describe:
        // Stateless: served by this shard.
        runtime_.local().sessions->describe(c, std::move(msg.app_id), std::move(msg.service_id));
        return;
    case kind::deliver:
        if (bound) {
            reject(conn, d, "this connection already carries a session");
            return;
        }
        deliver(conn, d, msg);
        return;
    case kind::responses: {
        if (!bound) {
            reject(conn, d, "no session on this connection (deliver or resume first)");
            return;
        }
        const unsigned owner = runtime_.owner_of(*bound); // before the id moves into the closure
        runtime_.invoke_on(owner, [c, session_id = std::move(*bound), batch = msg.batch,
                                   responses = std::move(msg.responses)](core::shard_services& s) mutable {
            s.sessions->on_responses(c, session_id, batch, std::move(responses));
        });
        return;
    }
    case kind::resume: {
        if (bound) {
            reject(conn, d, "this connection already carries a session");
            return;
        }
        // Bind optimistically so frames sent right after the resume are attributed; undone on failure.
        std::string session_id = msg.session_id;
        connections.bind(conn.id, session_id);
        runtime_.invoke_on_owner(session_id, [c = to_core(conn, d, msg), session_id, token = std::move(msg.resume_token),
                                              bound_cb = unbind_on_failure(c, session_id)](
                                                 core::shard_services& s) mutable {
            s.sessions->resume(c, session_id, std::move(token), std::move(bound_cb));
        });
        return;
    }
    case kind::user_input: {
        if (!bound) {
            core::wipe(msg.fields_json);
            reject(conn, d, "no session on this connection (deliver or resume first)");
            return;
        }
        core::user_input input{std::move(msg.fields_json), std::move(msg.ephemeral_key), msg.declined};
        const unsigned owner = runtime_.owner_of(*bound);
        runtime_.invoke_on(owner, [c, session_id = std::move(*bound), op = std::move(msg.operation_id),
                                   input = std::move(input)](core::shard_services& s) mutable {
            s.sessions->on_user_input(c, session_id, op, std::move(input));
        });
        return;
    }
    case kind::client_error: {
        if (!bound) {
            reject(conn, d, "no session on this connection");
            return;
        }
        const unsigned owner = runtime_.owner_of(*bound);
        runtime_.invoke_on(owner, [c, session_id = std::move(*bound),
                                   m = std::move(msg.abort_message)](core::shard_services& s) mutable {
            s.sessions->on_client_error(c, session_id, std::move(m));
        });
        return;
    }
    }
}

} // namespace tsm::transport::touch_point
