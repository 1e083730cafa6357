#include "ws_connection.hpp"

#include "tsm/core/log.hpp"

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <limits>

namespace tsm::transport {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;

namespace {

// Process-wide so that a ws_ref names at most one connection for the life of the process.
std::atomic<std::uint64_t> next_ws_id{1};

// An idle connection keeps one read outstanding. Beast prepares the destination before it
// waits, so the first read of a message asks for only this much; the rest of a longer message
// is read in one go. Keeps idle connections from pinning a frame-sized buffer each.
constexpr std::size_t idle_read_limit = 128;

// A close we asked for that has not completed by then (peer never answers, or a write is stuck
// behind a peer that stopped reading) ends with the socket closed.
constexpr std::chrono::seconds close_grace{5};

template <class Fn>
void guarded(const char* what, Fn&& fn) {
    // Handler exceptions must not unwind through the shard's io_context.
    try {
        fn();
    } catch (const std::exception& e) {
        core::log::error("websocket handler threw", {{"handler", what}, {"error", e.what()}});
    } catch (...) {
        core::log::error("websocket handler threw", {{"handler", what}});
    }
}

} // namespace

ws_connection::ws_connection(ws_hub::shard_state& shard, const ws_options& opts, net::ip::tcp::socket socket,
                             connection_slot slot, std::string remote)
    : shard_(shard), ws_(std::move(socket)), slot_(std::move(slot)), remote_(std::move(remote)),
      max_message_(opts.max_message_bytes == 0 ? std::numeric_limits<std::size_t>::max() - 1
                                               : opts.max_message_bytes),
      max_queued_(static_cast<std::uint32_t>(opts.max_queued_messages)) {
    // Beast times the handshake only; idle time is the shard sweep's job (see shard_state).
    websocket::stream_base::timeout t = websocket::stream_base::timeout::suggested(beast::role_type::server);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    if (opts.idle_timeout.count() > 0 && shard_.sweep_period == std::chrono::steady_clock::duration{}) {
        // Convert first: seconds(1) / 2 is zero seconds.
        shard_.sweep_period =
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(opts.idle_timeout) / 2;
        shard_.pings = opts.keep_alive_pings;
    }
    // Pongs (and pings, closes) count as traffic. Captures one pointer: no allocation.
    ws_.control_callback([this](websocket::frame_type, std::string_view) { last_tick_ = shard_.tick; });
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "opentsm"); }));
    // The size limit is ours, not Beast's: Beast's own 1009 path (1.81) tears the socket down
    // after one drain read and resets the peer before it can read the close frame. Our close
    // goes through async_close, which drains the rest of the message first.
    ws_.read_message_max(0);
    // One frame per message: fewer writes, and touch points need not reassemble fragments.
    ws_.auto_fragment(false);
}

ws_connection::~ws_connection() = default;

void ws_connection::start(beast::http::request<beast::http::string_body> req) {
    // Beast builds the 101 response from `req` when the operation starts; req may die after.
    target_ = std::string(req.target());
    ws_.async_accept(req, beast::bind_front_handler(&ws_connection::on_accept, shared_from_this()));
}

void ws_connection::on_accept(error_code ec) {
    if (ec) {
        return; // never opened: no events; the socket and slot go with this object
    }
    id_ = next_ws_id.fetch_add(1, std::memory_order_relaxed);
    shard_.conns.emplace(id_, this);
    shard_.open.fetch_add(1, std::memory_order_relaxed);
    last_tick_ = shard_.tick;
    shard_.arm_sweep();
    guarded("on_open", [&] { shard_.handler.on_open(ws_ref{shard_.index, id_}, remote_, target_); });
    std::string().swap(target_); // an open connection keeps no copy of its URL
    do_read();
}

void ws_connection::do_read() {
    if (finished_) {
        return;
    }
    rd_buf_.emplace(rd_msg_);
    ws_.async_read_some(*rd_buf_, std::min(idle_read_limit, max_message_ + 1),
                        beast::bind_front_handler(&ws_connection::on_read, shared_from_this()));
}

void ws_connection::on_read(error_code ec, std::size_t) {
    if (ec) {
        finish();
        return;
    }
    last_tick_ = shard_.tick;
    if (close_pending_) {
        rd_buf_.reset();
        rd_msg_.clear(); // closing: drain until the peer's close frame
        do_read();
        return;
    }
    if (ws_.got_binary()) {
        rd_buf_.reset();
        rd_msg_.clear();
        fail_now(websocket::close_code::unknown_data, "binary messages are not supported");
        do_read();
        return;
    }
    if (rd_msg_.size() > max_message_) {
        rd_buf_.reset();
        rd_msg_.clear();
        fail_now(websocket::close_code::too_big, "message too big");
        do_read();
        return;
    }
    if (ws_.is_message_done()) {
        deliver();
        return;
    }
    // Never read more than one byte past the limit: that byte is how we see the overflow.
    ws_.async_read_some(*rd_buf_, max_message_ + 1 - rd_msg_.size(),
                        beast::bind_front_handler(&ws_connection::on_read, shared_from_this()));
}

void ws_connection::deliver() {
    rd_buf_.reset();
    std::string msg = std::move(rd_msg_);
    rd_msg_ = std::string();
    guarded("on_message", [&] { shard_.handler.on_message(ws_ref{shard_.index, id_}, std::move(msg)); });
    do_read();
}

void ws_connection::send(std::string text) {
    if (finished_ || close_pending_) {
        return;
    }
    queue_.push_back(std::move(text));
    if (queue_.size() > max_queued_) {
        fail_now(websocket::close_code::policy_error, "outbound queue full");
        return;
    }
    if (!writing_) {
        do_write();
    }
}

void ws_connection::do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front()),
                    beast::bind_front_handler(&ws_connection::on_write, shared_from_this()));
}

void ws_connection::on_write(error_code ec, std::size_t) {
    writing_ = false;
    if (!queue_.empty()) {
        queue_.erase(queue_.begin());
    }
    if (ec || finished_) {
        queue_.clear();
        if (ec) {
            // The read side will see the dead socket and finish().
            error_code ignored;
            beast::get_lowest_layer(ws_).close(ignored);
        }
        return;
    }
    if (!queue_.empty()) {
        do_write();
        return;
    }
    if (queue_.capacity() > 8) {
        queue_.shrink_to_fit(); // an idle connection keeps no queue storage from a burst
    }
    if (close_pending_) {
        do_close();
    }
}

void ws_connection::close(std::uint16_t code, std::string reason) {
    if (finished_ || close_pending_) {
        return;
    }
    close_pending_ = true;
    close_code_ = code;
    close_reason_ = std::move(reason);
    if (!writing_) {
        do_close(); // otherwise on_write closes once the queue has drained
    }
}

void ws_connection::fail_now(std::uint16_t code, const char* reason) {
    if (finished_ || close_pending_) {
        return;
    }
    // Drop what has not started; a frame in flight must finish before the close frame.
    if (writing_) {
        queue_.resize(1);
    } else {
        queue_.clear();
    }
    close(code, reason);
}

void ws_connection::do_close() {
    close_sent_ = true;
    kill_timer_ = std::make_unique<net::steady_timer>(shard_.ctx, close_grace);
    kill_timer_->async_wait([self = shared_from_this()](error_code ec) {
        if (!ec && !self->finished_) {
            error_code ignored;
            beast::get_lowest_layer(self->ws_).close(ignored);
        }
    });
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(close_code_), close_reason_),
                    beast::bind_front_handler(&ws_connection::on_close, shared_from_this()));
}

void ws_connection::on_close(error_code ec) {
    if (ec && !finished_) {
        error_code ignored;
        beast::get_lowest_layer(ws_).close(ignored);
    }
}

void ws_connection::on_sweep(std::uint32_t tick, bool pings) {
    const std::uint32_t quiet = tick - last_tick_;
    // Ticks are idle_timeout/2 apart and last_tick_ is the tick current at the last traffic:
    // quiet >= 3 means at least idle_timeout (at most 1.5x) without a single inbound frame.
    if (quiet >= 3) {
        error_code ignored;
        beast::get_lowest_layer(ws_).close(ignored); // the read fails, finish() reports it
        return;
    }
    if (pings && quiet >= 1 && !pinging_ && !close_pending_) {
        pinging_ = true;
        ws_.async_ping({}, beast::bind_front_handler(&ws_connection::on_ping, shared_from_this()));
    }
}

void ws_connection::on_ping(error_code) {
    pinging_ = false; // a failed ping means a dead socket; the read side notices
}

void ws_hub::shard_state::arm_sweep() {
    if (sweeping || sweep_period == std::chrono::steady_clock::duration{}) {
        return;
    }
    if (!sweep_timer) {
        sweep_timer = std::make_unique<net::steady_timer>(ctx);
    }
    sweeping = true;
    sweep_timer->expires_after(sweep_period);
    sweep_timer->async_wait([this](error_code ec) { on_sweep(ec); });
}

void ws_hub::shard_state::on_sweep(error_code ec) {
    sweeping = false;
    if (ec) {
        return;
    }
    ++tick;
    std::vector<std::shared_ptr<ws_connection>> all;
    all.reserve(conns.size());
    for (auto& [id, c] : conns) {
        all.push_back(c->shared_from_this());
    }
    for (auto& c : all) {
        c->on_sweep(tick, pings);
    }
    if (!conns.empty()) {
        arm_sweep();
    }
}

void ws_connection::finish() {
    if (finished_) {
        return;
    }
    finished_ = true;
    queue_.clear();
    rd_buf_.reset();
    rd_msg_.clear();
    if (kill_timer_) {
        kill_timer_->cancel();
    }
    error_code ignored;
    beast::get_lowest_layer(ws_).close(ignored);
    if (id_ != 0) {
        // Erase first: anything the handler sends from on_close finds no connection.
        shard_.conns.erase(id_);
        shard_.open.fetch_sub(1, std::memory_order_relaxed);
        guarded("on_close", [&] { shard_.handler.on_close(ws_ref{shard_.index, id_}); });
    }
}

} // namespace tsm::transport
