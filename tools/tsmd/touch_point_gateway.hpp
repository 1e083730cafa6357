#pragma once
/// Touch-point protocol v1 over WebSocket: decodes each frame, checks its shape, and hands it to
/// the session service on the session's owner shard. Also the `touch_point_port` through which
/// sessions reach connections on any shard.
#include "shard_context.hpp"

#include "tsm/core/ports.hpp"
#include "tsm/transport/json_codec.hpp"
#include "tsm/transport/ws_hub.hpp"

#include <string>
#include <unordered_map>
#include <vector>

namespace tsm::tsmd {

class touch_point_gateway final : public transport::ws_handler, public core::touch_point_port {
public:
    touch_point_gateway(std::vector<shard_context*> shards, transport::json_limits limits);
    void attach(transport::ws_hub& hub) { hub_ = &hub; }

    // ws_handler (connection's shard thread)
    void on_open(transport::ws_ref conn, const std::string& remote) override;
    void on_message(transport::ws_ref conn, std::string text) override;
    void on_close(transport::ws_ref conn) override;

    // touch_point_port (any thread)
    void send(core::connection_ref conn, std::string frame) override;
    void close(core::connection_ref conn, std::uint16_t code, std::string reason) override;

private:
    struct connection_state {
        std::string session_id; ///< bound session, empty until deliver/resume
    };
    using connection_map = std::unordered_map<std::uint64_t, connection_state>;

    void error(transport::ws_ref conn, std::string_view code, std::string_view message);
    connection_state* state(transport::ws_ref conn);
    /// A callback for the owner shard that clears the connection's binding when it failed.
    std::function<void(bool)> unbind_on_failure(core::connection_ref c, std::string session_id);
    void post_to_owner(const std::string& session_id, std::function<void(core::session_service&)> fn);

    std::vector<shard_context*> shards_;
    std::vector<connection_map> connections_; ///< one map per shard, touched only by that shard
    transport::json_limits limits_;
    transport::ws_hub* hub_ = nullptr;
};

} // namespace tsm::tsmd
