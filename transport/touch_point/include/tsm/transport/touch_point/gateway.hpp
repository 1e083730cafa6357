#pragma once
/// The touch-point adapter: binds WebSocket connections to delivery sessions and back.
///  - As the hub's ws_handler (on the connection's shard): decodes each frame with its dialect,
///    checks it against the connection's binding, and hands it to the session service on the
///    session's owner shard (shard_runtime::invoke_on_owner).
///  - As core's touch_point_port (on the session's owner shard): renders the engine's calls in
///    the dialect and hands the frame to the connection's shard through the sink.
/// The connection -> session binding lives here, one table per shard, each touched only by its
/// shard (asserted). The session -> connection binding is the session's own (core).
/// Connection shard indexes are pool shard indexes: the hub gets the pool's contexts in order.
#include "tsm/transport/touch_point/connection_sink.hpp"
#include "tsm/transport/touch_point/dialect.hpp"

#include "tsm/core/ports.hpp"
#include "tsm/core/shard_runtime.hpp"
#include "tsm/transport/ws_hub.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tsm::transport::touch_point {

class connection_table;

class gateway final : public ws_handler, public core::touch_point_port {
public:
    /// `runtime` and `d` outlive the gateway; so must the gateway every closure it posts.
    gateway(core::shard_runtime& runtime, const dialect& d);
    ~gateway() override;
    gateway(const gateway&) = delete;
    gateway& operator=(const gateway&) = delete;

    /// Where frames go; set once before the first connection (the hub needs the gateway first).
    void attach(connection_sink& sink) noexcept { sink_ = &sink; }

    // ws_handler (connection's shard thread)
    void on_open(ws_ref conn, const std::string& remote) override;
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

private:
    void reject(ws_ref conn, std::string message);
    /// For the owner shard: undoes the connection's optimistic binding when it failed.
    std::function<void(bool)> unbind_on_failure(core::connection_ref c, std::string session_id);
    connection_table& table(unsigned shard) { return *tables_[shard]; }

    core::shard_runtime& runtime_;
    const dialect& dialect_;
    connection_sink* sink_ = nullptr;
    std::vector<std::unique_ptr<connection_table>> tables_; ///< one per shard
};

} // namespace tsm::transport::touch_point
