#pragma once
/// A small HTTP/1.1 server for the tools: one io_context on one background thread, keep-alive
/// connections served by coroutines. The handler runs on that thread, so it must not block;
/// long work goes to the caller's own threads. Also used as the fake peer in the tools tests.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tsm::tools {

struct http_request_in {
    std::string method; ///< "GET", "PUT", ...
    std::string target; ///< path and query, as sent
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    /// First header named `name` (case-insensitive), or empty.
    std::string header(std::string_view name) const;
};

struct http_reply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
};

using http_handler = std::function<http_reply(const http_request_in&)>;

class http_listener {
public:
    http_listener();
    ~http_listener(); ///< calls stop()
    http_listener(const http_listener&) = delete;
    http_listener& operator=(const http_listener&) = delete;

    /// Binds `host:port` (port 0: any free port) and starts serving. False with `error` set when
    /// the address cannot be bound.
    bool start(const std::string& host, std::uint16_t port, http_handler handler, std::string& error);
    /// The bound port (after a successful start).
    std::uint16_t port() const;
    /// Stops accepting, drops open connections and joins the thread. Idempotent.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace tsm::tools
