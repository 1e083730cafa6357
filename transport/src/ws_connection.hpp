#pragma once
/// One upgraded WebSocket connection, owned by the shard that accepted it. Reads text messages
/// into the hub's handler and writes an outbound queue one frame at a time. Registered in its
/// shard's `ws_hub::shard_state` from the handshake until the end, so the hub can find it by id.
#include "listener.hpp"

#include "tsm/transport/ws_hub.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace tsm::transport {

class ws_connection;

/// The part of the hub that lives on one shard. Only touched on that shard's thread, except
/// `open`, which connection_count() reads from anywhere.
struct ws_hub::shard_state {
    shard_state(unsigned index_, boost::asio::io_context& ctx_, ws_handler& handler_)
        : index(index_), ctx(ctx_), handler(handler_) {}

    const unsigned index;
    boost::asio::io_context& ctx;
    ws_handler& handler;
    /// Raw pointers: a connection erases itself before it dies; pending operations, not the
    /// map, keep it alive.
    std::unordered_map<std::uint64_t, ws_connection*> conns;
    std::atomic<std::size_t> open{0};

    // Idle detection for every connection of the shard from one timer, instead of Beast's
    // per-connection timer (~600 bytes of pending wait per idle connection). Ticks every
    // idle_timeout/2; connections remember the tick of their last inbound traffic.
    std::uint32_t tick = 0;
    std::chrono::steady_clock::duration sweep_period{};
    bool pings = false;
    bool sweeping = false;
    std::unique_ptr<boost::asio::steady_timer> sweep_timer;

    /// Starts the sweep if it is not running (first connection). Shard thread.
    void arm_sweep();
    void on_sweep(boost::system::error_code ec);

    ws_connection* find(std::uint64_t id) const {
        auto it = conns.find(id);
        return it == conns.end() ? nullptr : it->second;
    }
};

class ws_connection : public std::enable_shared_from_this<ws_connection> {
public:
    // No permessage-deflate: we never offer it, and the template flag keeps the inflate/deflate
    // state out of every connection. A bare socket rather than beast::tcp_stream underneath:
    // the WebSocket layer has its own timeouts, and tcp_stream would cost ~500 bytes (three
    // timers and an extra operation layer) per idle connection.
    using stream_type = boost::beast::websocket::stream<boost::asio::ip::tcp::socket, false>;

    ws_connection(ws_hub::shard_state& shard, const ws_options& opts, boost::asio::ip::tcp::socket socket,
                  connection_slot slot, std::string remote);
    ~ws_connection();
    ws_connection(const ws_connection&) = delete;
    ws_connection& operator=(const ws_connection&) = delete;

    /// Completes the handshake for `req`, then runs until either side closes. Shard thread.
    void start(boost::beast::http::request<boost::beast::http::string_body> req);
    /// Queues a text frame; over the limit, closes with 1008. Shard thread.
    void send(std::string text);
    /// Sends what is queued, then a close frame. Shard thread.
    void close(std::uint16_t code, std::string reason);
    /// One idle-sweep step: ping a quiet peer, drop a silent one. Shard thread.
    void on_sweep(std::uint32_t tick, bool pings);

private:
    void on_accept(boost::system::error_code ec);
    void do_read();
    void on_read(boost::system::error_code ec, std::size_t n);
    void deliver();
    void do_write();
    void on_write(boost::system::error_code ec, std::size_t n);
    void do_close();
    void on_close(boost::system::error_code ec);
    void fail_now(std::uint16_t code, const char* reason);
    void on_ping(boost::system::error_code ec);
    void finish();

    ws_hub::shard_state& shard_;
    stream_type ws_;
    connection_slot slot_;
    std::string remote_;
    std::string target_; ///< the upgrade's target, until on_open has seen it
    std::string rd_msg_; ///< the message being read; moved out to the handler, so idle = small
    /// Beast keeps a reference to the dynamic buffer for the whole read; re-made per message.
    std::optional<boost::asio::dynamic_string_buffer<char, std::char_traits<char>, std::allocator<char>>>
        rd_buf_;
    std::vector<std::string> queue_; ///< outbound; queue_[0] is being written when writing_
    std::unique_ptr<boost::asio::steady_timer> kill_timer_; ///< only after a forced close
    std::string close_reason_;
    std::size_t max_message_;
    std::uint64_t id_ = 0;
    std::uint32_t max_queued_;
    std::uint32_t last_tick_ = 0; ///< shard tick of the last inbound frame (pongs included)
    std::uint16_t close_code_ = 0;
    bool pinging_ = false;
    bool writing_ = false;
    bool close_pending_ = false; ///< close requested; sent once the queue has drained
    bool close_sent_ = false;
    bool finished_ = false;
};

} // namespace tsm::transport
