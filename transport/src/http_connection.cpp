#include "http_connection.hpp"

#include "tsm/core/log.hpp"

#include "ws_connection.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>

namespace tsm::transport {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {

// After "Connection: close" we half-close and drain what the peer still sends, so that the
// kernel does not answer unread data with RST and destroy the response in flight (the classic
// lingering close; matters most for 413, where the client is still sending the body).
constexpr std::chrono::seconds linger_timeout{2};
constexpr std::size_t linger_max_bytes = 8 << 20; // covers a refused body up to twice the default limit
// Idle keep-alive connections should not pin a buffer grown by one large request.
constexpr std::size_t idle_buffer_keep = 4096;
// Beast keeps a whole header block, chunk header line (with its extensions) or trailer section
// in the read buffer until it is complete, and limits only the header block. The read buffer is
// therefore capped at the header limit plus this much; past it (megabytes of chunk extension
// or trailer, a memory-exhaustion attack) the read fails with buffer_overflow. Body bytes and
// pipelined requests never need more, since Beast consumes them as they arrive.
constexpr std::size_t read_buffer_slack = 64 * 1024;

std::string endpoint_string(const net::ip::tcp::socket& s) {
    error_code ec;
    auto ep = s.remote_endpoint(ec);
    if (ec) {
        return "unknown";
    }
    auto addr = ep.address();
    std::string out = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
    out += ':';
    out += std::to_string(ep.port());
    return out;
}

/// Shared by every copy of one request's http_responder. Exactly one call wins; if every copy
/// is destroyed uncalled, the connection gets a 500 instead of hanging forever.
struct pending_response {
    explicit pending_response(std::shared_ptr<http_connection> c, net::io_context& ctx)
        : conn(std::move(c)), home(ctx) {}
    pending_response(const pending_response&) = delete;
    pending_response& operator=(const pending_response&) = delete;

    ~pending_response() {
        if (conn) {
            // May run on any thread: only post, never touch the connection here.
            net::post(home, [c = std::move(conn)]() {
                c->respond(make_error_response(
                    core::make_api_error(core::api_errc::internal_error, "request was not answered")));
            });
        }
    }

    // conn is handed over to the shard (never released here) so that the connection is always
    // destroyed on its own thread.
    std::shared_ptr<http_connection> conn;
    net::io_context& home;
    std::atomic<bool> done{false};
};

struct responder_fn {
    std::shared_ptr<pending_response> p;

    void operator()(http_response res) const {
        if (p->done.exchange(true, std::memory_order_acq_rel)) {
            return; // called twice: contract violation, the first answer stands
        }
        // dispatch: when the handler answers inline on the shard thread this writes without a
        // hop; from any other thread it posts.
        net::dispatch(p->home,
                      [c = std::move(p->conn), r = std::move(res)]() mutable { c->respond(std::move(r)); });
    }
};

bool is_http_protocol_error(const error_code& ec) {
    return &ec.category() == &http::make_error_code(http::error::bad_method).category();
}

} // namespace

bool server_shard::is_ws_path(std::string_view target) const {
    for (const auto& p : ws_paths) {
        if (ws_path_matches(p, target)) {
            return true;
        }
    }
    return false;
}

http_connection::http_connection(std::shared_ptr<server_shard> shard, net::ip::tcp::socket socket,
                                 bool reject)
    : shard_(std::move(shard)), stream_(std::move(socket)), reject_(reject) {
    if (!reject_) {
        slot_ = connection_slot(shard_);
    }
    node_.owner = this;
    shard_->http_conns.push_back(node_);
    shard_->http_open.fetch_add(1, std::memory_order_relaxed);
    remote_ = endpoint_string(stream_.socket());
    buffer_.max_size(shard_->opts.max_header_bytes + read_buffer_slack);
}

http_connection::~http_connection() {
    shard_->http_open.fetch_sub(1, std::memory_order_relaxed);
    // node_ unlinks itself (auto_unlink); this runs on the shard thread, see pending_response.
}

void http_connection::start() {
    do_read();
}

void http_connection::do_read() {
    state_ = state::reading;
    parser_.emplace();
    parser_->body_limit(shard_->opts.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(shard_->opts.max_header_bytes));
    stream_.expires_after(shard_->opts.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_connection::on_read, shared_from_this()));
}

void http_connection::on_read(error_code ec, std::size_t) {
    if (ec == http::error::body_limit) {
        write_error(core::api_errc::payload_too_large, "request body exceeds the limit");
        return;
    }
    if (ec == http::error::header_limit) {
        write_error(core::api_errc::headers_too_large, "request header block exceeds the limit");
        return;
    }
    if (ec == http::error::buffer_overflow) {
        write_error(core::api_errc::bad_request, "chunk extension or trailer section exceeds the limit");
        return;
    }
    if (ec == http::error::partial_message || ec == http::error::end_of_stream) {
        close(); // peer went away, nothing to answer
        return;
    }
    if (ec && is_http_protocol_error(ec)) {
        write_error(core::api_errc::bad_request, "malformed HTTP request");
        return;
    }
    if (ec) {
        close(); // timeout, reset, or stop_if_idle()
        return;
    }
    // RFC 9112 §6.1: without a final chunked the body length cannot be known. Beast reads such a
    // request as bodiless (or by a Content-Length that came after); its body would then be
    // taken for the next request. Closing leaves those bytes unread.
    if (!parser_->chunked() && parser_->get().count(http::field::transfer_encoding) != 0) {
        write_error(core::api_errc::bad_request, "Transfer-Encoding must end in chunked");
        return;
    }
    handle_request();
}

void http_connection::handle_request() {
    auto req = parser_->release();
    parser_.reset();
    version_ = req.version();
    if (reject_) {
        // 503 overloaded, with Retry-After (make_error_response adds it for 503).
        do_write(make_error_response(
                     core::make_api_error(core::api_errc::overloaded, "too many connections, retry later")),
                 false);
        return;
    }
    if (beast::websocket::is_upgrade(req)) {
        upgrade(std::move(req));
        return;
    }
    keep_alive_ = req.keep_alive();

    http_request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (const auto& f : req) {
        r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    }
    r.body = std::move(req.body());
    r.remote = remote_;
    r.shard = shard_->index;

    state_ = state::handling;
    auto pending = std::make_shared<pending_response>(shared_from_this(), shard_->ctx);
    try {
        shard_->handler.on_request(std::move(r), http_responder(responder_fn{std::move(pending)}));
    } catch (const std::exception& e) {
        // The responder copy died with the exception (or was called): the client still gets an
        // answer; the exception must not unwind through the io_context.
        core::log::error("http handler threw", {{"error", e.what()}});
    } catch (...) {
        core::log::error("http handler threw");
    }
}

void http_connection::upgrade(http::request<http::string_body> req) {
    if (shard_->hub == nullptr || !shard_->is_ws_path(req.target())) {
        write_error(core::api_errc::not_found, "no WebSocket endpoint at this path");
        return;
    }
    state_ = state::closing;
    // The WebSocket layer has its own idle timeout; the tcp_stream deadline must be off.
    stream_.expires_never();
    auto ws =
        std::make_shared<ws_connection>(shard_->hub->shard(shard_->index), shard_->opts.ws,
                                        std::move(stream_.socket()), std::move(slot_), std::move(remote_));
    ws->start(std::move(req));
}

void http_connection::write_error(core::api_errc code, std::string message) {
    parser_.reset();
    do_write(make_error_response(core::make_api_error(code, std::move(message))), false);
}

void http_connection::respond(http_response res) {
    if (state_ != state::handling) {
        return;
    }
    do_write(std::move(res), keep_alive_ && !shard_->stopping);
}

void http_connection::do_write(http_response res, bool keep_alive) {
    keep_alive_ = keep_alive;
    state_ = state::writing;
    auto& m = res_.emplace();
    m.version(version_);
    m.result(res.status >= 100 && res.status <= 999 ? static_cast<unsigned>(res.status) : 500u);
    m.set(http::field::server, "opentsm");
    if (!res.content_type.empty()) {
        m.set(http::field::content_type, res.content_type);
    }
    for (const auto& [k, v] : res.headers) {
        m.insert(k, v);
    }
    m.body() = std::move(res.body);
    m.keep_alive(keep_alive);
    m.prepare_payload();
    stream_.expires_after(shard_->opts.read_timeout);
    http::async_write(stream_, m, beast::bind_front_handler(&http_connection::on_write, shared_from_this()));
}

void http_connection::on_write(error_code ec, std::size_t) {
    res_.reset();
    if (ec) {
        close();
        return;
    }
    if (!keep_alive_ || shard_->stopping) {
        do_linger();
        return;
    }
    if (buffer_.size() == 0 && buffer_.capacity() > idle_buffer_keep) {
        buffer_.shrink_to_fit();
    }
    do_read();
}

void http_connection::do_linger() {
    state_ = state::closing;
    error_code ec;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    if (ec) {
        close();
        return;
    }
    buffer_.clear();
    stream_.expires_after(linger_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            beast::bind_front_handler(&http_connection::on_linger, shared_from_this()));
}

void http_connection::on_linger(error_code ec, std::size_t n) {
    lingered_ += n;
    if (ec || lingered_ > linger_max_bytes) {
        close();
        return;
    }
    stream_.async_read_some(buffer_.prepare(4096),
                            beast::bind_front_handler(&http_connection::on_linger, shared_from_this()));
}

void http_connection::close() {
    state_ = state::closing;
    error_code ec;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    stream_.close();
}

void http_connection::stop_if_idle() {
    if (state_ != state::reading) {
        return; // busy: on_write sees shard_->stopping and closes after the response
    }
    if (parser_ && !parser_->got_some() && buffer_.size() == 0) {
        close(); // the pending read completes with operation_aborted
    }
}

} // namespace tsm::transport
