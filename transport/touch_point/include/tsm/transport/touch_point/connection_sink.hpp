#pragma once
/// Where the gateway's frames go: the WebSocket hub in the server (ws_hub_sink), a recorder in
/// tests. Thread-safe: called from any shard; delivery happens on the connection's shard.
#include "tsm/transport/ws_hub.hpp"

#include <cstdint>
#include <string>

namespace tsm::transport::touch_point {

class connection_sink {
public:
    virtual ~connection_sink() = default;
    /// Queues a text frame; dropped when the connection is gone.
    virtual void send(ws_ref conn, std::string frame) = 0;
    /// Sends what is queued, then closes with `code`.
    virtual void close(ws_ref conn, std::uint16_t code, std::string reason) = 0;
};

/// The hub as a sink.
class ws_hub_sink final : public connection_sink {
public:
    explicit ws_hub_sink(ws_hub& hub) noexcept : hub_(hub) {}
    void send(ws_ref conn, std::string frame) override { hub_.send(conn, std::move(frame)); }
    void close(ws_ref conn, std::uint16_t code, std::string reason) override {
        hub_.close(conn, code, std::move(reason));
    }

private:
    ws_hub& hub_;
};

} // namespace tsm::transport::touch_point
