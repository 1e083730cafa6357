#pragma once
/// Ports the session service needs from the outside world. `tools/tsmd` implements them with the
/// transport module; tests implement them in memory.
#include <cstdint>
#include <functional>
#include <string>

namespace tsm::core {

/// A touch-point connection anywhere in the process (shard + process-unique id; 0 = none).
struct connection_ref {
    unsigned shard = 0;
    std::uint64_t id = 0;
    bool valid() const noexcept { return id != 0; }
    friend bool operator==(const connection_ref&, const connection_ref&) = default;
};

/// Sends frames to touch points. Thread-safe; a frame for a vanished connection is dropped.
class touch_point_port {
public:
    virtual ~touch_point_port() = default;
    virtual void send(connection_ref conn, std::string frame) = 0;
    /// Sends queued frames, then closes with `code` (1000 normal, 1001 going away, 4xxx ours).
    virtual void close(connection_ref conn, std::uint16_t code, std::string reason) = 0;
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
    virtual void call(std::string method, std::string url, std::string body,
                      reply_handler done) = 0;
};

} // namespace tsm::core
