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

#include <chrono>
#include <functional>
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
bool server_closed(beast::tcp_stream& s) {
    char c;
    boost::system::error_code ec;
    s.expires_after(std::chrono::seconds(5));
    s.socket().read_some(net::buffer(&c, 1), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
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
    http_env env([&](http_request, http_responder r) { called = true; r({}); }, opts);
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
    http_env env([&](http_request req, http_responder respond) {
        if (req.target != "/slow") {
            echo(std::move(req), std::move(respond));
            return;
        }
        std::lock_guard lk(m);
        workers.emplace_back([req = std::move(req), respond = std::move(respond)]() mutable {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            echo(std::move(req), std::move(respond));
        });
    });
    auto idle = env.connect();
    BOOST_TEST(round_trip(*idle, get("/warm")).result_int() == 201u);
    auto busy = env.connect();
    auto slow = get("/slow");
    slow.prepare_payload();
    http::write(*busy, slow);

    // Wait until the slow request is being handled before stopping.
    for (int i = 0; i < 500; ++i) {
        {
            std::lock_guard lk(m);
            if (!workers.empty()) {
                break;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    env.server().stop_accepting();

    BOOST_TEST(server_closed(*idle));

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
