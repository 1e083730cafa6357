// The touch-point gateway over a real 2-shard pool and a real session service per shard (core
// fakes for the store and the SP), driven through its ws_handler interface on the connection's
// shard, with a recording sink in place of the WebSocket hub: deliver, answers routed to the
// owner shard, disconnect, resume rebinding (the old connection gets 4001), refusals.
#include "tsm/transport/touch_point/gateway.hpp"
#include "tsm/transport/touch_point/v1/codec.hpp"

#include "tsm/core/outbox_relay.hpp"
#include "tsm/core/session_service.hpp"
#include "tsm/core/shard_pool.hpp"
#include "tsm/core/shard_runtime.hpp"
#include "tsm/core/shard_services.hpp"
#include "tsm/core/transceive_operation.hpp"
#include "tsm/transport/http_server.hpp"
#include "tsm/transport/ws_hub.hpp"

#include "core_port_fakes.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace core = tsm::core;
namespace tp = tsm::transport::touch_point;
namespace bj = boost::json;
using tsm::transport::ws_ref;
using namespace std::chrono_literals;
using namespace std::string_literals;

namespace {

constexpr std::string_view app_id = "0A1B2C3D";
const std::string description_url = "https://sp.example/describe";
const std::string delivery_url = "https://sp.example/deliver";
const std::string cb_prefix = "https://sp.example/cb/";
const std::string description = R"({"title":"Read CPLC","price":0})";

bj::object parse(const std::string& s) {
    return bj::parse(s).as_object();
}

/// Records what the gateway sends, per connection (frames arrive from any shard).
class recording_sink final : public tp::connection_sink {
public:
    struct close_record {
        std::uint16_t code = 0;
        std::string reason;
    };

    void send(ws_ref conn, std::string frame) override {
        std::lock_guard lk(m_);
        frames_[conn.id].push_back(std::move(frame));
        cv_.notify_all();
    }
    void close(ws_ref conn, std::uint16_t code, std::string reason) override {
        std::lock_guard lk(m_);
        closes_[conn.id].push_back({code, std::move(reason)});
        cv_.notify_all();
    }

    /// The connection's frames once it has at least `n` (5 s at most).
    std::vector<std::string> wait_frames(ws_ref conn, std::size_t n) {
        std::unique_lock lk(m_);
        cv_.wait_for(lk, 5s, [&] { return frames_[conn.id].size() >= n; });
        return frames_[conn.id];
    }
    std::vector<std::string> frames(ws_ref conn) {
        std::lock_guard lk(m_);
        return frames_[conn.id];
    }
    std::vector<close_record> wait_closes(ws_ref conn, std::size_t n) {
        std::unique_lock lk(m_);
        cv_.wait_for(lk, 5s, [&] { return closes_[conn.id].size() >= n; });
        return closes_[conn.id];
    }
    std::vector<close_record> closes(ws_ref conn) {
        std::lock_guard lk(m_);
        return closes_[conn.id];
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    std::map<std::uint64_t, std::vector<std::string>> frames_;
    std::map<std::uint64_t, std::vector<close_record>> closes_;
};

/// One shard's fakes (used on that shard's thread only, or from the test while it waits).
struct shard_fakes {
    tsm::test::fake_store store;
    tsm::test::fake_sp_port sp;
};

struct no_http final : tsm::transport::http_handler {
    void on_request(tsm::transport::http_request, tsm::transport::http_responder r) override {
        r(tsm::transport::make_error_response(core::make_api_error(core::api_errc::not_found, "none")));
    }
};

/// Two shards, each with a real session service over fakes, and the gateway in front: fed by
/// the test through its ws_handler interface (frames recorded by `sink`), or with `real_hub`
/// by a real WebSocket server on 127.0.0.1 (frames through the hub to the client).
class gateway_env {
public:
    explicit gateway_env(bool real_hub = false) : pool_(2), codec_(limits()) {
        core::session_service_config cfg;
        cfg.is_json_object = [](std::string_view j) { return !j.empty() && j.front() == '{'; };
        core::outbox_relay_config rcfg;
        rcfg.retry.initial = 1ms;
        rcfg.retry.max_delay = 2ms;
        std::vector<core::shard_services*> ptrs;
        for (unsigned i = 0; i < pool_.size(); ++i) {
            auto& f = *fakes_.emplace_back(std::make_unique<shard_fakes>());
            auto& s = *services_.emplace_back(std::make_unique<core::shard_services>());
            s.index = i;
            s.ioc = &pool_.context(i);
            s.apps = std::make_unique<core::app_directory>(i);
            {
                const core::this_thread_as_shard as_owner(i); // the directory checks its owner shard
                s.apps->put(app());
            }
            s.sp = &f.sp;
            rcfg.owner_shard = i;
            s.relay = std::make_unique<core::outbox_relay>(*s.ioc, f.store, f.sp, rcfg, probe_, &vault_);
            core::register_transceive(s.kinds);
            ptrs.push_back(&s);
        }
        runtime_ = std::make_unique<core::shard_runtime>(pool_, ptrs);
        gateway_ = std::make_unique<tp::gateway>(*runtime_, codec_);
        gateway_->attach(sink);
        if (real_hub) {
            std::vector<boost::asio::io_context*> contexts{&pool_.context(0), &pool_.context(1)};
            hub_ = std::make_unique<tsm::transport::ws_hub>(contexts, *gateway_);
            hub_sink_ = std::make_unique<tp::ws_hub_sink>(*hub_);
            gateway_->attach(*hub_sink_);
            server_ = std::make_unique<tsm::transport::http_server>(
                contexts, tsm::transport::http_server_options{}, http_, hub_.get(),
                std::vector<std::string>{std::string(codec_.path())});
            const std::string bound = server_->listen("127.0.0.1:0");
            port = static_cast<unsigned short>(std::stoi(bound.substr(bound.rfind(':') + 1)));
            server_->start();
        }
        for (unsigned i = 0; i < pool_.size(); ++i) {
            auto& s = *services_[i];
            cfg.owner_shard = i;
            s.sessions =
                std::make_unique<core::session_service>(*s.ioc, fakes_[i]->store, *gateway_, *s.sp, *s.relay,
                                                        *s.apps, hasher_, s.kinds, vault_, cfg, probe_);
        }
        pool_.start();
    }
    ~gateway_env() { pool_.stop(); }

    static tp::limits limits() {
        tp::limits l;
        l.max_responses = 4;
        return l;
    }

    core::app_record app() const {
        core::app_record a;
        a.app_id = app_id;
        a.key_hash = hasher_.digest(core::app_directory::key_context, "app-key");
        a.description_url = description_url;
        a.delivery_url = delivery_url;
        a.delivery_method = "POST";
        a.callback_prefixes = {cb_prefix};
        return a;
    }

    unsigned owner_of(const std::string& session_id) const { return runtime_->owner_of(session_id); }

    /// Runs `fn` on `shard` and waits for it.
    template <class Fn>
    void run_on(unsigned shard, Fn fn) {
        std::promise<void> done;
        pool_.invoke_on(shard, [&] {
            fn();
            done.set_value();
        });
        done.get_future().wait();
    }

    // The WebSocket events, each on the connection's shard, as the hub delivers them.
    ws_ref open(unsigned shard) {
        const ws_ref c{shard, ++next_id_};
        run_on(shard, [&] { gateway_->on_open(c, "127.0.0.1:1", "/touchpoint/v1"); });
        return c;
    }
    void message(ws_ref c, std::string text) {
        run_on(c.shard, [&] { gateway_->on_message(c, std::move(text)); });
    }
    void disconnect(ws_ref c) {
        run_on(c.shard, [&] { gateway_->on_close(c); });
    }

    /// Waits (5 s at most) for an unanswered SP call to `url_prefix` on `shard`.
    std::optional<std::size_t> wait_call(unsigned shard, std::string_view url_prefix) {
        for (int i = 0; i < 5000; ++i) {
            std::optional<std::size_t> found;
            run_on(shard, [&] {
                auto open = fakes_[shard]->sp.open_calls(url_prefix);
                if (!open.empty()) {
                    found = open.front();
                }
            });
            if (found) {
                return found;
            }
            std::this_thread::sleep_for(1ms);
        }
        return std::nullopt;
    }
    /// The shard with an unanswered call to `url_prefix` (5 s at most).
    std::optional<unsigned> wait_call_anywhere(std::string_view url_prefix) {
        for (int i = 0; i < 5000; ++i) {
            for (unsigned s = 0; s < pool_.size(); ++s) {
                bool any = false;
                run_on(s, [&] { any = !fakes_[s]->sp.open_calls(url_prefix).empty(); });
                if (any) {
                    return s;
                }
            }
            std::this_thread::sleep_for(1ms);
        }
        return std::nullopt;
    }
    void answer(unsigned shard, std::size_t call, int status, std::string body = {}) {
        run_on(shard, [&] { fakes_[shard]->sp.answer(call, status, std::move(body)); });
    }
    /// The body of the callback POST to `url` on `shard` (5 s at most), empty when none came.
    std::string wait_callback(unsigned shard, const std::string& url) {
        auto call = wait_call(shard, url);
        if (!call) {
            return {};
        }
        std::string body;
        run_on(shard, [&] {
            body = fakes_[shard]->sp.calls[*call].body;
            fakes_[shard]->sp.answer(*call, 200);
        });
        return body;
    }
    std::size_t calls_to(unsigned shard, const std::string& url) {
        std::size_t n = 0;
        run_on(shard, [&] { n = fakes_[shard]->sp.calls_to(url).size(); });
        return n;
    }

    /// Queues a transceive operation on the session's owner shard; true once it is accepted.
    bool accept(const std::string& session_id, std::vector<core::bytes> cmds, const std::string& cb) {
        std::promise<bool> accepted;
        run_on(owner_of(session_id), [&] {
            services_[owner_of(session_id)]->sessions->accept_operation(
                std::string(app_id), session_id, "transceive",
                core::transceive_operation::encode_payload(cmds), cb,
                [&accepted](std::optional<core::api_error> e, std::string) { accepted.set_value(!e); });
        });
        auto f = accepted.get_future();
        return f.wait_for(5s) == std::future_status::ready && f.get();
    }

    /// deliver on `c`, description and delivery accepted by the SP on the owner shard: the
    /// session is active. Returns {session id, resume token}.
    std::pair<std::string, std::string> deliver(ws_ref c) {
        const std::size_t before = sink.frames(c).size();
        message(
            c,
            R"({"type":"deliver","appId":"0A1B2C3D","serviceId":"svc-1","cardId":{"cin":"0E48800471400A"}})");
        auto owner = wait_call_anywhere(description_url);
        BOOST_REQUIRE(owner);
        answer(*owner, *wait_call(*owner, description_url), 200, description);
        const auto frames = sink.wait_frames(c, before + 1);
        BOOST_REQUIRE_EQUAL(frames.size(), before + 1);
        const auto session = parse(frames.back());
        BOOST_REQUIRE(session.at("type").as_string() == "session");
        std::string sid(session.at("sessionId").as_string());
        BOOST_TEST(owner_of(sid) == *owner); // the description was fetched by the owner shard
        auto post = wait_call(*owner, delivery_url);
        BOOST_REQUIRE(post);
        answer(*owner, *post, 200);
        return {sid, std::string(session.at("resumeToken").as_string())};
    }

    recording_sink sink;
    unsigned short port = 0; ///< with real_hub

private:
    core::shard_pool pool_;
    core::service_probe probe_;
    core::secret_hasher hasher_{core::secret_hasher::generate_key()};
    core::key_vault vault_{core::bytes(core::key_vault::kek_size, '\x5a')};
    tp::v1::codec codec_;
    std::vector<std::unique_ptr<shard_fakes>> fakes_;
    std::vector<std::unique_ptr<core::shard_services>> services_;
    std::unique_ptr<core::shard_runtime> runtime_;
    std::unique_ptr<tp::gateway> gateway_;
    no_http http_;
    std::unique_ptr<tsm::transport::ws_hub> hub_;
    std::unique_ptr<tp::ws_hub_sink> hub_sink_;
    std::unique_ptr<tsm::transport::http_server> server_;
    std::uint64_t next_id_ = 0;
};

bj::object last_frame(gateway_env& env, ws_ref c, std::size_t count) {
    const auto frames = env.sink.wait_frames(c, count);
    BOOST_REQUIRE_EQUAL(frames.size(), count);
    return parse(frames.back());
}

void check_error(const bj::object& f, std::string_view code, std::string_view message) {
    BOOST_TEST(f.at("type").as_string() == "error");
    BOOST_TEST(f.at("code").as_string() == code);
    BOOST_TEST(f.at("message").as_string() == message);
}

} // namespace

BOOST_AUTO_TEST_SUITE(touch_point_gateway)

BOOST_AUTO_TEST_CASE(answers_reach_the_owner_shard_from_either_connection_shard) {
    gateway_env env;
    bool crossed = false;
    bool local = false;
    // Session ids are random, so whether the owner is the connection's shard is too: go on until
    // both cases ran (each attempt has even odds of either).
    for (int attempt = 0; attempt < 64 && !(crossed && local); ++attempt) {
        const ws_ref c = env.open(static_cast<unsigned>(attempt % 2));
        auto [sid, token] = env.deliver(c);
        const unsigned owner = env.owner_of(sid);
        (owner == c.shard ? local : crossed) = true;

        const std::string cb = cb_prefix + std::to_string(attempt);
        BOOST_REQUIRE(env.accept(sid, {"\x80\xca\x9f\x7f\x00"s}, cb));
        const auto commands = last_frame(env, c, 2);
        BOOST_REQUIRE(commands.at("type").as_string() == "commands");
        BOOST_TEST(commands.at("commands").as_array().at(0).as_string() == "80CA9F7F00");
        const auto batch = commands.at("batch").as_int64();

        env.message(c, R"({"type":"responses","batch":)" + std::to_string(batch)
                           + R"(,"responses":["9F7F2A9000"]})");
        const std::string callback = env.wait_callback(owner, cb);
        BOOST_REQUIRE(!callback.empty());
        const auto body = parse(callback);
        BOOST_TEST(body.at("statusCode").as_int64() == 200);
        BOOST_TEST(callback.find("9F7F2A9000") != std::string::npos);
        env.disconnect(c);
    }
    BOOST_TEST(crossed);
    BOOST_TEST(local);
}

BOOST_AUTO_TEST_CASE(disconnect_unbinds_and_resume_rebinds_with_4001_for_the_old_connection) {
    gateway_env env;
    const ws_ref a = env.open(0);
    auto [sid, token] = env.deliver(a);
    const unsigned owner = env.owner_of(sid);

    // A wrong token: not-found, and the optimistic binding on shard 1 is undone.
    const ws_ref b = env.open(1);
    env.message(b, R"({"type":"resume","sessionId":")" + sid + R"(","resumeToken":"00"})");
    check_error(last_frame(env, b, 1), "not-found", "unknown session or wrong resume token");
    env.run_on(owner, [] {}); // resume() has posted the unbind to shard 1 ...
    env.run_on(1, [] {});     // ... which has now run
    env.message(b, R"({"type":"responses","batch":1,"responses":["9000"]})");
    check_error(last_frame(env, b, 2), "bad-request",
                "no session on this connection (deliver or resume first)");

    // The right token: b carries the session, a is closed with 4001.
    env.message(b, R"({"type":"resume","sessionId":")" + sid + R"(","resumeToken":")" + token + R"("})");
    const auto resumed = last_frame(env, b, 3);
    BOOST_TEST(resumed.at("type").as_string() == "resumed");
    BOOST_TEST(resumed.at("sessionId").as_string() == sid);
    const auto closes = env.sink.wait_closes(a, 1);
    BOOST_REQUIRE_EQUAL(closes.size(), 1u);
    BOOST_TEST(closes[0].code == 4001);
    BOOST_TEST(closes[0].reason == "session resumed on another connection");

    // Commands go to b; an answer from a is ignored, b's is taken.
    BOOST_REQUIRE(env.accept(sid, {"\x00\xa4\x04\x00\x00"s}, cb_prefix + "1"));
    const auto commands = last_frame(env, b, 4);
    BOOST_REQUIRE(commands.at("type").as_string() == "commands");
    const std::string batch = std::to_string(commands.at("batch").as_int64());
    BOOST_TEST(env.sink.frames(a).size() == 1u); // only its session frame
    env.message(a, R"({"type":"responses","batch":)" + batch + R"(,"responses":["6A82"]})");
    env.message(b, R"({"type":"responses","batch":)" + batch + R"(,"responses":["6F009000"]})");
    const std::string callback = env.wait_callback(owner, cb_prefix + "1");
    BOOST_TEST(callback.find("6F009000") != std::string::npos);
    BOOST_TEST(callback.find("6A82") == std::string::npos);
    BOOST_TEST(env.calls_to(owner, cb_prefix + "1") == 1u);

    // b goes away: the next batch waits for a resume on c, where it is sent after resumed.
    env.disconnect(b);
    env.run_on(1, [] {});
    env.run_on(owner, [] {}); // on_disconnect has run
    BOOST_REQUIRE(env.accept(sid, {"\x80\xca\x9f\x7f\x00"s}, cb_prefix + "2"));
    const ws_ref c = env.open(0);
    env.message(c, R"({"type":"resume","sessionId":")" + sid + R"(","resumeToken":")" + token + R"("})");
    const auto frames = env.sink.wait_frames(c, 2);
    BOOST_REQUIRE_EQUAL(frames.size(), 2u);
    BOOST_TEST(parse(frames[0]).at("type").as_string() == "resumed");
    const auto again = parse(frames[1]);
    BOOST_TEST(again.at("type").as_string() == "commands");
    BOOST_TEST(again.at("commands").as_array().at(0).as_string() == "80CA9F7F00");
    BOOST_TEST(env.sink.frames(b).size() == 4u); // nothing more after its disconnect
    BOOST_TEST(env.sink.closes(b).empty());      // a vanished connection is not closed again
}

BOOST_AUTO_TEST_CASE(a_failed_deliver_leaves_the_connection_free_for_another) {
    gateway_env env;
    const ws_ref c = env.open(1);
    env.message(c, R"({"type":"deliver","appId":"0A1B2C3D","serviceId":"gone","cardId":{"cin":"01"}})");
    auto owner = env.wait_call_anywhere(description_url);
    BOOST_REQUIRE(owner);
    env.answer(*owner, *env.wait_call(*owner, description_url), 404);
    check_error(last_frame(env, c, 1), "not-found", "the service provider does not know this service");
    env.run_on(*owner, [] {});
    env.run_on(c.shard, [] {}); // the unbind has run on the connection's shard
    auto [sid, token] = env.deliver(c);
    BOOST_TEST(!sid.empty());
    BOOST_TEST(!token.empty());
}

BOOST_AUTO_TEST_CASE(describe_is_served_by_the_connection_shard) {
    gateway_env env;
    for (unsigned shard = 0; shard < 2; ++shard) {
        const ws_ref c = env.open(shard);
        env.message(c, R"({"type":"describe","appId":"0A1B2C3D","serviceId":"svc-1"})");
        auto call = env.wait_call(shard, description_url + "/svc-1");
        BOOST_REQUIRE(call);
        env.answer(shard, *call, 200, description);
        const auto d = last_frame(env, c, 1);
        BOOST_TEST(d.at("type").as_string() == "description");
        BOOST_TEST(d.at("description").as_object().at("title").as_string() == "Read CPLC");
        env.message(c, R"({"type":"describe","appId":"unknown","serviceId":"svc-1"})");
        check_error(last_frame(env, c, 2), "not-found", "unknown appId");
    }
}

BOOST_AUTO_TEST_CASE(refusals_are_error_frames_and_keep_the_connection) {
    gateway_env env;
    const ws_ref c = env.open(0);
    env.message(c, R"({"type":"des)");
    check_error(last_frame(env, c, 1), "bad-request", "not valid JSON");
    env.message(c, R"({"appId":"a"})");
    check_error(last_frame(env, c, 2), "bad-request", "missing type");
    env.message(c, R"({"type":"dance"})");
    check_error(last_frame(env, c, 3), "bad-request", "unknown message type 'dance'");
    env.message(c, R"({"type":"responses","batch":1,"responses":["9000","9000","9000","9000","9000"]})");
    check_error(last_frame(env, c, 4), "bad-request", "responses: more than 4 entries");
    env.message(c, R"({"type":"responses","batch":1,"responses":["90"]})");
    check_error(last_frame(env, c, 5), "bad-request",
                "no session on this connection (deliver or resume first)");
    env.message(c, R"({"type":"status","code":"CLIENT_ERROR"})");
    check_error(last_frame(env, c, 6), "bad-request", "no session on this connection");

    auto [sid, token] = env.deliver(c); // frame 7: session
    env.message(c, R"({"type":"deliver","appId":"0A1B2C3D","serviceId":"svc-1","cardId":{"cin":"01"}})");
    check_error(last_frame(env, c, 8), "bad-request", "this connection already carries a session");
    env.message(c, R"({"type":"resume","sessionId":")" + sid + R"(","resumeToken":")" + token + R"("})");
    check_error(last_frame(env, c, 9), "bad-request", "this connection already carries a session");
    BOOST_TEST(env.sink.closes(c).empty());

    // An abort ends the session: final status, close 1000.
    env.message(c, R"({"type":"status","code":"CLIENT_ERROR","message":"card removed"})");
    const auto status = last_frame(env, c, 10);
    BOOST_TEST(status.at("type").as_string() == "status");
    BOOST_TEST(status.at("code").as_string() == "FAILED");
    BOOST_TEST(status.at("message").as_string() == "Aborted by the touch point");
    const auto closes = env.sink.wait_closes(c, 1);
    BOOST_REQUIRE_EQUAL(closes.size(), 1u);
    BOOST_TEST(closes[0].code == 1000);
}

BOOST_AUTO_TEST_CASE(a_real_websocket_delivers_and_gets_its_frames_through_the_hub) {
    namespace beast = boost::beast;
    namespace websocket = beast::websocket;
    gateway_env env(true);
    boost::asio::io_context client_ctx;
    websocket::stream<beast::tcp_stream> ws(client_ctx);
    beast::get_lowest_layer(ws).expires_after(5s);
    beast::get_lowest_layer(ws).connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), env.port));
    ws.handshake("localhost", "/touchpoint/v1");
    beast::get_lowest_layer(ws).expires_never();
    ws.set_option(websocket::stream_base::timeout{5s, 5s, false}); // every read is bounded
    auto read = [&ws] {
        beast::flat_buffer buf;
        ws.read(buf);
        return parse(beast::buffers_to_string(buf.data()));
    };

    ws.write(boost::asio::buffer(std::string(R"({"type":"dance"})")));
    check_error(read(), "bad-request", "unknown message type 'dance'");

    ws.write(boost::asio::buffer(
        std::string(R"({"type":"deliver","appId":"0A1B2C3D","serviceId":"svc-1","cardId":{"cin":"01"}})")));
    auto owner = env.wait_call_anywhere(description_url);
    BOOST_REQUIRE(owner);
    env.answer(*owner, *env.wait_call(*owner, description_url), 200, description);
    const auto session = read();
    BOOST_REQUIRE(session.at("type").as_string() == "session");
    const std::string sid(session.at("sessionId").as_string());
    BOOST_TEST(env.owner_of(sid) == *owner);
    auto post = env.wait_call(*owner, delivery_url);
    BOOST_REQUIRE(post);
    env.answer(*owner, *post, 200);

    BOOST_REQUIRE(env.accept(sid, {"\x80\xca\x9f\x7f\x00"s}, cb_prefix + "ws"));
    const auto commands = read();
    BOOST_REQUIRE(commands.at("type").as_string() == "commands");
    ws.write(boost::asio::buffer(R"({"type":"responses","batch":)"
                                 + std::to_string(commands.at("batch").as_int64())
                                 + R"(,"responses":["9F7F9000"]})"));
    const std::string callback = env.wait_callback(*owner, cb_prefix + "ws");
    BOOST_TEST(callback.find("9F7F9000") != std::string::npos);
    beast::get_lowest_layer(ws).close();
}

BOOST_AUTO_TEST_CASE(frames_for_an_unknown_connection_are_dropped) {
    gateway_env env;
    const ws_ref never_opened{1, 999};
    env.message(never_opened, R"({"type":"dance"})");
    env.disconnect(never_opened);
    BOOST_TEST(env.sink.frames(never_opened).empty());
}

BOOST_AUTO_TEST_SUITE_END()
