#include "touch_point_gateway.hpp"

#include "tsm/core/ids.hpp"
#include "tsm/core/touch_point_frames.hpp"

#include <boost/asio/post.hpp>

namespace tsm::tsmd {
namespace {

core::connection_ref to_core(transport::ws_ref r) {
    return {r.shard, r.id};
}

transport::ws_ref to_ws(core::connection_ref r) {
    return {r.shard, r.id};
}

bool valid_id(std::string_view s) {
    if (s.empty() || s.size() > 128) {
        return false;
    }
    for (char c : s) {
        const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || c == '-' || c == '_' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

} // namespace

touch_point_gateway::touch_point_gateway(std::vector<shard_context*> shards,
                                         transport::json_limits limits)
    : shards_(std::move(shards)), connections_(shards_.size()), limits_(limits) {}

void touch_point_gateway::send(core::connection_ref conn, std::string frame) {
    hub_->send(to_ws(conn), std::move(frame));
}

void touch_point_gateway::close(core::connection_ref conn, std::uint16_t code, std::string reason) {
    hub_->close(to_ws(conn), code, std::move(reason));
}

void touch_point_gateway::on_open(transport::ws_ref conn, const std::string&) {
    connections_[conn.shard].emplace(conn.id, connection_state{});
}

void touch_point_gateway::on_close(transport::ws_ref conn) {
    auto& map = connections_[conn.shard];
    auto it = map.find(conn.id);
    if (it == map.end()) {
        return;
    }
    std::string session_id = std::move(it->second.session_id);
    map.erase(it);
    if (!session_id.empty()) {
        post_to_owner(session_id, [c = to_core(conn), session_id](core::session_service& s) {
            s.on_disconnect(c, session_id);
        });
    }
}

touch_point_gateway::connection_state* touch_point_gateway::state(transport::ws_ref conn) {
    auto& map = connections_[conn.shard];
    auto it = map.find(conn.id);
    return it == map.end() ? nullptr : &it->second;
}

void touch_point_gateway::error(transport::ws_ref conn, std::string_view code,
                                std::string_view message) {
    hub_->send(conn, core::frames::error(code, message));
}

std::function<void(bool)> touch_point_gateway::unbind_on_failure(core::connection_ref c,
                                                                 std::string session_id) {
    return [this, c, session_id = std::move(session_id)](bool ok) {
        if (ok) {
            return;
        }
        // Runs on the owner shard; the connection map belongs to the connection's shard.
        boost::asio::post(*shards_[c.shard]->ioc, [this, c, session_id] {
            auto& map = connections_[c.shard];
            auto it = map.find(c.id);
            if (it != map.end() && it->second.session_id == session_id) {
                it->second.session_id.clear();
            }
        });
    };
}

void touch_point_gateway::post_to_owner(const std::string& session_id,
                                        std::function<void(core::session_service&)> fn) {
    shard_context* owner =
        shards_[core::owner_shard(session_id, static_cast<unsigned>(shards_.size()))];
    boost::asio::post(*owner->ioc, [owner, fn = std::move(fn)] { fn(*owner->sessions); });
}

void touch_point_gateway::on_message(transport::ws_ref conn, std::string text) {
    connection_state* st = state(conn);
    if (st == nullptr) {
        return;
    }
    transport::touch_point_message msg;
    if (auto err = transport::decode_touch_point_message(text, limits_, msg); !err.empty()) {
        error(conn, "bad-request", err);
        return;
    }
    using kind = transport::touch_point_message::kind;
    const core::connection_ref c = to_core(conn);
    switch (msg.type) {
    case kind::describe: {
        if (!valid_id(msg.app_id) || !valid_id(msg.service_id)) {
            error(conn, "bad-request", "describe needs appId and serviceId");
            return;
        }
        // Stateless: served by this shard.
        shards_[conn.shard]->sessions->describe(c, std::move(msg.app_id), std::move(msg.service_id));
        return;
    }
    case kind::deliver: {
        if (!st->session_id.empty()) {
            error(conn, "bad-request", "this connection already carries a session");
            return;
        }
        if (!valid_id(msg.app_id) || !valid_id(msg.service_id)) {
            error(conn, "bad-request", "deliver needs appId and serviceId");
            return;
        }
        if (!core::is_hex(msg.cin) || (!msg.iin.empty() && !core::is_hex(msg.iin))) {
            error(conn, "bad-request", "cardId.cin (and cardId.iin when given) must be hex");
            return;
        }
        std::string session_id = core::new_time_ordered_uuid();
        st->session_id = session_id;
        core::delivery_request req{std::move(msg.app_id), std::move(msg.service_id),
                                   std::move(msg.iin),    std::move(msg.cin),
                                   msg.platform_version,  std::move(msg.fields_json)};
        post_to_owner(session_id, [this, c, session_id, req = std::move(req)](core::session_service& s) mutable {
            s.start_delivery(c, session_id, std::move(req), unbind_on_failure(c, session_id));
        });
        return;
    }
    case kind::responses: {
        if (st->session_id.empty()) {
            error(conn, "bad-request", "no session on this connection (deliver or resume first)");
            return;
        }
        std::string session_id = st->session_id;
        post_to_owner(session_id, [c, session_id, batch = msg.batch,
                                   responses = std::move(msg.responses)](core::session_service& s) mutable {
            s.on_responses(c, session_id, batch, std::move(responses));
        });
        return;
    }
    case kind::resume: {
        if (!st->session_id.empty()) {
            error(conn, "bad-request", "this connection already carries a session");
            return;
        }
        if (!core::is_uuid(msg.session_id) || msg.resume_token.empty()) {
            error(conn, "bad-request", "resume needs sessionId (a UUID) and resumeToken");
            return;
        }
        // Bind optimistically so frames sent right after the resume are attributed; undone on failure.
        std::string session_id = msg.session_id;
        st->session_id = session_id;
        post_to_owner(session_id, [this, c, session_id,
                                   token = std::move(msg.resume_token)](core::session_service& s) mutable {
            s.resume(c, session_id, std::move(token), unbind_on_failure(c, session_id));
        });
        return;
    }
    case kind::status: {
        if (msg.code != "CLIENT_ERROR") {
            error(conn, "bad-request", "touch points send status only with code CLIENT_ERROR");
            return;
        }
        if (st->session_id.empty()) {
            error(conn, "bad-request", "no session on this connection");
            return;
        }
        std::string session_id = st->session_id;
        post_to_owner(session_id, [c, session_id, m = std::move(msg.message)](core::session_service& s) mutable {
            s.on_client_error(c, session_id, std::move(m));
        });
        return;
    }
    case kind::unknown:
        error(conn, "bad-request", "unknown message type '" + msg.type_name + "'");
        return;
    }
}

} // namespace tsm::tsmd
