// http_client: outbound HTTP/1.1 to Service Providers from one shard.
//
// Each request is one coroutine (impl::run) spawned on the client's io_context. A connection is
// always owned by exactly one party: the idle pool, or the request_op of the request using it.
// shutdown() reaches in-flight work through the raw request_op pointers registered in
// impl::in_flight_; an op unregisters itself when its coroutine frame goes away.
#include "tsm/transport/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <deque>
#include <exception>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace tsm::transport {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;
using bsys_error = boost::system::error_code;

// Errors are values on the network path: every await yields a tuple, never throws.
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// SP responses are small JSON documents; a header block beyond this is hostile or broken.
constexpr std::uint32_t response_header_limit = 16 * 1024;
// Beast limits the header block only, yet keeps a whole chunk header line (extensions included)
// or trailer section in the read buffer until it is complete. Capping the buffer at this makes
// a hostile response with megabytes of either fail with buffer_overflow, reported as
// response_too_large. Body bytes never need it: Beast moves them out as they arrive.
constexpr std::size_t response_read_buffer_limit = response_header_limit + 64 * 1024;
// How often (at most) a request pays for a walk over every host's idle list.
constexpr auto sweep_interval = std::chrono::seconds(1);

class client_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "tsm.http_client"; }
    std::string message(int ev) const override {
        switch (static_cast<http_client_errc>(ev)) {
        case http_client_errc::invalid_url: return "invalid http(s) URL";
        case http_client_errc::invalid_request: return "request cannot be sent (bad method or header)";
        case http_client_errc::timeout: return "request timed out";
        case http_client_errc::cancelled: return "request cancelled by client shutdown";
        case http_client_errc::response_too_large: return "response exceeds the size limit";
        case http_client_errc::internal: return "internal error in the http client";
        }
        return "unknown http client error";
    }
};

// RFC 9110 token characters: method and header names.
bool is_token(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    return std::all_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) {
            return false;
        }
        return std::string_view("\"(),/:;<=>?@[\\]{}").find(c) == std::string_view::npos;
    });
}

// Beast does not validate values; a CR or LF here would let a caller inject headers.
bool is_field_value(std::string_view s) {
    return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool is_ip_literal(const std::string& host) {
    bsys_error ec;
    (void)net::ip::make_address(host, ec);
    return !ec;
}

std::string host_header(const parsed_url& url) {
    std::string h = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    const bool default_port = url.port == (url.tls ? "443" : "80");
    if (!default_port) {
        h += ':';
        h += url.port;
    }
    return h;
}

std::string pool_key(const parsed_url& url) {
    std::string k = url.tls ? "https|" : "http|";
    k += url.host;
    k += '|';
    k += url.port;
    return k;
}

std::error_code build_request(http_client_request& req, const parsed_url& url,
                              http::request<http::string_body>& msg) {
    if (!is_token(req.method)) {
        return http_client_errc::invalid_request;
    }
    const auto verb = http::string_to_verb(req.method);
    if (verb == http::verb::unknown) {
        msg.method_string(req.method);
    } else {
        msg.method(verb);
    }
    msg.target(url.target);
    msg.version(11);
    msg.set(http::field::host, host_header(url));
    msg.set(http::field::user_agent, "opentsm");
    bool has_content_type = false;
    for (const auto& [name, value] : req.headers) {
        if (!is_token(name) || !is_field_value(value)) {
            return http_client_errc::invalid_request;
        }
        const auto f = http::string_to_field(name);
        switch (f) {
        case http::field::content_length:
        case http::field::transfer_encoding: break; // framing is ours (prepare_payload below)
        case http::field::content_type:
            has_content_type = true;
            msg.set(f, value);
            break;
        case http::field::host:
        case http::field::user_agent: msg.set(f, value); break;
        default: msg.insert(name, value); break;
        }
    }
    msg.body() = std::move(req.body);
    if (!msg.body().empty() && !has_content_type) {
        msg.set(http::field::content_type, "application/json");
    }
    msg.prepare_payload();
    return {};
}

} // namespace

const std::error_category& http_client_category() noexcept {
    static const client_category cat;
    return cat;
}

std::error_code make_error_code(http_client_errc e) noexcept {
    return {static_cast<int>(e), http_client_category()};
}

namespace {

/// One keep-alive connection, plain or TLS. Never shared: owned by the pool or by one request.
struct client_connection {
    client_connection(const net::any_io_executor& ex, ssl::context* tls) {
        if (tls != nullptr) {
            secure.emplace(ex, *tls);
        } else {
            plain.emplace(ex);
        }
    }
    beast::tcp_stream& tcp() { return secure ? secure->next_layer() : *plain; }

    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer{response_read_buffer_limit};
    steady::time_point idle_since{};
};

/// State of one request that shutdown() and the resolve deadline need to reach.
struct request_op {
    bool cancelled = false;
    bool timed_out = false;            ///< set by the resolve deadline timer
    tcp::resolver* resolver = nullptr; ///< non-null while a resolve is pending
    std::unique_ptr<client_connection> conn;
};

struct exchange_result {
    bsys_error ec;
    bool got_some = false; ///< any byte of the response arrived (then no retry)
    bool keep_alive = false;
    int status = 0;
    std::string body;
    std::string content_type;
};

// Write the request and read the response on an open connection. `stream`, `conn` and `msg` are
// owned by the awaiting frame (impl::run), which outlives this call.
template <class Stream>
net::awaitable<exchange_result> exchange(Stream& stream, client_connection& conn,
                                         const http::request<http::string_body>& msg,
                                         steady::time_point deadline, std::size_t max_body) {
    exchange_result out;
    conn.tcp().expires_at(deadline);
    auto [wec, wn] = co_await http::async_write(stream, msg, use_tuple);
    (void)wn;
    if (wec) {
        out.ec = wec;
        co_return out;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_body);
    parser.header_limit(response_header_limit);
    if (msg.method() == http::verb::head) {
        parser.skip(true); // a HEAD response announces a body it never sends
    }
    conn.tcp().expires_at(deadline);
    auto [rec, rn] = co_await http::async_read(stream, conn.buffer, parser, use_tuple);
    (void)rn;
    out.got_some = parser.got_some() || conn.buffer.size() > 0;
    if (rec) {
        out.ec = rec;
        co_return out;
    }
    // An idle connection must not carry a pending deadline into its next use.
    conn.tcp().expires_never();
    // The parser's view, not only the header's: a body delimited by the server closing (no
    // Content-Length, no final chunked; RFC 9112 §6.3) leaves nothing to reuse.
    const bool reusable = parser.keep_alive();
    auto res = parser.release();
    out.status = static_cast<int>(res.result_int());
    out.content_type = std::string(res[http::field::content_type]);
    // Leftover bytes would be read as the next response: such a connection is not reusable.
    out.keep_alive = reusable && msg.keep_alive() && conn.buffer.size() == 0;
    out.body = std::move(res.body());
    co_return out;
}

net::awaitable<exchange_result> exchange_any(client_connection& conn,
                                             const http::request<http::string_body>& msg,
                                             steady::time_point deadline, std::size_t max_body) {
    if (conn.secure) {
        exchange_result r = co_await exchange(*conn.secure, conn, msg, deadline, max_body);
        co_return r;
    }
    exchange_result r = co_await exchange(*conn.plain, conn, msg, deadline, max_body);
    co_return r;
}

bool is_limit_error(const bsys_error& ec) {
    return ec == http::error::body_limit || ec == http::error::header_limit
           || ec == http::error::buffer_overflow;
}

} // namespace

struct http_client::impl : std::enable_shared_from_this<http_client::impl> {
    impl(net::io_context& ioc, http_client_options opts) : ioc_(ioc), opts_(std::move(opts)) {
        // The constructor runs at shard start, not on the network path; a CA file that fails to
        // load is remembered and fails every https request, rather than trusting less silently.
        tls_ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                             | ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        bsys_error ec;
        tls_ctx_.set_default_verify_paths(ec);
        if (!opts_.ca_file.empty()) {
            tls_ctx_.load_verify_file(opts_.ca_file, ec);
            if (ec) {
                tls_error_ = ec;
            }
        }
    }

    static net::awaitable<http_client_response> run(std::shared_ptr<impl> self,
                                                    std::shared_ptr<request_op> op, http_client_request req);
    static net::awaitable<bsys_error> open(std::shared_ptr<impl> self, std::shared_ptr<request_op> op,
                                           parsed_url url, steady::time_point deadline);

    std::unique_ptr<client_connection> take_idle(const std::string& key, steady::time_point now) {
        auto it = idle_.find(key);
        if (it == idle_.end()) {
            return nullptr;
        }
        auto& list = it->second;
        std::unique_ptr<client_connection> c;
        // Newest at the back: reusing the hottest connection lets the cold ones age out.
        if (!list.empty() && now - list.back()->idle_since < opts_.idle_keepalive) {
            c = std::move(list.back());
            list.pop_back();
            --idle_count_;
        } else {
            idle_count_ -= list.size(); // the newest is too old, so all are
            list.clear();
        }
        if (list.empty()) {
            idle_.erase(it);
        }
        return c;
    }

    void give_back(const std::string& key, std::unique_ptr<client_connection> c) {
        if (stopped_ || orphaned_ || opts_.max_idle_per_host == 0) {
            return;
        }
        auto& list = idle_[key];
        if (list.size() >= opts_.max_idle_per_host) {
            return; // over the cap: this one closes
        }
        c->idle_since = steady::now();
        list.push_back(std::move(c));
        ++idle_count_;
    }

    // Drops idle connections past idle_keepalive on every host, at most once per sweep_interval,
    // so hosts that are never called again do not hold sockets until shutdown.
    void sweep(steady::time_point now) {
        if (now - last_sweep_ < sweep_interval) {
            return;
        }
        last_sweep_ = now;
        for (auto it = idle_.begin(); it != idle_.end();) {
            auto& list = it->second;
            while (!list.empty() && now - list.front()->idle_since >= opts_.idle_keepalive) {
                list.pop_front();
                --idle_count_;
            }
            it = list.empty() ? idle_.erase(it) : std::next(it);
        }
    }

    void close_idle() {
        idle_.clear();
        idle_count_ = 0;
    }

    void cancel_in_flight() {
        for (request_op* op : in_flight_) {
            op->cancelled = true;
            if (op->resolver != nullptr) {
                op->resolver->cancel();
            }
            if (op->conn) {
                // Closing the socket completes any pending read, write, connect or handshake
                // with an error; the coroutine then sees `cancelled` and reports it.
                op->conn->tcp().close();
            }
        }
    }

    std::error_code map_error(const bsys_error& ec, const request_op& op) const {
        if (op.cancelled) {
            return http_client_errc::cancelled;
        }
        if (op.timed_out || ec == beast::error::timeout) {
            return http_client_errc::timeout;
        }
        if (is_limit_error(ec)) {
            return http_client_errc::response_too_large;
        }
        return ec;
    }

    net::io_context& ioc_;
    http_client_options opts_;
    ssl::context tls_ctx_{ssl::context::tls_client};
    bsys_error tls_error_;
    std::unordered_map<std::string, std::deque<std::unique_ptr<client_connection>>> idle_;
    std::size_t idle_count_ = 0;
    std::unordered_set<request_op*> in_flight_;
    std::uint64_t opened_ = 0;
    steady::time_point last_sweep_{};
    bool stopped_ = false;  ///< shutdown() called
    bool orphaned_ = false; ///< the http_client is gone; in-flight requests finish, nothing pools
};

namespace {

// Keeps impl::in_flight_ exact on every exit path of a request coroutine, including the frame
// being destroyed with the io_context.
struct in_flight_registration {
    in_flight_registration(std::unordered_set<request_op*>& set, request_op* op) : set_(set), op_(op) {
        set_.insert(op_);
    }
    ~in_flight_registration() { set_.erase(op_); }
    in_flight_registration(const in_flight_registration&) = delete;
    in_flight_registration& operator=(const in_flight_registration&) = delete;

    std::unordered_set<request_op*>& set_;
    request_op* op_;
};

} // namespace

net::awaitable<bsys_error> http_client::impl::open(std::shared_ptr<impl> self, std::shared_ptr<request_op> op,
                                                   parsed_url url, steady::time_point deadline) {
    const auto ex = self->ioc_.get_executor();
    std::vector<tcp::endpoint> endpoints;
    bsys_error aec;
    const auto addr = net::ip::make_address(url.host, aec);
    const auto port = static_cast<unsigned short>(std::stoul(url.port));
    if (!aec) {
        endpoints.emplace_back(addr, port); // IP literal: no trip through the resolver thread
    } else {
        // tcp_stream timeouts do not cover resolving: a timer cancels the resolver instead.
        tcp::resolver resolver(ex);
        net::steady_timer timer(ex);
        timer.expires_at(deadline);
        timer.async_wait([weak = std::weak_ptr<request_op>(op)](const bsys_error& ec) {
            auto o = weak.lock();
            if (!ec && o && o->resolver != nullptr) {
                o->timed_out = true;
                o->resolver->cancel();
            }
        });
        op->resolver = &resolver;
        auto [rec, results] = co_await resolver.async_resolve(url.host, url.port, use_tuple);
        op->resolver = nullptr;
        timer.cancel();
        if (op->cancelled || op->timed_out) {
            co_return net::error::operation_aborted;
        }
        if (rec) {
            co_return rec;
        }
        for (const auto& entry : results) {
            endpoints.push_back(entry.endpoint());
        }
    }

    op->conn = std::make_unique<client_connection>(ex, url.tls ? &self->tls_ctx_ : nullptr);
    auto& stream = op->conn->tcp();
    stream.expires_at(std::min(deadline, steady::now() + self->opts_.connect_timeout));
    auto [cec, ep] = co_await stream.async_connect(endpoints, use_tuple);
    (void)ep;
    if (cec) {
        co_return cec;
    }
    if (op->cancelled) {
        co_return net::error::operation_aborted;
    }
    ++self->opened_;
    bsys_error ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored); // small JSON requests: no Nagle

    if (url.tls) {
        if (self->tls_error_) {
            co_return self->tls_error_;
        }
        auto& s = *op->conn->secure;
        if (self->opts_.verify_tls) {
            s.set_verify_mode(ssl::verify_peer);
            s.set_verify_callback(ssl::host_name_verification(url.host));
        } else {
            s.set_verify_mode(ssl::verify_none);
        }
        // SNI carries names only (RFC 6066 §3); a literal address goes without.
        if (!is_ip_literal(url.host) && SSL_set_tlsext_host_name(s.native_handle(), url.host.c_str()) != 1) {
            co_return bsys_error(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
        }
        stream.expires_at(deadline);
        auto [hec] = co_await s.async_handshake(ssl::stream_base::client, use_tuple);
        if (hec) {
            co_return hec;
        }
    }
    co_return bsys_error{};
}

net::awaitable<http_client_response>
http_client::impl::run(std::shared_ptr<impl> self, std::shared_ptr<request_op> op, http_client_request req) {
    in_flight_registration registration(self->in_flight_, op.get());
    http_client_response res;
    // stopped_ too: shutdown() may have run between request() and this coroutine's first step.
    if (op->cancelled || self->stopped_) {
        res.ec = http_client_errc::cancelled;
        co_return res;
    }
    parsed_url url;
    if (!parse_http_url(req.url, url)) {
        res.ec = http_client_errc::invalid_url;
        co_return res;
    }
    http::request<http::string_body> msg;
    if (auto ec = build_request(req, url, msg)) {
        res.ec = ec;
        co_return res;
    }
    const auto now = steady::now();
    const auto deadline = now + (req.timeout.count() > 0 ? req.timeout : self->opts_.request_timeout);
    const std::string key = pool_key(url);
    self->sweep(now);

    op->conn = self->take_idle(key, now);
    bool reused = op->conn != nullptr;
    for (;;) {
        if (!op->conn) {
            const bsys_error oec = co_await open(self, op, url, deadline);
            if (oec) {
                op->conn.reset();
                res.ec = self->map_error(oec, *op);
                co_return res;
            }
        }
        exchange_result x = co_await exchange_any(*op->conn, msg, deadline, self->opts_.max_response_bytes);
        if (x.ec) {
            op->conn.reset();
            // A pooled connection the peer closed while idle fails on write, or on read before the
            // first byte: the SP never saw a complete exchange, so one fresh attempt is safe
            // enough. A timeout is not retried: it already used the whole deadline.
            const bool retry = reused && !x.got_some && !op->cancelled && x.ec != beast::error::timeout
                               && !is_limit_error(x.ec);
            if (retry) {
                reused = false;
                continue;
            }
            res.ec = self->map_error(x.ec, *op);
            co_return res;
        }
        if (op->cancelled) {
            // The response raced shutdown(); the caller was promised an error.
            op->conn.reset();
            res.ec = http_client_errc::cancelled;
            co_return res;
        }
        res.status = x.status;
        res.body = std::move(x.body);
        res.content_type = std::move(x.content_type);
        if (x.keep_alive) {
            self->give_back(key, std::move(op->conn));
        }
        op->conn.reset();
        co_return res;
    }
}

http_client::http_client(boost::asio::io_context& ioc, http_client_options opts)
    : impl_(std::make_shared<impl>(ioc, std::move(opts))) {}

http_client::~http_client() {
    // In-flight requests keep the impl alive and still call their handlers; only pooling stops.
    impl_->orphaned_ = true;
    impl_->close_idle();
}

void http_client::request(http_client_request req, handler done) {
    auto op = std::make_shared<request_op>();
    // co_spawn never runs the completion inline with request(): the handler is dispatched from
    // the coroutine's own resumption on the io_context, so callers may hold locks or iterate.
    net::co_spawn(impl_->ioc_, impl::run(impl_, std::move(op), std::move(req)),
                  [done = std::move(done)](std::exception_ptr e, http_client_response res) {
                      if (e) {
                          res = http_client_response{};
                          res.ec = http_client_errc::internal;
                      }
                      done(std::move(res));
                  });
}

void http_client::shutdown() {
    impl_->stopped_ = true;
    impl_->close_idle();
    impl_->cancel_in_flight();
}

std::uint64_t http_client::connections_opened() const noexcept {
    return impl_->opened_;
}

std::size_t http_client::idle_connections() const noexcept {
    return impl_->idle_count_;
}

} // namespace tsm::transport
