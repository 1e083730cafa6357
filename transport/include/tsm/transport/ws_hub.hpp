#pragma once
/// WebSocket connections across shards. A connection lives on the shard that accepted it; anyone
/// may address it by `ws_ref` from any thread: the hub posts to the owning shard and drops the
/// message if the connection has gone.
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::transport {

struct ws_options {
    std::size_t max_message_bytes = 64 * 1024; ///< larger frames: close 1009
    std::chrono::seconds idle_timeout{60};     ///< no traffic (pings included): close
    bool keep_alive_pings = true;              ///< server pings at idle_timeout/2
    std::size_t max_queued_messages = 64;      ///< outbound; beyond: close 1008 (slow reader)
};

/// Addresses one WebSocket connection anywhere in the process.
struct ws_ref {
    unsigned shard = 0;
    std::uint64_t id = 0; ///< unique within the process, never reused; 0 = none
    bool valid() const noexcept { return id != 0; }
    friend bool operator==(const ws_ref&, const ws_ref&) = default;
};

/// True when the path of `target` (a request target; its query is ignored) matches `pattern`:
/// the same number of '/'-separated segments, each equal, except that a pattern segment written
/// `{name}` matches any one non-empty segment ("/ws/apps/{appId}" matches "/ws/apps/A1?x=1").
bool ws_path_matches(std::string_view pattern, std::string_view target) noexcept;

/// Receives WebSocket events. Called on the connection's shard thread.
class ws_handler {
public:
    virtual ~ws_handler() = default;
    /// `target` is the upgrade request's target (path and query, as sent); it is valid for the
    /// call only.
    virtual void on_open(ws_ref conn, const std::string& remote, std::string_view target) = 0;
    /// One complete text message. Binary messages are answered by the hub with close 1003.
    virtual void on_message(ws_ref conn, std::string text) = 0;
    /// The connection is gone (closed by either side or failed). No further events.
    virtual void on_close(ws_ref conn) = 0;
};

class ws_hub {
public:
    ws_hub(std::vector<boost::asio::io_context*> contexts, ws_handler& handler);
    ~ws_hub();

    /// Queues a text message. Thread-safe; no-op if the connection is gone.
    void send(ws_ref conn, std::string text);
    /// Sends the queued messages, then a close frame with `code` and `reason`. Thread-safe.
    void close(ws_ref conn, std::uint16_t code, std::string reason);
    /// Closes every connection with `code` (e.g. 1001 going away). Thread-safe.
    void close_all(std::uint16_t code, std::string reason);
    /// Open connections (all shards). Thread-safe, approximate.
    std::size_t connection_count() const noexcept;

    ws_handler& handler() noexcept { return handler_; }

    // Used by http_server to adopt upgraded connections; not part of the public surface.
    struct shard_state;
    shard_state& shard(unsigned i);

private:
    ws_handler& handler_;
    std::vector<boost::asio::io_context*> contexts_;
    std::vector<std::unique_ptr<shard_state>> shards_;
};

} // namespace tsm::transport
