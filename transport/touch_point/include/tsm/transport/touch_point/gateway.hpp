#pragma once
/// The touch-point adapter: binds WebSocket connections to delivery sessions and back, for every
/// dialect it serves (protocol v1, the Fidesmo WebSocket dialect).
///  - As the hub's ws_handler (on the connection's shard): picks the connection's dialect from
///    the upgrade's target at open (and acts on what the target itself asks, see
///    dialect::opening), decodes each frame with that dialect, checks it against the connection's
///    binding, and hands it to the session service on the session's owner shard
///    (shard_runtime::invoke_on_owner).
///  - As core's touch_point_port (called on the session's owner shard): hands each call to the
///    connection's shard, where the connection's dialect is known; it is rendered there and goes
///    out through the sink. Every call for one connection takes that same route, so frames and
///    closes keep the order the session produced them in.
/// The connection -> (dialect, session) binding lives here, one table per shard, each touched
/// only by its shard (asserted). The session -> connection binding is the session's own (core).
/// Connection shard indexes are pool shard indexes: the hub gets the pool's contexts in order.
#include "tsm/transport/touch_point/connection_sink.hpp"
#include "tsm/transport/touch_point/dialect.hpp"

#include "tsm/core/ports.hpp"
#include "tsm/core/shard_runtime.hpp"
#include "tsm/transport/ws_hub.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tsm::transport::touch_point {

class connection_table;

class gateway final : public ws_handler, public core::touch_point_port {
public:
    /// `runtime` and every dialect outlive the gateway; so must the gateway every closure it
    /// posts. A connection speaks the first dialect one of whose paths its target matches.
    gateway(core::shard_runtime& runtime, std::vector<const dialect*> dialects);
    /// One dialect only.
    gateway(core::shard_runtime& runtime, const dialect& d)
        : gateway(runtime, std::vector<const dialect*>{&d}) {}
    ~gateway() override;
    gateway(const gateway&) = delete;
    gateway& operator=(const gateway&) = delete;

    /// Where frames go; set once before the first connection (the hub needs the gateway first).
    void attach(connection_sink& sink) noexcept { sink_ = &sink; }
    /// Every dialect's path patterns: the WebSocket paths the HTTP server must accept.
    std::vector<std::string> ws_paths() const;

    // ws_handler (connection's shard thread)
    void on_open(ws_ref conn, const std::string& remote, std::string_view target) override;
    void on_message(ws_ref conn, std::string text) override;
    void on_close(ws_ref conn) override;

    // touch_point_port (any shard)
    void send_commands(core::connection_ref conn, std::uint64_t batch_number, std::string_view operation_id,
                       const core::apdu_batch& batch) override;
    void send_description(core::connection_ref conn, std::string_view app_id, std::string_view service_id,
                          std::string_view description_json) override;
    void send_session(core::connection_ref conn, std::string_view session_id,
                      std::string_view resume_token) override;
    void send_resumed(core::connection_ref conn, std::string_view session_id) override;
    void send_error(core::connection_ref conn, const core::api_error& error) override;
    void send_final_status(core::connection_ref conn, std::string_view final_status_json) override;
    void close(core::connection_ref conn, std::uint16_t code, std::string reason) override;
    void send_user_interaction(core::connection_ref conn, std::string_view operation_id,
                               const core::prompt& p) override;

private:
    /// Acts on one message of a connection speaking `d` (a decoded frame or the opening).
    void handle(ws_ref conn, const dialect& d, message msg);
    void deliver(ws_ref conn, const dialect& d, message& msg);
    /// Sends `d`'s error frame, then closes when the dialect ends the exchange on errors; the
    /// session such a connection carries is then failed as on CLIENT_ERROR (on its owner shard).
    void send_error_frame(ws_ref conn, const dialect& d, const core::api_error& error,
                          std::uint16_t close_code);
    void reject(ws_ref conn, const dialect& d, std::string message);
    /// Sends a rendered frame; an empty one is a frame the dialect does not have.
    void send_frame(ws_ref conn, std::string frame);
    /// Runs `fn(dialect, ws_ref)` on the connection's shard when the connection is still open
    /// (defined and used in gateway.cpp only).
    template <class Fn>
    void on_connection_shard(core::connection_ref conn, Fn fn);
    /// For the owner shard: undoes the connection's optimistic binding when it failed.
    std::function<void(bool)> unbind_on_failure(core::connection_ref c, std::string session_id);
    connection_table& table(unsigned shard) { return *tables_[shard]; }
    core::connection_ref to_core(ws_ref r, const dialect& d) const;
    /// For deliver and resume: the ref the session keeps, with what the touch point announced.
    core::connection_ref to_core(ws_ref r, const dialect& d, const message& announcing) const;

    core::shard_runtime& runtime_;
    std::vector<const dialect*> dialects_;
    /// Every dialect's path patterns with the dialect's index, in dialect order (read at open).
    std::vector<std::pair<std::string, std::uint8_t>> paths_;
    connection_sink* sink_ = nullptr;
    std::vector<std::unique_ptr<connection_table>> tables_; ///< one per shard
};

} // namespace tsm::transport::touch_point
