#include "tsm/transport/http_client.hpp"

#include "test_tls.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using tsm::transport::http_client;
using tsm::transport::http_client_errc;
using tsm::transport::http_client_options;
using tsm::transport::http_client_request;
using tsm::transport::http_client_response;
using tsm::transport::parse_http_url;
using tsm::transport::parsed_url;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

struct server_reply {
    int status = 200;
    std::string body = R"({"ok":true})";
    std::string content_type = "application/json";
    bool close = false; ///< answer with Connection: close
};

/// A Beast HTTP/1.1 server on 127.0.0.1:0 with its own io_context and thread, so that the
/// client's io_context under test is driven by the test thread alone.
class test_server {
public:
    enum class mode {
        normal,
        never_answer,        ///< reads requests, never writes
        drop_after_response, ///< answers keep-alive, then closes the socket anyway
    };
    using responder = std::function<server_reply(const http::request<http::string_body>&)>;

    /// `bind`: a loopback address; 127.0.0.2 serves a host name the test certificate lacks.
    explicit test_server(responder r, mode m = mode::normal, ssl::context* tls = nullptr,
                         const std::string& bind = "127.0.0.1")
        : respond_(std::move(r)), mode_(m), tls_(tls) {
        acceptor_.open(tcp::v4());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind({net::ip::make_address(bind), 0});
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        net::co_spawn(ioc_, accept_loop(this), rethrow);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~test_server() {
        ioc_.stop();
        thread_.join();
    }
    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;

    unsigned short port() const { return port_; }
    std::string url(const std::string& path, const std::string& host = "127.0.0.1") const {
        return std::string(tls_ ? "https://" : "http://") + host + ":" + std::to_string(port_) + path;
    }
    int accepted() const { return accepted_; }
    int closed() const { return closed_; }
    int requests() const { return requests_; }
    http::request<http::string_body> last_request() const {
        std::lock_guard lock(mutex_);
        return last_;
    }

private:
    static void rethrow(std::exception_ptr e) {
        if (e) {
            std::rethrow_exception(e);
        }
    }

    static net::awaitable<void> accept_loop(test_server* self) {
        for (;;) {
            auto [ec, socket] = co_await self->acceptor_.async_accept(use_tuple);
            if (ec) {
                co_return;
            }
            ++self->accepted_;
            if (self->tls_ != nullptr) {
                net::co_spawn(self->ioc_, tls_session(self, std::move(socket)), rethrow);
            } else {
                net::co_spawn(self->ioc_, session(self, std::move(socket)), rethrow);
            }
        }
    }

    static net::awaitable<void> tls_session(test_server* self, tcp::socket socket) {
        ssl::stream<tcp::socket> stream(std::move(socket), *self->tls_);
        auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
        if (ec) {
            ++self->closed_;
            co_return;
        }
        co_await session(self, std::move(stream));
    }

    template <class Stream>
    static net::awaitable<void> session(test_server* self, Stream stream) {
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            auto [rec, rn] = co_await http::async_read(stream, buffer, req, use_tuple);
            if (rec) {
                break;
            }
            ++self->requests_;
            {
                std::lock_guard lock(self->mutex_);
                self->last_ = req;
            }
            if (self->mode_ == mode::never_answer) {
                continue; // the next read ends when the client gives up and closes
            }
            const server_reply reply = self->respond_(req);
            http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
            res.set(http::field::content_type, reply.content_type);
            res.body() = reply.body;
            res.keep_alive(req.keep_alive() && !reply.close);
            res.prepare_payload();
            auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
            if (wec || !res.keep_alive() || self->mode_ == mode::drop_after_response) {
                break;
            }
        }
        beast::error_code ignored;
        beast::get_lowest_layer(stream).close(ignored);
        ++self->closed_;
    }

    responder respond_;
    mode mode_;
    ssl::context* tls_;
    net::io_context ioc_{1};
    tcp::acceptor acceptor_{ioc_};
    unsigned short port_ = 0;
    std::atomic<int> accepted_{0};
    std::atomic<int> closed_{0};
    std::atomic<int> requests_{0};
    mutable std::mutex mutex_;
    http::request<http::string_body> last_;
    std::thread thread_;
};

/// A hostile or unusual HTTP peer on 127.0.0.1:0: for every connection it reads one request
/// head, writes `head`, then `filler_bytes` of `filler` in 64 KiB writes (stopping when the
/// client goes away), then closes if `close_after`, or else holds the connection open.
class raw_server {
public:
    raw_server(std::string head, std::size_t filler_bytes, char filler, bool close_after)
        : head_(std::move(head)), filler_bytes_(filler_bytes), piece_(64 * 1024, filler),
          close_after_(close_after) {
        acceptor_.open(tcp::v4());
        acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        net::co_spawn(ioc_, accept_loop(this), rethrow);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~raw_server() {
        ioc_.stop();
        thread_.join();
    }
    raw_server(const raw_server&) = delete;
    raw_server& operator=(const raw_server&) = delete;

    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    int accepted() const { return accepted_; }
    std::size_t filler_written() const { return written_; }
    /// Set once a connection's writes ended because the client closed or reset it.
    bool client_went_away() const { return client_gone_; }

private:
    static void rethrow(std::exception_ptr e) {
        if (e) {
            std::rethrow_exception(e);
        }
    }

    static net::awaitable<void> accept_loop(raw_server* self) {
        for (;;) {
            auto [ec, socket] = co_await self->acceptor_.async_accept(use_tuple);
            if (ec) {
                co_return;
            }
            ++self->accepted_;
            net::co_spawn(self->ioc_, session(self, std::move(socket)), rethrow);
        }
    }

    static net::awaitable<void> session(raw_server* self, tcp::socket socket) {
        std::string request;
        auto [rec, rn] =
            co_await net::async_read_until(socket, net::dynamic_buffer(request), "\r\n\r\n", use_tuple);
        (void)rn;
        if (rec) {
            co_return;
        }
        auto [hec, hn] = co_await net::async_write(socket, net::buffer(self->head_), use_tuple);
        (void)hn;
        std::size_t left = hec ? 0 : self->filler_bytes_;
        while (left > 0) {
            const std::size_t n = std::min(left, self->piece_.size());
            auto [wec, wn] =
                co_await net::async_write(socket, net::buffer(self->piece_.data(), n), use_tuple);
            self->written_ += wn;
            if (wec) {
                self->client_gone_ = true;
                co_return;
            }
            left -= n;
        }
        if (self->close_after_) {
            beast::error_code ignored;
            socket.shutdown(tcp::socket::shutdown_send, ignored);
            socket.close(ignored);
            co_return;
        }
        // Hold the connection: a client that waits for more only ends by its own timeout.
        char c;
        co_await socket.async_read_some(net::buffer(&c, 1), use_tuple);
    }

    std::string head_;
    std::size_t filler_bytes_;
    std::string piece_;
    bool close_after_;
    net::io_context ioc_{1};
    tcp::acceptor acceptor_{ioc_};
    unsigned short port_ = 0;
    std::atomic<int> accepted_{0};
    std::atomic<std::size_t> written_{0};
    std::atomic<bool> client_gone_{false};
    std::thread thread_;
};

server_reply ok_reply(const http::request<http::string_body>&) {
    return {};
}

/// Runs one request to completion on `ioc` and checks the handler ran exactly once.
http_client_response run_one(net::io_context& ioc, http_client& client, http_client_request req) {
    std::optional<http_client_response> out;
    int calls = 0;
    client.request(std::move(req), [&](http_client_response r) {
        ++calls;
        out = std::move(r);
    });
    BOOST_CHECK_EQUAL(calls, 0); // never inline
    ioc.restart();
    ioc.run_for(10s);
    BOOST_REQUIRE_EQUAL(calls, 1);
    return std::move(*out);
}

http_client_request get(const std::string& url) {
    http_client_request r;
    r.url = url;
    return r;
}

template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds limit = 2000ms) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end) {
            return false;
        }
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

/// The handshake failed because the peer's certificate did not verify (untrusted or wrong
/// name), not for a transport reason.
bool is_certificate_verify_failure(const std::error_code& ec) {
    return std::string_view(ec.category().name()) == "asio.ssl"
           && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

/// Server-side TLS context with a fresh self-signed certificate; the PEM goes to a temp file
/// the client can name as ca_file.
struct tls_fixture {
    tls_fixture() : cert(tsm::transport::test::make_self_signed_cert()) {
        server_ctx.use_certificate_chain(net::buffer(cert.cert_pem));
        server_ctx.use_private_key(net::buffer(cert.key_pem), ssl::context::pem);
        ca_file = tsm::transport::test::write_temp_file(cert.cert_pem, ".pem");
    }
    ~tls_fixture() {
        std::error_code ec;
        std::filesystem::remove(ca_file, ec);
    }
    tsm::transport::test::self_signed_cert cert;
    ssl::context server_ctx{ssl::context::tls_server};
    std::string ca_file;
};

} // namespace

BOOST_AUTO_TEST_SUITE(http_client_tests)

BOOST_AUTO_TEST_CASE(parse_http_url_accepts_http_and_https) {
    parsed_url u;
    BOOST_REQUIRE(parse_http_url("http://example.com", u));
    BOOST_CHECK(!u.tls);
    BOOST_CHECK_EQUAL(u.host, "example.com");
    BOOST_CHECK_EQUAL(u.port, "80");
    BOOST_CHECK_EQUAL(u.target, "/");

    BOOST_REQUIRE(parse_http_url("HTTPS://SP.Example.COM/cb/ops?id=7&x=%20#frag", u));
    BOOST_CHECK(u.tls);
    BOOST_CHECK_EQUAL(u.host, "sp.example.com");
    BOOST_CHECK_EQUAL(u.port, "443");
    BOOST_CHECK_EQUAL(u.target, "/cb/ops?id=7&x=%20");

    BOOST_REQUIRE(parse_http_url("http://127.0.0.1:8080/a", u));
    BOOST_CHECK_EQUAL(u.host, "127.0.0.1");
    BOOST_CHECK_EQUAL(u.port, "8080");
    BOOST_CHECK_EQUAL(u.target, "/a");

    BOOST_REQUIRE(parse_http_url("https://[::1]:8443/x?y", u));
    BOOST_CHECK(u.tls);
    BOOST_CHECK_EQUAL(u.host, "::1");
    BOOST_CHECK_EQUAL(u.port, "8443");
    BOOST_CHECK_EQUAL(u.target, "/x?y");

    BOOST_REQUIRE(parse_http_url("http://user:pw@host:0081?q", u)); // userinfo ignored
    BOOST_CHECK_EQUAL(u.host, "host");
    BOOST_CHECK_EQUAL(u.port, "81");
    BOOST_CHECK_EQUAL(u.target, "/?q");
}

BOOST_AUTO_TEST_CASE(parse_http_url_rejects_everything_else) {
    parsed_url u;
    for (const char* bad :
         {"", "example.com/x", "/relative", "ftp://example.com/", "ws://example.com/", "http://", "http:///x",
          "http:x", "http://h:/", "http://h:0/", "http://h:65536/", "http://h:99999/", "http://h:8o/",
          "http://[v1.x]/", "http://ho st/", "http://%41b/", "http://h/a b", "http://h\r\n/x"}) {
        BOOST_TEST_CONTEXT("url " << bad) {
            BOOST_CHECK(!parse_http_url(bad, u));
        }
    }
}

BOOST_AUTO_TEST_CASE(get_round_trip) {
    test_server server([](const auto& req) {
        server_reply r;
        r.status = 201;
        r.content_type = "text/plain";
        r.body = std::string(req.method_string()) + " " + std::string(req.target());
        return r;
    });
    net::io_context ioc{1};
    http_client client(ioc, {});
    auto req = get(server.url("/desc?v=1"));
    req.headers.emplace_back("X-Trace", "abc");
    const auto res = run_one(ioc, client, std::move(req));
    BOOST_CHECK(!res.ec);
    BOOST_CHECK_EQUAL(res.status, 201);
    BOOST_CHECK_EQUAL(res.body, "GET /desc?v=1");
    BOOST_CHECK_EQUAL(res.content_type, "text/plain");
    const auto seen = server.last_request();
    BOOST_CHECK_EQUAL(seen[http::field::host], "127.0.0.1:" + std::to_string(server.port()));
    BOOST_CHECK_EQUAL(seen[http::field::user_agent], "opentsm");
    BOOST_CHECK_EQUAL(seen["X-Trace"], "abc");
    BOOST_CHECK(seen.find(http::field::content_type) == seen.end()); // no body, no content type
}

BOOST_AUTO_TEST_CASE(post_sends_body_with_default_and_explicit_content_type) {
    test_server server([](const auto& req) {
        server_reply r;
        r.body = req.body();
        r.content_type = std::string(req[http::field::content_type]);
        return r;
    });
    net::io_context ioc{1};
    http_client client(ioc, {});

    http_client_request req;
    req.method = "POST";
    req.url = server.url("/ops");
    req.body = R"({"op":1})";
    auto res = run_one(ioc, client, req);
    BOOST_CHECK(!res.ec);
    BOOST_CHECK_EQUAL(res.status, 200);
    BOOST_CHECK_EQUAL(res.body, R"({"op":1})");
    BOOST_CHECK_EQUAL(res.content_type, "application/json");

    req.method = "PUT";
    req.headers.emplace_back("content-type", "application/octet-stream");
    res = run_one(ioc, client, req);
    BOOST_CHECK(!res.ec);
    BOOST_CHECK_EQUAL(res.content_type, "application/octet-stream");
    BOOST_CHECK_EQUAL(server.last_request().method(), http::verb::put);
}

BOOST_AUTO_TEST_CASE(keep_alive_reuses_one_connection) {
    test_server server(ok_reply);
    net::io_context ioc{1};
    http_client client(ioc, {});
    for (int i = 0; i < 3; ++i) {
        const auto res = run_one(ioc, client, get(server.url("/cb")));
        BOOST_CHECK(!res.ec);
        BOOST_CHECK_EQUAL(res.status, 200);
    }
    BOOST_CHECK_EQUAL(client.connections_opened(), 1u);
    BOOST_CHECK_EQUAL(client.idle_connections(), 1u);
    BOOST_CHECK_EQUAL(server.accepted(), 1);
    BOOST_CHECK_EQUAL(server.requests(), 3);
}

BOOST_AUTO_TEST_CASE(concurrent_requests_fill_the_pool_up_to_the_cap) {
    test_server server(ok_reply);
    net::io_context ioc{1};
    http_client_options opts;
    opts.max_idle_per_host = 2;
    http_client client(ioc, opts);
    int done = 0;
    for (int i = 0; i < 4; ++i) {
        client.request(get(server.url("/p")), [&](http_client_response r) {
            BOOST_CHECK(!r.ec);
            ++done;
        });
    }
    ioc.run_for(10s);
    BOOST_CHECK_EQUAL(done, 4);
    BOOST_CHECK_EQUAL(client.connections_opened(), 4u);
    BOOST_CHECK_EQUAL(client.idle_connections(), 2u);
}

BOOST_AUTO_TEST_CASE(closed_idle_connection_is_retried_on_a_fresh_one) {
    test_server server(ok_reply, test_server::mode::drop_after_response);
    net::io_context ioc{1};
    http_client client(ioc, {});
    auto res = run_one(ioc, client, get(server.url("/a")));
    BOOST_CHECK(!res.ec);
    BOOST_CHECK_EQUAL(client.idle_connections(), 1u); // the server said keep-alive
    BOOST_REQUIRE(wait_until([&] { return server.closed() >= 1; }));

    res = run_one(ioc, client, get(server.url("/b")));
    BOOST_CHECK(!res.ec);
    BOOST_CHECK_EQUAL(res.status, 200);
    BOOST_CHECK_EQUAL(client.connections_opened(), 2u);
    BOOST_CHECK_EQUAL(server.requests(), 2);
}

BOOST_AUTO_TEST_CASE(connection_close_is_honoured) {
    test_server server([](const auto&) {
        server_reply r;
        r.close = true;
        return r;
    });
    net::io_context ioc{1};
    http_client client(ioc, {});
    for (int i = 0; i < 2; ++i) {
        const auto res = run_one(ioc, client, get(server.url("/c")));
        BOOST_CHECK(!res.ec);
        BOOST_CHECK_EQUAL(res.status, 200);
        BOOST_CHECK_EQUAL(client.idle_connections(), 0u);
    }
    BOOST_CHECK_EQUAL(client.connections_opened(), 2u);
    BOOST_CHECK_EQUAL(server.accepted(), 2);
}

BOOST_AUTO_TEST_CASE(idle_connections_older_than_keepalive_are_not_reused) {
    test_server server(ok_reply);
    net::io_context ioc{1};
    http_client_options opts;
    opts.idle_keepalive = std::chrono::seconds(0);
    http_client client(ioc, opts);
    BOOST_CHECK(!run_one(ioc, client, get(server.url("/1"))).ec);
    BOOST_CHECK(!run_one(ioc, client, get(server.url("/2"))).ec);
    BOOST_CHECK_EQUAL(client.connections_opened(), 2u);
}

BOOST_AUTO_TEST_CASE(timeout_does_not_block_the_io_context) {
    test_server server(ok_reply, test_server::mode::never_answer);
    net::io_context ioc{1};
    http_client client(ioc, {});
    bool timer_fired = false;
    bool timer_fired_before_response = false;
    std::optional<http_client_response> out;
    net::steady_timer timer(ioc, 50ms);
    timer.async_wait([&](const boost::system::error_code& ec) { timer_fired = !ec; });
    auto req = get(server.url("/slow"));
    req.timeout = 200ms;
    const auto start = std::chrono::steady_clock::now();
    client.request(std::move(req), [&](http_client_response r) {
        timer_fired_before_response = timer_fired;
        out = std::move(r);
    });
    ioc.run_for(10s);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    BOOST_REQUIRE(out);
    BOOST_CHECK(out->ec == http_client_errc::timeout);
    BOOST_CHECK_EQUAL(out->status, 0);
    BOOST_CHECK(timer_fired_before_response);
    BOOST_CHECK(elapsed >= 180ms);
    BOOST_CHECK(elapsed < 8s); // far above the 200 ms timeout: only "it did end" is asserted
    BOOST_CHECK_EQUAL(client.idle_connections(), 0u);
}

BOOST_AUTO_TEST_CASE(connection_refused_sets_ec) {
    // A bound socket that never listens holds the port for the whole test: connecting to it is
    // refused, and no other process can take the port meanwhile.
    net::io_context tmp;
    tcp::socket holder(tmp);
    holder.open(tcp::v4());
    holder.bind({net::ip::make_address("127.0.0.1"), 0});
    const unsigned short port = holder.local_endpoint().port();
    net::io_context ioc{1};
    http_client client(ioc, {});
    const auto res = run_one(ioc, client, get("http://127.0.0.1:" + std::to_string(port) + "/"));
    BOOST_CHECK(res.ec);
    BOOST_CHECK(res.ec == std::errc::connection_refused);
    BOOST_CHECK_EQUAL(res.status, 0);
    BOOST_CHECK_EQUAL(client.connections_opened(), 0u);
}

BOOST_AUTO_TEST_CASE(oversize_response_is_an_error) {
    test_server server([](const auto&) {
        server_reply r;
        r.body.assign(4096, 'x');
        return r;
    });
    net::io_context ioc{1};
    http_client_options opts;
    opts.max_response_bytes = 1024;
    http_client client(ioc, opts);
    const auto res = run_one(ioc, client, get(server.url("/big")));
    BOOST_CHECK(res.ec == http_client_errc::response_too_large);
    BOOST_CHECK_EQUAL(res.status, 0);
    BOOST_CHECK(res.body.empty());
    BOOST_CHECK_EQUAL(client.idle_connections(), 0u);
}

// Beast 1.81 puts no limit on a chunk extension or a trailer section; the client's bounded read
// buffer must end such a response instead of growing with it until the timeout.
BOOST_AUTO_TEST_CASE(endless_chunk_extension_in_a_response_is_an_error) {
    constexpr std::size_t hostile = 32u << 20;
    raw_server server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;", hostile, 'e', false);
    net::io_context ioc{1};
    http_client client(ioc, {});
    auto req = get(server.url("/desc"));
    req.timeout = 5s;
    const auto res = run_one(ioc, client, std::move(req));
    BOOST_CHECK_MESSAGE(res.ec == http_client_errc::response_too_large, res.ec.message());
    BOOST_CHECK_EQUAL(res.status, 0);
    BOOST_CHECK_EQUAL(client.idle_connections(), 0u);
    // The client hung up long before the server had sent everything.
    BOOST_CHECK(wait_until([&] { return server.client_went_away(); }, 5000ms));
    BOOST_CHECK_LT(server.filler_written(), hostile);
}

BOOST_AUTO_TEST_CASE(endless_trailer_section_in_a_response_is_an_error) {
    constexpr std::size_t hostile = 32u << 20;
    raw_server server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: ", hostile,
                      't', false);
    net::io_context ioc{1};
    http_client client(ioc, {});
    auto req = get(server.url("/desc"));
    req.timeout = 5s;
    const auto res = run_one(ioc, client, std::move(req));
    BOOST_CHECK_MESSAGE(res.ec == http_client_errc::response_too_large, res.ec.message());
    BOOST_CHECK_EQUAL(res.status, 0);
    BOOST_CHECK(wait_until([&] { return server.client_went_away(); }, 5000ms));
    BOOST_CHECK_LT(server.filler_written(), hostile);
}

BOOST_AUTO_TEST_CASE(sane_chunk_extension_and_trailer_in_a_response_are_read) {
    raw_server server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                      "2;name=value\r\n{}\r\n0\r\nX-Checksum: 1\r\n\r\n",
                      0, 'x', true);
    net::io_context ioc{1};
    http_client client(ioc, {});
    const auto res = run_one(ioc, client, get(server.url("/desc")));
    BOOST_CHECK_MESSAGE(!res.ec, res.ec.message());
    BOOST_CHECK_EQUAL(res.status, 200);
    BOOST_CHECK_EQUAL(res.body, "{}");
}

// RFC 9112 §6.3: a response whose Transfer-Encoding does not end in chunked (and any response
// without a length) is read until the server closes; such a connection is never pooled.
BOOST_AUTO_TEST_CASE(response_without_final_chunked_is_read_until_close_and_not_pooled) {
    for (const std::string te : {"identity", "gzip", "chunked, identity"}) {
        BOOST_TEST_CONTEXT("Transfer-Encoding: " << te) {
            raw_server server("HTTP/1.1 200 OK\r\nTransfer-Encoding: " + te + "\r\n\r\n{\"a\":1}", 0, 'x',
                              true);
            net::io_context ioc{1};
            http_client client(ioc, {});
            const auto res = run_one(ioc, client, get(server.url("/desc")));
            BOOST_CHECK_MESSAGE(!res.ec, res.ec.message());
            BOOST_CHECK_EQUAL(res.status, 200);
            BOOST_CHECK_EQUAL(res.body, R"({"a":1})");
            BOOST_CHECK_EQUAL(client.idle_connections(), 0u);
        }
    }
}

BOOST_AUTO_TEST_CASE(malformed_url_and_request_fail_without_io) {
    net::io_context ioc{1};
    http_client client(ioc, {});
    auto res = run_one(ioc, client, get("ftp://127.0.0.1/x"));
    BOOST_CHECK(res.ec == http_client_errc::invalid_url);
    BOOST_CHECK_EQUAL(res.status, 0);

    auto req = get("http://127.0.0.1:1/x");
    req.headers.emplace_back("X-Evil", "a\r\nInjected: yes");
    res = run_one(ioc, client, req);
    BOOST_CHECK(res.ec == http_client_errc::invalid_request);

    req = get("http://127.0.0.1:1/x");
    req.method = "GE T";
    res = run_one(ioc, client, req);
    BOOST_CHECK(res.ec == http_client_errc::invalid_request);
    BOOST_CHECK_EQUAL(client.connections_opened(), 0u);
}

BOOST_AUTO_TEST_CASE(https_with_ca_file_succeeds_and_reuses) {
    tls_fixture tls;
    test_server server(ok_reply, test_server::mode::normal, &tls.server_ctx);
    net::io_context ioc{1};
    http_client_options opts;
    opts.ca_file = tls.ca_file;
    http_client client(ioc, opts);
    auto res = run_one(ioc, client, get(server.url("/secure")));
    BOOST_CHECK_MESSAGE(!res.ec, res.ec.message());
    BOOST_CHECK_EQUAL(res.status, 200);
    BOOST_CHECK_EQUAL(res.body, R"({"ok":true})");
    // By name: resolver, SNI and DNS subjectAltName verification.
    res = run_one(ioc, client, get(server.url("/secure", "localhost")));
    BOOST_CHECK_MESSAGE(!res.ec, res.ec.message());
    BOOST_CHECK_EQUAL(res.status, 200);
    res = run_one(ioc, client, get(server.url("/again", "localhost")));
    BOOST_CHECK(!res.ec);
    BOOST_CHECK_EQUAL(client.connections_opened(), 2u); // one per (host, port)
}

BOOST_AUTO_TEST_CASE(https_with_untrusted_certificate_fails) {
    tls_fixture tls;
    test_server server(ok_reply, test_server::mode::normal, &tls.server_ctx);
    net::io_context ioc{1};
    http_client client(ioc, {}); // system store only: the self-signed cert is unknown
    const auto res = run_one(ioc, client, get(server.url("/secure")));
    BOOST_CHECK(res.ec);
    BOOST_CHECK(res.ec != http_client_errc::timeout);
    BOOST_CHECK_MESSAGE(is_certificate_verify_failure(res.ec), res.ec.message());
    BOOST_CHECK_EQUAL(res.status, 0);
    BOOST_CHECK_EQUAL(server.requests(), 0);
}

BOOST_AUTO_TEST_CASE(https_host_name_mismatch_fails) {
    tls_fixture tls;
    // Listening on 127.0.0.2, the address dialled: the TLS handshake really takes place.
    test_server server(ok_reply, test_server::mode::normal, &tls.server_ctx, "127.0.0.2");
    net::io_context ioc{1};
    http_client_options opts;
    opts.ca_file = tls.ca_file;
    http_client client(ioc, opts);
    // Trusted certificate, but 127.0.0.2 is not among its subjectAltNames.
    const auto res = run_one(ioc, client, get(server.url("/", "127.0.0.2")));
    BOOST_CHECK(res.ec);
    BOOST_CHECK(res.ec != std::errc::connection_refused);
    BOOST_CHECK_MESSAGE(is_certificate_verify_failure(res.ec), res.ec.message());
    BOOST_CHECK_EQUAL(res.status, 0);
    BOOST_CHECK(wait_until([&] { return server.accepted() == 1; }));
    BOOST_CHECK_EQUAL(server.requests(), 0);

    // The same server by an address the certificate names is trusted: the mismatch alone failed.
    test_server named(ok_reply, test_server::mode::normal, &tls.server_ctx);
    const auto ok = run_one(ioc, client, get(named.url("/")));
    BOOST_CHECK_MESSAGE(!ok.ec, ok.ec.message());
    BOOST_CHECK_EQUAL(ok.status, 200);
}

BOOST_AUTO_TEST_CASE(https_without_verification_accepts_any_certificate) {
    tls_fixture tls;
    test_server server(ok_reply, test_server::mode::normal, &tls.server_ctx);
    net::io_context ioc{1};
    http_client_options opts;
    opts.verify_tls = false;
    http_client client(ioc, opts);
    const auto res = run_one(ioc, client, get(server.url("/secure")));
    BOOST_CHECK_MESSAGE(!res.ec, res.ec.message());
    BOOST_CHECK_EQUAL(res.status, 200);
}

BOOST_AUTO_TEST_CASE(shutdown_cancels_in_flight_and_later_requests) {
    test_server server(ok_reply, test_server::mode::never_answer);
    net::io_context ioc{1};
    http_client client(ioc, {});
    std::optional<http_client_response> out;
    int calls = 0;
    auto req = get(server.url("/hang"));
    req.timeout = 30s;
    const auto start = std::chrono::steady_clock::now();
    client.request(std::move(req), [&](http_client_response r) {
        ++calls;
        out = std::move(r);
    });
    net::steady_timer timer(ioc, 100ms);
    timer.async_wait([&](const boost::system::error_code&) { client.shutdown(); });
    ioc.run_for(10s);
    BOOST_REQUIRE_EQUAL(calls, 1);
    BOOST_CHECK(out->ec == http_client_errc::cancelled);
    BOOST_CHECK_EQUAL(out->status, 0);
    BOOST_CHECK(std::chrono::steady_clock::now() - start < 5s);

    const auto later = run_one(ioc, client, get(server.url("/after")));
    BOOST_CHECK(later.ec == http_client_errc::cancelled);
}

BOOST_AUTO_TEST_CASE(shutdown_closes_pooled_connections) {
    test_server server(ok_reply);
    net::io_context ioc{1};
    http_client client(ioc, {});
    BOOST_CHECK(!run_one(ioc, client, get(server.url("/x"))).ec);
    BOOST_CHECK_EQUAL(client.idle_connections(), 1u);
    client.shutdown();
    BOOST_CHECK_EQUAL(client.idle_connections(), 0u);
    BOOST_CHECK(wait_until([&] { return server.closed() == 1; }));
}

BOOST_AUTO_TEST_CASE(requests_in_flight_outlive_the_client_object) {
    test_server server(ok_reply, test_server::mode::never_answer);
    net::io_context ioc{1};
    int calls = 0;
    std::optional<http_client_response> out;
    {
        http_client client(ioc, {});
        auto req = get(server.url("/orphan"));
        req.timeout = 150ms;
        client.request(std::move(req), [&](http_client_response r) {
            ++calls;
            out = std::move(r);
        });
    }
    ioc.run_for(10s);
    BOOST_REQUIRE_EQUAL(calls, 1);
    BOOST_CHECK(out->ec == http_client_errc::timeout);
}

BOOST_AUTO_TEST_SUITE_END()
