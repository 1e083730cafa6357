#pragma once
/// HTTP/1.1 + WebSocket server: one SO_REUSEPORT acceptor per shard, keep-alive connections that
/// stay on the shard that accepted them. Knows nothing of the domain: requests go to a
/// `http_handler`, WebSocket text messages to a `ws_handler`.
#include "tsm/transport/http_types.hpp"
#include "tsm/transport/ws_hub.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace tsm::transport {

struct http_server_options {
    std::size_t max_body_bytes = 1 << 20;          ///< larger bodies get 413
    std::size_t max_header_bytes = 16 * 1024;      ///< larger header blocks get 431
    std::chrono::milliseconds read_timeout{30000}; ///< per request, incl. idle keep-alive
    std::size_t max_connections_per_shard = 50000; ///< beyond: accept then 503 + close
    ws_options ws;
};

/// Handles plain HTTP requests. Called on the connection's shard thread.
class http_handler {
public:
    virtual ~http_handler() = default;
    virtual void on_request(http_request req, http_responder respond) = 0;
};

class http_server {
public:
    /// `contexts[i]` is shard i's io_context; one acceptor is opened on each.
    /// `ws_paths` lists the path patterns (ws_path_matches: `{name}` matches one segment; the
    /// query is not part of the path) on which WebSocket upgrades are accepted; upgrades
    /// elsewhere get 404. `ws` may be null when no path is listed.
    http_server(std::vector<boost::asio::io_context*> contexts, http_server_options opts,
                http_handler& handler, ws_hub* ws, std::vector<std::string> ws_paths);
    ~http_server();

    /// Binds and listens on "host:port" (port 0 picks a free port shared by every shard).
    /// Throws std::system_error on failure (startup only). Returns the bound "host:port".
    std::string listen(const std::string& host_port);
    /// Starts accepting on every shard.
    void start();
    /// Stops accepting; idle keep-alive connections close; in-flight requests finish.
    /// Thread-safe.
    void stop_accepting();
    /// Number of open HTTP connections (all shards). Thread-safe, approximate.
    std::size_t connection_count() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace tsm::transport
