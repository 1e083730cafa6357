#include "tsm/transport/http_server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/unit_test.hpp>

#include <poll.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using namespace tsm::transport;

namespace {

/// Two shards, each an io_context run by its own thread, plus a server listening on port 0.
class http_env {
public:
    using handler_fn = std::function<void(http_request, http_responder)>;

    explicit http_env(handler_fn fn, http_server_options opts = {}) : handler_(std::move(fn)) {
        for (int i = 0; i < 2; ++i) {
            ctxs_.push_back(std::make_unique<net::io_context>(1));
            guards_.emplace_back(ctxs_.back()->get_executor());
            ptrs_.push_back(ctxs_.back().get());
        }
        server_ = std::make_unique<http_server>(ptrs_, opts, handler_, nullptr, std::vector<std::string>{});
        bound_ = server_->listen("127.0.0.1:0");
        server_->start();
        for (auto* c : ptrs_) {
            threads_.emplace_back([c] { c->run(); });
        }
        auto colon = bound_.rfind(':');
        ep_ = tcp::endpoint(net::ip::make_address(bound_.substr(0, colon)),
                            static_cast<unsigned short>(std::stoi(bound_.substr(colon + 1))));
    }
    ~http_env() {
        // Threads first: nothing may run while the server and handler are torn down.
        for (auto* c : ptrs_) {
            c->stop();
        }
        for (auto& t : threads_) {
            t.join();
        }
        server_.reset();
    }

    http_server& server() { return *server_; }
    const std::string& bound() const { return bound_; }
    const tcp::endpoint& endpoint() const { return ep_; }

    std::unique_ptr<beast::tcp_stream> connect() {
        auto s = std::make_unique<beast::tcp_stream>(client_ctx_);
        s->expires_after(std::chrono::seconds(5));
        s->connect(ep_);
        return s;
    }

private:
    struct fn_handler : http_handler {
        explicit fn_handler(handler_fn f) : fn(std::move(f)) {}
        void on_request(http_request req, http_responder respond) override {
            fn(std::move(req), std::move(respond));
        }
        handler_fn fn;
    };

    fn_handler handler_;
    net::io_context client_ctx_;
    std::vector<std::unique_ptr<net::io_context>> ctxs_;
    std::vector<net::executor_work_guard<net::io_context::executor_type>> guards_;
    std::vector<net::io_context*> ptrs_;
    std::unique_ptr<http_server> server_;
    std::vector<std::thread> threads_;
    std::string bound_;
    tcp::endpoint ep_;
};

http::response<http::string_body> round_trip(beast::tcp_stream& s, http::request<http::string_body> req) {
    req.prepare_payload();
    s.expires_after(std::chrono::seconds(5));
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    return res;
}

http::request<http::string_body> get(const std::string& target) {
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "localhost");
    return req;
}

/// After the server closed: the next read sees end of stream (or a reset), never data.
/// Bounded: tcp_stream deadlines do not cover synchronous reads, so wait with poll() first.
bool server_closed(beast::tcp_stream& s) {
    pollfd p{s.socket().native_handle(), POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) {
        return false; // nothing within 5 s: the server kept the connection open
    }
    char c;
    boost::system::error_code ec;
    s.socket().read_some(net::buffer(&c, 1), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
}

/// What a raw TCP peer saw: every byte the server sent, and whether it then closed.
struct raw_outcome {
    std::string received;
    bool closed = false;  ///< end of stream or reset seen after the bytes above
    std::size_t sent = 0; ///< bytes of `head` + filler written before the writes stopped
};

/// Sends `head` and then `filler_bytes` of `filler` in 64 KiB writes on a fresh connection,
/// half-closes, and reads until the server closes. Writes stop early once the server closes or
/// resets. Bounded: everything is abandoned after 15 s.
raw_outcome raw_exchange(const tcp::endpoint& ep, const std::string& head, std::size_t filler_bytes = 0,
                         char filler = 'x') {
    net::io_context ioc;
    tcp::socket sock(ioc);
    sock.connect(ep);
    raw_outcome out;
    const std::string piece(64 * 1024, filler);
    std::size_t filler_left = filler_bytes;
    bool writes_done = false;
    std::function<void()> write_next = [&] {
        if (filler_left == 0) {
            writes_done = true;
            boost::system::error_code ignored;
            sock.shutdown(tcp::socket::shutdown_send, ignored);
            return;
        }
        const std::size_t n = std::min(filler_left, piece.size());
        net::async_write(sock, net::buffer(piece.data(), n),
                         [&, n](boost::system::error_code ec, std::size_t) {
                             if (ec) {
                                 writes_done = true; // the server closed: stop sending
                                 return;
                             }
                             out.sent += n;
                             filler_left -= n;
                             write_next();
                         });
    };
    net::async_write(sock, net::buffer(head), [&](boost::system::error_code ec, std::size_t) {
        if (ec) {
            writes_done = true;
            return;
        }
        out.sent += head.size();
        write_next();
    });
    std::array<char, 4096> chunk{};
    std::function<void()> read_next = [&] {
        sock.async_read_some(net::buffer(chunk), [&](boost::system::error_code ec, std::size_t n) {
            out.received.append(chunk.data(), n);
            if (ec) {
                out.closed = ec == net::error::eof || ec == net::error::connection_reset;
                return;
            }
            read_next();
        });
    };
    read_next();
    ioc.run_for(std::chrono::seconds(15));
    return out;
}

/// Counts the status lines in a raw response stream.
std::size_t count_responses(const std::string& raw) {
    std::size_t n = 0;
    for (auto pos = raw.find("HTTP/1.1 "); pos != std::string::npos; pos = raw.find("HTTP/1.1 ", pos + 1)) {
        ++n;
    }
    return n;
}

void echo(http_request req, http_responder respond) {
    http_response res;
    res.status = 201;
    res.content_type = "text/plain";
    res.body = req.method + " " + req.target + " " + req.body + " "
               + std::string(req.header("x-test").value_or("-")) + " " + std::to_string(req.shard);
    res.headers.emplace_back("X-Reply", "yes");
    respond(std::move(res));
}

} // namespace

BOOST_AUTO_TEST_SUITE(http_server_suite)

BOOST_AUTO_TEST_CASE(round_trip_carries_method_target_headers_and_body) {
    std::string remote;
    std::mutex m;
    http_env env([&](http_request req, http_responder respond) {
        {
            std::lock_guard lk(m);
            remote = req.remote;
        }
        echo(std::move(req), std::move(respond));
    });
    auto s = env.connect();
    http::request<http::string_body> req{http::verb::post, "/a/b?x=1", 11};
    req.set(http::field::host, "localhost");
    req.set("X-Test", "hello");
    req.body() = "payload";
    auto res = round_trip(*s, std::move(req));
    BOOST_TEST(res.result_int() == 201u);
    BOOST_TEST(res.body().rfind("POST /a/b?x=1 payload hello ", 0) == 0u);
    BOOST_TEST(res[http::field::server] == "opentsm");
    BOOST_TEST(res[http::field::content_type] == "text/plain");
    BOOST_TEST(res["X-Reply"] == "yes");
    BOOST_TEST(res[http::field::content_length] == std::to_string(res.body().size()));
    std::lock_guard lk(m);
    BOOST_TEST(remote.rfind("127.0.0.1:", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(keep_alive_serves_two_requests_on_one_connection) {
    http_env env(echo);
    auto s = env.connect();
    auto r1 = round_trip(*s, get("/one"));
    BOOST_TEST(r1.keep_alive());
    auto r2 = round_trip(*s, get("/two"));
    BOOST_TEST(r1.body().rfind("GET /one", 0) == 0u);
    BOOST_TEST(r2.body().rfind("GET /two", 0) == 0u);
    BOOST_TEST(env.server().connection_count() == 1u);
}

BOOST_AUTO_TEST_CASE(connection_close_is_honoured) {
    http_env env(echo);
    auto s = env.connect();
    auto req = get("/x");
    req.keep_alive(false);
    auto res = round_trip(*s, std::move(req));
    BOOST_TEST(res.result_int() == 201u);
    BOOST_TEST(!res.keep_alive());
    BOOST_TEST(server_closed(*s));
}

BOOST_AUTO_TEST_CASE(oversize_body_gets_413_json_and_close) {
    http_server_options opts;
    opts.max_body_bytes = 1024;
    bool called = false;
    http_env env(
        [&](http_request, http_responder r) {
            called = true;
            r({});
        },
        opts);
    auto s = env.connect();
    http::request<http::string_body> req{http::verb::post, "/big", 11};
    req.set(http::field::host, "localhost");
    req.body() = std::string(4096, 'x');
    auto res = round_trip(*s, std::move(req));
    BOOST_TEST(res.result_int() == 413u);
    BOOST_TEST(res[http::field::content_type] == "application/json");
    BOOST_TEST(res.body().find("\"payload-too-large\"") != std::string::npos);
    BOOST_TEST(!res.keep_alive());
    BOOST_TEST(server_closed(*s));
    BOOST_TEST(!called);
}

BOOST_AUTO_TEST_CASE(garbage_gets_400_and_close) {
    http_env env(echo);
    auto s = env.connect();
    net::write(s->socket(), net::buffer(std::string("GARBAGE\r\n\r\n")));
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(*s, buf, res);
    BOOST_TEST(res.result_int() == 400u);
    BOOST_TEST(res.body().find("\"bad-request\"") != std::string::npos);
    BOOST_TEST(server_closed(*s));
}

BOOST_AUTO_TEST_CASE(oversize_header_gets_431) {
    http_server_options opts;
    opts.max_header_bytes = 1024;
    http_env env(echo, opts);
    auto s = env.connect();
    auto req = get("/h");
    req.set("X-Big", std::string(4000, 'h'));
    auto res = round_trip(*s, std::move(req));
    BOOST_TEST(res.result_int() == 431u);
    BOOST_TEST(server_closed(*s));
}

// Beast 1.81 puts no limit on a chunk extension or a trailer section: only the bounded read
// buffer stops a peer that sends megabytes of either. Unbounded, the server would read all of
// it, wait for more, and close without an answer when the peer half-closes.
BOOST_AUTO_TEST_CASE(endless_chunk_extension_gets_400_and_close) {
    std::atomic<bool> called{false};
    http_env env([&](http_request, http_responder r) {
        called = true;
        r({});
    });
    const auto out =
        raw_exchange(env.endpoint(), "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;",
                     6 << 20, 'e');
    BOOST_TEST(out.received.rfind("HTTP/1.1 400 ", 0) == 0u, out.received.substr(0, 200));
    BOOST_TEST(out.received.find("\"bad-request\"") != std::string::npos);
    BOOST_TEST(count_responses(out.received) == 1u);
    BOOST_TEST(out.closed);
    BOOST_TEST(!called);
}

BOOST_AUTO_TEST_CASE(endless_trailer_section_gets_400_and_close) {
    std::atomic<bool> called{false};
    http_env env([&](http_request, http_responder r) {
        called = true;
        r({});
    });
    const auto out = raw_exchange(env.endpoint(),
                                  "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "2\r\n{}\r\n0\r\nX-T: ",
                                  6 << 20, 't');
    BOOST_TEST(out.received.rfind("HTTP/1.1 400 ", 0) == 0u, out.received.substr(0, 200));
    BOOST_TEST(count_responses(out.received) == 1u);
    BOOST_TEST(out.closed);
    BOOST_TEST(!called);
}

BOOST_AUTO_TEST_CASE(sane_chunk_extension_and_trailer_are_accepted) {
    http_env env(echo);
    const auto out =
        raw_exchange(env.endpoint(), "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                     "Connection: close\r\n\r\n"
                                     "3;name=value\r\nabc\r\n0\r\nX-Checksum: 1234\r\n\r\n");
    BOOST_TEST(out.received.rfind("HTTP/1.1 201 ", 0) == 0u, out.received.substr(0, 200));
    BOOST_TEST(out.received.find("POST /c abc ") != std::string::npos);
    BOOST_TEST(out.closed);
}

// RFC 9112 §6.1: a request whose Transfer-Encoding does not end in chunked has no reliable
// length; 400 and close. Beast reads such a request as bodiless, so its body would otherwise be
// parsed as a second request (smuggling).
BOOST_AUTO_TEST_CASE(transfer_encoding_not_ending_in_chunked_gets_400_and_close) {
    std::atomic<int> calls{0};
    http_env env([&](http_request req, http_responder r) {
        ++calls;
        echo(std::move(req), std::move(r));
    });
    for (const std::string te : {"identity", "gzip", "chunked, identity", "chunked, gzip"}) {
        BOOST_TEST_CONTEXT("Transfer-Encoding: " << te) {
            const auto out = raw_exchange(env.endpoint(), "POST /healthz HTTP/1.1\r\nHost: x\r\n"
                                                          "Transfer-Encoding: "
                                                              + te
                                                              + "\r\n\r\n"
                                                                "GET /smuggled HTTP/1.1\r\nHost: x\r\n"
                                                                "Connection: close\r\n\r\n");
            BOOST_TEST(out.received.rfind("HTTP/1.1 400 ", 0) == 0u, out.received.substr(0, 200));
            BOOST_TEST(count_responses(out.received) == 1u);
            BOOST_TEST(out.received.find("smuggled") == std::string::npos);
            BOOST_TEST(out.closed);
        }
    }
    // Also with a Content-Length after the Transfer-Encoding (Beast takes that as the length).
    const auto out =
        raw_exchange(env.endpoint(), "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n"
                                     "Content-Length: 2\r\n\r\n{}");
    BOOST_TEST(out.received.rfind("HTTP/1.1 400 ", 0) == 0u, out.received.substr(0, 200));
    BOOST_TEST(out.closed);
    BOOST_TEST(calls == 0);
}

BOOST_AUTO_TEST_CASE(transfer_encoding_ending_in_chunked_is_read_as_chunked) {
    http_env env(echo);
    const auto out =
        raw_exchange(env.endpoint(), "POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                     "Connection: close\r\n\r\n2\r\nok\r\n0\r\n\r\n");
    BOOST_TEST(out.received.rfind("HTTP/1.1 201 ", 0) == 0u, out.received.substr(0, 200));
    BOOST_TEST(out.received.find("POST /t ok ") != std::string::npos);
    BOOST_TEST(count_responses(out.received) == 1u);
    BOOST_TEST(out.closed);
}

BOOST_AUTO_TEST_CASE(responder_may_be_called_from_another_thread) {
    std::mutex m;
    std::vector<std::thread> workers;
    http_env env([&](http_request req, http_responder respond) {
        std::lock_guard lk(m);
        workers.emplace_back([req = std::move(req), respond = std::move(respond)]() mutable {
            std::this_thread::sleep_for(std::chrono::milliseconds(5)); // the shard moves on
            echo(std::move(req), std::move(respond));
        });
    });
    auto s = env.connect();
    auto r1 = round_trip(*s, get("/w1"));
    auto r2 = round_trip(*s, get("/w2"));
    BOOST_TEST(r1.body().rfind("GET /w1", 0) == 0u);
    BOOST_TEST(r2.body().rfind("GET /w2", 0) == 0u);
    std::lock_guard lk(m);
    for (auto& t : workers) {
        t.join();
    }
}

BOOST_AUTO_TEST_CASE(dropped_responder_answers_500) {
    http_env env([](http_request, http_responder) {});
    auto s = env.connect();
    auto res = round_trip(*s, get("/lost"));
    BOOST_TEST(res.result_int() == 500u);
    auto again = round_trip(*s, get("/lost"));
    BOOST_TEST(again.result_int() == 500u); // the connection survives
}

BOOST_AUTO_TEST_CASE(port_zero_binds_and_every_shard_accepts) {
    http_env env(echo);
    BOOST_TEST(env.endpoint().port() != 0);
    BOOST_TEST(env.bound() == "127.0.0.1:" + std::to_string(env.endpoint().port()));
    std::set<std::string> shards;
    std::vector<std::unique_ptr<beast::tcp_stream>> conns;
    // The kernel spreads connections over the acceptors by flow hash: with 64 flows the
    // chance that one shard gets none is 2^-63.
    for (int i = 0; i < 64; ++i) {
        conns.push_back(env.connect());
        auto res = round_trip(*conns.back(), get("/s"));
        shards.insert(res.body().substr(res.body().rfind(' ') + 1));
    }
    BOOST_TEST(shards.size() == 2u);
    BOOST_TEST(shards.count("0") == 1u);
    BOOST_TEST(shards.count("1") == 1u);
}

BOOST_AUTO_TEST_CASE(over_connection_limit_gets_503_with_retry_after) {
    http_server_options opts;
    opts.max_connections_per_shard = 1;
    http_env env(echo, opts);
    std::vector<std::unique_ptr<beast::tcp_stream>> conns;
    int ok = 0;
    int busy = 0;
    for (int i = 0; i < 8; ++i) {
        conns.push_back(env.connect());
        auto res = round_trip(*conns.back(), get("/c"));
        if (res.result_int() == 201u) {
            ++ok;
        } else {
            BOOST_TEST(res.result_int() == 503u);
            BOOST_TEST(res["Retry-After"] == "1");
            BOOST_TEST(res.body().find("\"error\"") != std::string::npos);
            BOOST_TEST(server_closed(*conns.back()));
            ++busy;
        }
    }
    BOOST_TEST(ok >= 1);
    BOOST_TEST(ok <= 2); // one per shard
    BOOST_TEST(busy == 8 - ok);
}

BOOST_AUTO_TEST_CASE(stop_accepting_refuses_new_closes_idle_and_finishes_in_flight) {
    std::mutex m;
    std::vector<std::thread> workers;
    // The slow request stays in flight until the test releases it, after stop_accepting().
    std::promise<void> handling;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    http_env env([&](http_request req, http_responder respond) {
        if (req.target != "/slow") {
            echo(std::move(req), std::move(respond));
            return;
        }
        std::lock_guard lk(m);
        workers.emplace_back([req = std::move(req), respond = std::move(respond), released]() mutable {
            released.wait();
            echo(std::move(req), std::move(respond));
        });
        handling.set_value();
    });
    auto idle = env.connect();
    BOOST_TEST(round_trip(*idle, get("/warm")).result_int() == 201u);
    auto busy = env.connect();
    auto slow = get("/slow");
    slow.prepare_payload();
    http::write(*busy, slow);

    const bool in_flight =
        handling.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    BOOST_TEST(in_flight);
    env.server().stop_accepting();

    BOOST_TEST(server_closed(*idle));
    release.set_value(); // only now may the in-flight request finish

    beast::flat_buffer buf;
    http::response<http::string_body> res;
    busy->expires_after(std::chrono::seconds(5));
    http::read(*busy, buf, res);
    BOOST_TEST(res.result_int() == 201u);
    BOOST_TEST(!res.keep_alive());

    // The acceptors close on their shard threads: poll briefly for the refusal.
    bool refused = false;
    for (int i = 0; i < 200 && !refused; ++i) {
        net::io_context ioc;
        tcp::socket sock(ioc);
        boost::system::error_code ec;
        sock.connect(env.endpoint(), ec);
        refused = ec == net::error::connection_refused;
        if (!refused) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    BOOST_TEST(refused);
    std::lock_guard lk(m);
    for (auto& t : workers) {
        t.join();
    }
}

BOOST_AUTO_TEST_SUITE_END()
