#pragma once
/// Ports the session service needs from the outside world. The transport adapters implement them
/// (touch_point_port: transport/touch_point; sp_port: transport's http_sp_port); tests implement
/// them in memory.
#include "tsm/core/api_error.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace tsm::core {

struct apdu_batch; // operation.hpp
struct prompt;     // operation.hpp

/// A touch-point connection anywhere in the process (shard + process-unique id; 0 = none).
/// `via` names the transport adapter that carries it (a WebSocket, a long-poll channel); core
/// only passes it back. `runs_every_command`: the touch point's protocol has no stopOnError (the
/// Fidesmo dialects), so core hands it stop-on-error batches in parts (apdu_batch::continue_points).
/// `prompts`: the touch point can ask its user (user-interaction and user-action steps: v1 clients
/// that announce the "user-interaction" feature, the Fidesmo long poll); operations that need
/// the user fail at once on others. Equality is identity (shard, id, via): the flags describe
/// the connection, and a ref made for a later frame of the same connection may not carry them.
struct connection_ref {
    unsigned shard = 0;
    std::uint64_t id = 0;
    std::uint8_t via = 0;
    bool runs_every_command = false;
    bool prompts = false;
    bool valid() const noexcept { return id != 0; }
    friend bool operator==(const connection_ref& a, const connection_ref& b) noexcept {
        return a.shard == b.shard && a.id == b.id && a.via == b.via;
    }
};

/// What the session engine tells a touch point, in protocol terms: the adapter
/// (transport/touch_point) renders each call in the connection's dialect, so core renders no
/// touch-point wire format. Thread-safe (called on the session's owner shard; the adapter hands
/// the frame to the connection's shard); a call for a vanished connection is dropped.
class touch_point_port {
public:
    virtual ~touch_point_port() = default;

    /// The batch of APDUs the touch point must run now, numbered within its session.
    virtual void send_commands(connection_ref conn, std::uint64_t batch_number, std::string_view operation_id,
                               const apdu_batch& batch) = 0;
    /// The SP's description of a service (one JSON object, relayed verbatim).
    virtual void send_description(connection_ref conn, std::string_view app_id, std::string_view service_id,
                                  std::string_view description_json) = 0;
    /// The delivery session now exists; `resume_token` is its only credential.
    virtual void send_session(connection_ref conn, std::string_view session_id,
                              std::string_view resume_token) = 0;
    /// The session is bound to this connection again.
    virtual void send_resumed(connection_ref conn, std::string_view session_id) = 0;
    /// A refused request; the connection stays open.
    virtual void send_error(connection_ref conn, const api_error& error) = 0;
    /// The session's final status as persisted (session_record::final_status_json, rendered by
    /// core::frames::status because it is stored and sent again on a later resume).
    virtual void send_final_status(connection_ref conn, std::string_view final_status_json) = 0;
    /// Sends queued frames, then closes with `code` (1000 normal, 1001 going away, 4xxx ours).
    virtual void close(connection_ref conn, std::uint16_t code, std::string reason) = 0;
    /// An operation that handed this touch point at least one batch has its outcome: its next
    /// batches will not come (the next operation's, or the final status, follow). Dialects that
    /// exchange APDUs per operation (the Fidesmo connector) end the operation's exchange here.
    virtual void send_operation_done(connection_ref conn, std::string_view operation_id) {
        (void)conn;
        (void)operation_id;
    }
    /// Operation `operation_id` asks the user (fields to fill in, or actions to acknowledge); the
    /// answer comes back as session_service::on_user_input. Called only for connections with
    /// `prompts`; adapters without such a step keep the default (nothing is sent).
    virtual void send_user_interaction(connection_ref conn, std::string_view operation_id, const prompt& p) {
        (void)conn;
        (void)operation_id;
        (void)p;
    }
};

/// Result of an HTTP call to the SP. status 0 = transport failure (see `error`).
struct sp_reply {
    int status = 0;
    std::string body;
    std::string error;
};

/// Calls to Service Providers. One per shard; callbacks run on the calling shard.
class sp_port {
public:
    using reply_handler = std::function<void(sp_reply)>;
    virtual ~sp_port() = default;
    virtual void call(std::string method, std::string url, std::string body, reply_handler done) = 0;
};

} // namespace tsm::core
