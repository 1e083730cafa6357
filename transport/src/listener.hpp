#pragma once
/// Per-shard server plumbing: the state every connection of one shard shares (`server_shard`)
/// and the SO_REUSEPORT acceptor that feeds it (`listener`). Everything here is owned by, and
/// only touched on, the shard's thread, except the atomics noted below.
#include "tsm/transport/http_server.hpp"
#include "tsm/transport/ws_hub.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace tsm::transport {

class http_connection;

/// Lets a shard find its HTTP connections (to close idle ones on stop_accepting) without a map:
/// a member of http_connection that unlinks itself when the connection is destroyed.
struct http_connection_node
    : boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
    http_connection* owner = nullptr;
};

/// What every connection on shard `index` shares. Held by shared_ptr so that connections still
/// alive after the http_server is gone never dangle.
struct server_shard {
    server_shard(unsigned index_, boost::asio::io_context& ctx_, http_server_options opts_,
                 http_handler& handler_, ws_hub* hub_, std::vector<std::string> ws_paths_)
        : index(index_), ctx(ctx_), opts(std::move(opts_)), handler(handler_), hub(hub_),
          ws_paths(std::move(ws_paths_)) {}

    const unsigned index;
    boost::asio::io_context& ctx;
    // Copies, not references: connections may outlive the http_server that created them.
    const http_server_options opts;
    http_handler& handler;
    ws_hub* const hub;
    const std::vector<std::string> ws_paths;

    std::atomic<std::size_t> http_open{0}; ///< HTTP connections; read by any thread
    std::size_t open = 0;                  ///< sockets (HTTP or WebSocket) counted against the shard limit
    bool stopping = false;                 ///< stop_accepting() ran: finish in-flight requests, then close
    boost::intrusive::list<http_connection_node, boost::intrusive::constant_time_size<false>> http_conns;

    /// Whether `target` (path and query) matches one of `ws_paths` (patterns: ws_path_matches).
    bool is_ws_path(std::string_view target) const;
};

/// Holds one unit of `server_shard::open` and gives it back on destruction. Moves from the
/// HTTP connection to the WebSocket connection on upgrade, so the shard limit covers both.
class connection_slot {
public:
    connection_slot() = default;
    explicit connection_slot(std::shared_ptr<server_shard> shard) : shard_(std::move(shard)) {
        ++shard_->open;
    }
    connection_slot(connection_slot&&) noexcept = default;
    connection_slot& operator=(connection_slot&& other) noexcept {
        release();
        shard_ = std::move(other.shard_);
        return *this;
    }
    connection_slot(const connection_slot&) = delete;
    connection_slot& operator=(const connection_slot&) = delete;
    ~connection_slot() { release(); }

private:
    void release() noexcept {
        if (shard_) {
            --shard_->open;
            shard_.reset();
        }
    }
    std::shared_ptr<server_shard> shard_;
};

/// One acceptor bound with SO_REUSEPORT, accepting on (and only on) its shard's io_context.
class listener : public std::enable_shared_from_this<listener> {
public:
    listener(std::shared_ptr<server_shard> shard, boost::asio::ip::tcp::acceptor acceptor);

    /// Starts the accept loop. Call on the shard's thread.
    void start();
    /// Closes the acceptor; the pending accept completes with operation_aborted. Shard thread.
    void stop();

private:
    void do_accept();
    void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

    std::shared_ptr<server_shard> shard_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer backoff_;
};

} // namespace tsm::transport
