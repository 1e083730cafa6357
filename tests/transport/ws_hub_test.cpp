#include "tsm/transport/ws_hub.hpp"

#include "tsm/transport/http_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using namespace tsm::transport;

namespace {

/// Records every WebSocket event; "echo:" messages are sent straight back from on_message.
struct ws_events : ws_handler {
    void on_open(ws_ref conn, const std::string&, std::string_view target) override {
        std::lock_guard lk(m);
        opened.push_back(conn);
        targets.emplace_back(target);
        cv.notify_all();
    }
    void on_message(ws_ref conn, std::string text) override {
        if (text.rfind("echo:", 0) == 0 && hub != nullptr) {
            hub->send(conn, text);
        }
        std::lock_guard lk(m);
        messages.emplace_back(conn, std::move(text));
        cv.notify_all();
    }
    void on_close(ws_ref conn) override {
        std::lock_guard lk(m);
        ++closed[conn.id];
        cv.notify_all();
    }

    template <class Pred>
    bool wait(Pred p) {
        std::unique_lock lk(m);
        return cv.wait_for(lk, std::chrono::seconds(5), p);
    }
    std::size_t closes(ws_ref r) {
        std::lock_guard lk(m);
        auto it = closed.find(r.id);
        return it == closed.end() ? 0 : it->second;
    }

    std::mutex m;
    std::condition_variable cv;
    std::vector<ws_ref> opened;
    std::vector<std::string> targets; ///< the upgrade target of each opened connection
    std::vector<std::pair<ws_ref, std::string>> messages;
    std::map<std::uint64_t, int> closed;
    ws_hub* hub = nullptr;
};

struct no_http : http_handler {
    void on_request(http_request, http_responder r) override {
        r(make_error_response(404, "not-found", "none"));
    }
};

/// Two shards on two threads, a hub and a server accepting upgrades on /ws (or on `paths`).
class ws_env {
public:
    explicit ws_env(ws_options wopts = {}, std::vector<std::string> paths = {"/ws"}) {
        for (int i = 0; i < 2; ++i) {
            ctxs_.push_back(std::make_unique<net::io_context>(1));
            guards_.emplace_back(ctxs_.back()->get_executor());
            ptrs_.push_back(ctxs_.back().get());
        }
        hub_ = std::make_unique<ws_hub>(ptrs_, events);
        events.hub = hub_.get();
        http_server_options opts;
        opts.ws = wopts;
        server_ = std::make_unique<http_server>(ptrs_, opts, http_, hub_.get(), std::move(paths));
        auto bound = server_->listen("127.0.0.1:0");
        port_ = static_cast<unsigned short>(std::stoi(bound.substr(bound.rfind(':') + 1)));
        server_->start();
        for (auto* c : ptrs_) {
            threads_.emplace_back([c] { c->run(); });
        }
    }
    ~ws_env() {
        for (auto* c : ptrs_) {
            c->stop();
        }
        for (auto& t : threads_) {
            t.join();
        }
        server_.reset();
        hub_.reset();
    }

    ws_hub& hub() { return *hub_; }

    using client = websocket::stream<beast::tcp_stream>;

    std::unique_ptr<client> connect(const std::string& path = "/ws") {
        auto ws = std::make_unique<client>(client_ctx_);
        beast::get_lowest_layer(*ws).expires_after(std::chrono::seconds(5));
        beast::get_lowest_layer(*ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
        websocket::response_type res;
        ws->handshake(res, "localhost", path);
        beast::get_lowest_layer(*ws).expires_never();
        ws->set_option(
            websocket::stream_base::timeout{std::chrono::seconds(5), std::chrono::seconds(5), false});
        return ws;
    }

    /// Opens a connection and returns it with the ref the server gave it.
    std::pair<std::unique_ptr<client>, ws_ref> open(const std::string& path = "/ws") {
        std::size_t before;
        {
            std::lock_guard lk(events.m);
            before = events.opened.size();
        }
        auto ws = connect(path);
        BOOST_REQUIRE(events.wait([&] { return events.opened.size() > before; }));
        std::lock_guard lk(events.m);
        return {std::move(ws), events.opened.back()};
    }

    unsigned short port() const { return port_; }
    ws_events events;

private:
    no_http http_;
    net::io_context client_ctx_;
    std::vector<std::unique_ptr<net::io_context>> ctxs_;
    std::vector<net::executor_work_guard<net::io_context::executor_type>> guards_;
    std::vector<net::io_context*> ptrs_;
    std::unique_ptr<ws_hub> hub_;
    std::unique_ptr<http_server> server_;
    std::vector<std::thread> threads_;
    unsigned short port_ = 0;
};

std::string read_text(ws_env::client& ws) {
    beast::flat_buffer buf;
    ws.read(buf);
    return beast::buffers_to_string(buf.data());
}

/// Reads until the server's close frame; returns its code (0 if the stream failed otherwise).
unsigned read_close_code(ws_env::client& ws) {
    for (;;) {
        beast::flat_buffer buf;
        boost::system::error_code ec;
        ws.read(buf, ec);
        if (ec == websocket::error::closed) {
            return ws.reason().code;
        }
        if (ec) {
            BOOST_TEST_MESSAGE("close read failed: " << ec.message());
            return 0;
        }
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(ws_hub_suite)

BOOST_AUTO_TEST_CASE(upgrade_on_allowed_path_reports_open_message_close) {
    ws_env env;
    auto [ws, ref] = env.open();
    BOOST_TEST(ref.valid());
    BOOST_TEST(ref.shard < 2u);
    BOOST_TEST(env.hub().connection_count() == 1u);
    ws->text(true);
    ws->write(net::buffer(std::string("hello")));
    BOOST_REQUIRE(env.events.wait([&] { return !env.events.messages.empty(); }));
    {
        std::lock_guard lk(env.events.m);
        BOOST_TEST((env.events.messages[0].first == ref));
        BOOST_TEST(env.events.messages[0].second == "hello");
    }
    ws->close(websocket::close_code::normal);
    BOOST_REQUIRE(env.events.wait([&] { return env.events.closed.count(ref.id) == 1; }));
    BOOST_TEST(env.events.closes(ref) == 1u);
    BOOST_TEST(env.hub().connection_count() == 0u);
}

BOOST_AUTO_TEST_CASE(upgrade_on_other_path_gets_404) {
    ws_env env;
    net::io_context ioc;
    websocket::stream<beast::tcp_stream> client(ioc);
    beast::get_lowest_layer(client).expires_after(std::chrono::seconds(5));
    beast::get_lowest_layer(client).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), env.port()));
    websocket::response_type res;
    boost::system::error_code ec;
    client.handshake(res, "localhost", "/elsewhere", ec);
    BOOST_TEST((ec == websocket::error::upgrade_declined));
    BOOST_TEST(res.result_int() == 404u);
    BOOST_TEST(res.body().find("\"not-found\"") != std::string::npos);
}

/// The HTTP status of an upgrade attempt on `target` (101 when accepted).
unsigned upgrade_status(unsigned short port, const std::string& target) {
    net::io_context ioc;
    websocket::stream<beast::tcp_stream> client(ioc);
    beast::get_lowest_layer(client).expires_after(std::chrono::seconds(5));
    beast::get_lowest_layer(client).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    websocket::response_type res;
    boost::system::error_code ec;
    client.handshake(res, "localhost", target, ec);
    return res.result_int();
}

BOOST_AUTO_TEST_CASE(path_patterns_match_segment_by_segment_and_ignore_the_query) {
    BOOST_TEST(ws_path_matches("/ws", "/ws"));
    BOOST_TEST(ws_path_matches("/ws", "/ws?x=1"));
    BOOST_TEST(!ws_path_matches("/ws", "/ws/"));
    BOOST_TEST(!ws_path_matches("/ws", "/wss"));
    BOOST_TEST(!ws_path_matches("/ws", "/"));
    BOOST_TEST(!ws_path_matches("/ws", ""));
    const std::string_view p = "/v3/ws/apps/{appId}/services/{serviceId}";
    BOOST_TEST(ws_path_matches(p, "/v3/ws/apps/A1B2C3D4/services/demo?cin=0102"));
    BOOST_TEST(ws_path_matches(p, "/v3/ws/apps/A1B2C3D4/services/demo"));
    BOOST_TEST(!ws_path_matches(p, "/v3/ws/apps//services/demo"));
    BOOST_TEST(!ws_path_matches(p, "/v3/ws/apps/A1B2C3D4/services/"));
    BOOST_TEST(!ws_path_matches(p, "/v3/ws/apps/A1B2C3D4/services"));
    BOOST_TEST(!ws_path_matches(p, "/v3/ws/apps/A1B2C3D4/services/demo/more"));
    BOOST_TEST(!ws_path_matches(p, "/v2/ws/apps/A1B2C3D4/services/demo"));
    BOOST_TEST(!ws_path_matches(p, "v3/ws/apps/A1B2C3D4/services/demo"));
}

BOOST_AUTO_TEST_CASE(upgrades_are_accepted_on_patterns_and_the_handler_gets_the_target) {
    ws_env env({}, {"/ws", "/ws/apps/{appId}/services/{serviceId}"});
    const std::string target = "/ws/apps/A1B2C3D4/services/demo?cin=0E48800471400A&color=blue";
    auto [ws, ref] = env.open(target);
    {
        std::lock_guard lk(env.events.m);
        BOOST_REQUIRE_EQUAL(env.events.targets.size(), 1u);
        BOOST_TEST(env.events.targets.back() == target);
    }
    auto [plain, plain_ref] = env.open("/ws?x=1");
    {
        std::lock_guard lk(env.events.m);
        BOOST_TEST(env.events.targets.back() == "/ws?x=1");
    }
    BOOST_TEST(upgrade_status(env.port(), "/ws/apps//services/demo") == 404u);
    BOOST_TEST(upgrade_status(env.port(), "/ws/apps/A1/services") == 404u);
    BOOST_TEST(upgrade_status(env.port(), "/ws/apps/A1/services/demo/x") == 404u);
    std::lock_guard lk(env.events.m);
    BOOST_TEST(env.events.opened.size() == 2u); // the refused upgrades opened nothing
}

BOOST_AUTO_TEST_CASE(send_from_another_thread_and_echo_from_handler_reach_client) {
    ws_env env;
    auto [ws, ref] = env.open();
    std::thread t([&, r = ref] { env.hub().send(r, "from-outside"); });
    t.join();
    BOOST_TEST(read_text(*ws) == "from-outside");
    ws->write(net::buffer(std::string("echo:1")));
    BOOST_TEST(read_text(*ws) == "echo:1");
    // Long message: crosses the small first read.
    std::string big = "echo:" + std::string(20000, 'b');
    ws->write(net::buffer(big));
    BOOST_TEST(read_text(*ws) == big);
}

BOOST_AUTO_TEST_CASE(close_sends_queued_messages_then_the_code) {
    ws_env env;
    auto [ws, ref] = env.open();
    env.hub().send(ref, "last");
    env.hub().close(ref, 1000, "bye");
    BOOST_TEST(read_text(*ws) == "last");
    BOOST_TEST(read_close_code(*ws) == 1000u);
    BOOST_TEST(ws->reason().reason == "bye");
    BOOST_REQUIRE(env.events.wait([&] { return env.events.closed.count(ref.id) == 1; }));
}

BOOST_AUTO_TEST_CASE(close_all_closes_every_connection_with_the_code) {
    ws_env env;
    std::vector<std::unique_ptr<ws_env::client>> clients;
    for (int i = 0; i < 6; ++i) {
        clients.push_back(env.open().first);
    }
    BOOST_TEST(env.hub().connection_count() == 6u);
    env.hub().close_all(1001, "going away");
    for (auto& c : clients) {
        BOOST_TEST(read_close_code(*c) == 1001u);
    }
    BOOST_REQUIRE(env.events.wait([&] { return env.events.closed.size() == 6; }));
    BOOST_TEST(env.hub().connection_count() == 0u);
}

BOOST_AUTO_TEST_CASE(oversize_message_closes_with_1009) {
    ws_options o;
    o.max_message_bytes = 1024;
    ws_env env(o);
    auto [ws, ref] = env.open();
    ws->write(net::buffer(std::string(4096, 'x')));
    BOOST_TEST(read_close_code(*ws) == 1009u);
    BOOST_REQUIRE(env.events.wait([&] { return env.events.closed.count(ref.id) == 1; }));
    std::lock_guard lk(env.events.m);
    BOOST_TEST(env.events.messages.empty());
}

BOOST_AUTO_TEST_CASE(binary_message_closes_with_1003) {
    ws_env env;
    auto [ws, ref] = env.open();
    ws->binary(true);
    ws->write(net::buffer(std::string("\x01\x02", 2)));
    BOOST_TEST(read_close_code(*ws) == 1003u);
    BOOST_REQUIRE(env.events.wait([&] { return env.events.closed.count(ref.id) == 1; }));
    std::lock_guard lk(env.events.m);
    BOOST_TEST(env.events.messages.empty());
}

BOOST_AUTO_TEST_CASE(slow_reader_over_queue_limit_closes_with_1008) {
    ws_options o;
    o.max_queued_messages = 4;
    ws_env env(o);
    auto [ws, ref] = env.open();
    // All sends are queued on the shard before any write completes: the fifth overflows.
    for (int i = 0; i < 200; ++i) {
        env.hub().send(ref, std::string(64 * 1024, 'q'));
    }
    BOOST_TEST(read_close_code(*ws) == 1008u);
    BOOST_REQUIRE(env.events.wait([&] { return env.events.closed.count(ref.id) == 1; }));
}

BOOST_AUTO_TEST_CASE(send_to_dead_ref_is_a_no_op) {
    ws_env env;
    auto [ws, ref] = env.open();
    ws->close(websocket::close_code::normal);
    BOOST_REQUIRE(env.events.wait([&] { return env.events.closed.count(ref.id) == 1; }));
    env.hub().send(ref, "nobody");
    env.hub().close(ref, 1000, "nobody");
    env.hub().send(ws_ref{}, "none");
    env.hub().send(ws_ref{7, 1}, "no such shard");
    env.hub().send(ws_ref{0, 999999999}, "no such id");
    // A live connection still works afterwards, and the dead one saw exactly one close.
    auto [ws2, ref2] = env.open();
    BOOST_TEST(ref2.id != ref.id);
    env.hub().send(ref2, "alive");
    BOOST_TEST(read_text(*ws2) == "alive");
    BOOST_TEST(env.events.closes(ref) == 1u);
    BOOST_TEST(env.hub().connection_count() == 1u);
}

BOOST_AUTO_TEST_CASE(silent_peer_is_dropped_after_idle_timeout) {
    ws_options o;
    o.idle_timeout = std::chrono::seconds(1);
    o.keep_alive_pings = false;
    ws_env env(o);
    auto [ws, ref] = env.open();
    // The client's own read timeout sits far above the server's, so that only the server's
    // drop can end this read.
    ws->set_option(websocket::stream_base::timeout{std::chrono::seconds(5), std::chrono::seconds(30), false});
    auto t0 = std::chrono::steady_clock::now();
    beast::flat_buffer buf;
    boost::system::error_code ec;
    ws->read(buf, ec);
    auto waited = std::chrono::steady_clock::now() - t0;
    BOOST_TEST(ec.failed());
    BOOST_TEST(!(ec == websocket::error::closed), "dropped without a close frame");
    BOOST_TEST(!(ec == beast::error::timeout), ec.message());
    BOOST_TEST(waited >= std::chrono::milliseconds(900));
    BOOST_TEST(waited < std::chrono::seconds(20));
    BOOST_REQUIRE(env.events.wait([&] { return env.events.closed.count(ref.id) == 1; }));
}

BOOST_AUTO_TEST_CASE(keep_alive_pings_keep_a_quiet_but_live_peer) {
    ws_options o;
    o.idle_timeout = std::chrono::seconds(1);
    o.keep_alive_pings = true;
    ws_env env(o);
    auto [ws, ref] = env.open();
    // The client only reads (which answers pings). Once it has answered several pings and been
    // quiet for well over the idle timeout (a silent peer goes at 1-1.5x), it must still be there.
    std::atomic<int> pings{0};
    ws->control_callback([&](websocket::frame_type kind, beast::string_view) {
        if (kind == websocket::frame_type::ping) {
            ++pings;
        }
    });
    const auto t0 = std::chrono::steady_clock::now();
    std::atomic<bool> waited_enough{false};
    std::thread later([&, r = ref] {
        const auto give_up = t0 + std::chrono::seconds(20);
        while (std::chrono::steady_clock::now() < give_up
               && (pings < 3 || std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(2500))) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        waited_enough = pings >= 3;
        env.hub().send(r, "still here");
    });
    ws->set_option(websocket::stream_base::timeout{std::chrono::seconds(5), std::chrono::seconds(30), false});
    BOOST_TEST(read_text(*ws) == "still here");
    later.join();
    BOOST_TEST(waited_enough);
    BOOST_TEST(pings >= 3);
    BOOST_TEST(env.events.closes(ref) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
