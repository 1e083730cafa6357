#include "tsm/transport/touch_point/gateway.hpp"

#include "connection_table.hpp"

#include "tsm/core/ids.hpp"
#include "tsm/core/session_service.hpp"

namespace tsm::transport::touch_point {
namespace {

core::connection_ref to_core(ws_ref r) {
    return {r.shard, r.id};
}

ws_ref to_ws(core::connection_ref r) {
    return {r.shard, r.id};
}

} // namespace

gateway::gateway(core::shard_runtime& runtime, const dialect& d) : runtime_(runtime), dialect_(d) {
    for (unsigned i = 0; i < runtime_.size(); ++i) {
        tables_.push_back(std::make_unique<connection_table>(i));
    }
}

gateway::~gateway() = default;

// ---------------------------------------------------------------- touch_point_port

void gateway::send_commands(core::connection_ref conn, std::uint64_t batch_number,
                            std::string_view operation_id, const core::apdu_batch& batch) {
    sink_->send(to_ws(conn), dialect_.commands(batch_number, operation_id, batch));
}

void gateway::send_description(core::connection_ref conn, std::string_view app_id,
                               std::string_view service_id, std::string_view description_json) {
    sink_->send(to_ws(conn), dialect_.description(app_id, service_id, description_json));
}

void gateway::send_session(core::connection_ref conn, std::string_view session_id,
                           std::string_view resume_token) {
    sink_->send(to_ws(conn), dialect_.session(session_id, resume_token));
}

void gateway::send_resumed(core::connection_ref conn, std::string_view session_id) {
    sink_->send(to_ws(conn), dialect_.resumed(session_id));
}

void gateway::send_error(core::connection_ref conn, const core::api_error& error) {
    sink_->send(to_ws(conn), dialect_.error(error));
}

void gateway::send_final_status(core::connection_ref conn, std::string_view final_status_json) {
    sink_->send(to_ws(conn), dialect_.final_status(final_status_json));
}

void gateway::close(core::connection_ref conn, std::uint16_t code, std::string reason) {
    sink_->close(to_ws(conn), code, std::move(reason));
}

// ---------------------------------------------------------------- ws_handler

void gateway::on_open(ws_ref conn, const std::string&) {
    table(conn.shard).open(conn.id);
}

void gateway::on_close(ws_ref conn) {
    auto session_id = table(conn.shard).close(conn.id);
    if (!session_id) {
        return;
    }
    runtime_.invoke_on_owner(*session_id, [c = to_core(conn), sid = *session_id](core::shard_services& s) {
        s.sessions->on_disconnect(c, sid);
    });
}

void gateway::reject(ws_ref conn, std::string message) {
    sink_->send(conn, dialect_.error(core::make_api_error(core::api_errc::bad_request, std::move(message))));
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
    connection_table& connections = table(conn.shard);
    if (!connections.known(conn.id)) {
        return;
    }
    auto decoded = dialect_.decode(text);
    if (!decoded) {
        sink_->send(conn, dialect_.error(decoded.error()));
        return;
    }
    message& msg = *decoded;
    const core::connection_ref c = to_core(conn);
    std::optional<std::string> bound = connections.session_of(conn.id);
    using kind = message::kind;
    switch (msg.type) {
    case kind::describe:
        // Stateless: served by this shard.
        runtime_.local().sessions->describe(c, std::move(msg.app_id), std::move(msg.service_id));
        return;
    case kind::deliver: {
        if (bound) {
            reject(conn, "this connection already carries a session");
            return;
        }
        std::string session_id = core::new_time_ordered_uuid();
        // Bound at once so the frames that follow are attributed; undone when no session is made.
        connections.bind(conn.id, session_id);
        core::delivery_request req;
        req.app_id = std::move(msg.app_id);
        req.service_id = std::move(msg.service_id);
        req.iin = std::move(msg.iin);
        req.cin = std::move(msg.cin);
        req.platform_version = msg.platform_version;
        req.fields_json = std::move(msg.fields_json);
        runtime_.invoke_on_owner(session_id, [c, session_id, req = std::move(req),
                                              bound_cb = unbind_on_failure(c, session_id)](
                                                 core::shard_services& s) mutable {
            s.sessions->start_delivery(c, session_id, std::move(req), std::move(bound_cb));
        });
        return;
    }
    case kind::responses: {
        if (!bound) {
            reject(conn, "no session on this connection (deliver or resume first)");
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
            reject(conn, "this connection already carries a session");
            return;
        }
        // Bind optimistically so frames sent right after the resume are attributed; undone on failure.
        std::string session_id = msg.session_id;
        connections.bind(conn.id, session_id);
        runtime_.invoke_on_owner(session_id, [c, session_id, token = std::move(msg.resume_token),
                                              bound_cb = unbind_on_failure(c, session_id)](
                                                 core::shard_services& s) mutable {
            s.sessions->resume(c, session_id, std::move(token), std::move(bound_cb));
        });
        return;
    }
    case kind::client_error: {
        if (!bound) {
            reject(conn, "no session on this connection");
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
