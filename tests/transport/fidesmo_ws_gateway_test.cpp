// The gateway serving protocol v1 and the Fidesmo WebSocket dialect side by side, over a real
// 2-shard pool and a real session service per shard (core fakes for the store and the SP, plus
// a device registry), driven through its ws_handler interface with a recording sink: the URL
// starts the delivery with the registry's device, the server drives id/commands/status, refusals
// are status frames followed by a close (which fails a session the connection carries, while
// v1's error frames leave it running), and the sessions are the same as v1's.
#include "tsm/transport/touch_point/fidesmo_ws/codec.hpp"
#include "tsm/transport/touch_point/gateway.hpp"
#include "tsm/transport/touch_point/v1/codec.hpp"

#include "tsm/core/outbox_relay.hpp"
#include "tsm/core/session_service.hpp"
#include "tsm/core/shard_pool.hpp"
#include "tsm/core/shard_runtime.hpp"
#include "tsm/core/shard_services.hpp"
#include "tsm/core/transceive_operation.hpp"

#include "core_port_fakes.hpp"

#include <boost/asio/post.hpp>
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
const std::string description = R"({"title":"Read CPLC"})";
const std::string cin = "0E48800471400A";
const std::string ws_url = "/v3/ws/apps/0A1B2C3D/services/svc-1?cin=0e48800471400a&color=blue";

bj::object parse(const std::string& s) {
    return bj::parse(s).as_object();
}

/// Records what the gateway sends, per connection (frames arrive from any shard).
class recording_sink final : public tp::connection_sink {
public:
    void send(ws_ref conn, std::string frame) override {
        std::lock_guard lk(m_);
        frames_[conn.id].push_back(std::move(frame));
        cv_.notify_all();
    }
    void close(ws_ref conn, std::uint16_t code, std::string) override {
        std::lock_guard lk(m_);
        closes_[conn.id].push_back(code);
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
    std::vector<std::uint16_t> wait_closes(ws_ref conn, std::size_t n) {
        std::unique_lock lk(m_);
        cv_.wait_for(lk, 5s, [&] { return closes_[conn.id].size() >= n; });
        return closes_[conn.id];
    }
    std::vector<std::uint16_t> closes(ws_ref conn) {
        std::lock_guard lk(m_);
        return closes_[conn.id];
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    std::map<std::uint64_t, std::vector<std::string>> frames_;
    std::map<std::uint64_t, std::vector<std::uint16_t>> closes_;
};

/// The core fake store plus a device registry (load_card_keys answers from `devices`).
class registry_store final : public core::record_store {
public:
    void commit(core::write_set w, core::durability d, boost::asio::any_io_executor ex,
                commit_handler done) override {
        inner.commit(std::move(w), d, std::move(ex), std::move(done));
    }
    void load_operation(std::string operation_id, boost::asio::any_io_executor ex,
                        load_operation_handler done) override {
        inner.load_operation(std::move(operation_id), std::move(ex), std::move(done));
    }
    std::error_code load_all(core::recovered_state& out) override { return inner.load_all(out); }
    void close() override { inner.close(); }
    const core::store_stats& stats() const noexcept override { return inner.stats(); }
    void load_card_keys(bool master, std::string id, boost::asio::any_io_executor ex,
                        load_card_keys_handler done) override {
        std::optional<core::card_keys_record> found;
        {
            std::lock_guard lk(m);
            if (auto it = devices.find(id); !master && it != devices.end()) {
                found = it->second;
            }
            ++lookups;
        }
        boost::asio::post(ex, [done = std::move(done), found = std::move(found)] { done({}, found); });
    }

    tsm::test::fake_store inner;
    std::mutex m;
    std::map<std::string, core::card_keys_record> devices; ///< by CIN; set before the pool runs
    int lookups = 0;
};

struct shard_fakes {
    registry_store store;
    tsm::test::fake_sp_port sp;
};

/// Two shards, a real session service on each over the fakes, and one gateway serving v1 and
/// the Fidesmo WebSocket dialect, fed by the test through its ws_handler interface.
class env {
public:
    env() : pool_(2), v1_(limits()), fidesmo_(limits()) {
        core::session_service_config cfg;
        cfg.is_json_object = [](std::string_view j) { return !j.empty() && j.front() == '{'; };
        core::outbox_relay_config rcfg;
        rcfg.retry.initial = 1ms;
        rcfg.retry.max_delay = 2ms;
        std::vector<core::shard_services*> ptrs;
        for (unsigned i = 0; i < pool_.size(); ++i) {
            auto& f = *fakes_.emplace_back(std::make_unique<shard_fakes>());
            core::card_keys_record device;
            device.id = cin;
            device.iin = "8A2C10";
            device.platform_version = 3;
            f.store.devices[cin] = device;
            auto& s = *services_.emplace_back(std::make_unique<core::shard_services>());
            s.index = i;
            s.ioc = &pool_.context(i);
            s.apps = std::make_unique<core::app_directory>(i);
            {
                const core::this_thread_as_shard as_owner(i);
                s.apps->put(app());
            }
            s.sp = &f.sp;
            rcfg.owner_shard = i;
            s.relay = std::make_unique<core::outbox_relay>(*s.ioc, f.store, f.sp, rcfg, probe_, &vault_);
            core::register_transceive(s.kinds);
            ptrs.push_back(&s);
        }
        runtime_ = std::make_unique<core::shard_runtime>(pool_, ptrs);
        gateway_ = std::make_unique<tp::gateway>(*runtime_, std::vector<const tp::dialect*>{&v1_, &fidesmo_});
        gateway_->attach(sink);
        for (unsigned i = 0; i < pool_.size(); ++i) {
            auto& s = *services_[i];
            cfg.owner_shard = i;
            s.sessions =
                std::make_unique<core::session_service>(*s.ioc, fakes_[i]->store, *gateway_, *s.sp, *s.relay,
                                                        *s.apps, hasher_, s.kinds, vault_, cfg, probe_);
        }
        pool_.start();
    }
    ~env() { pool_.stop(); }

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

    tp::gateway& gateway() { return *gateway_; }
    unsigned owner_of(const std::string& session_id) const { return runtime_->owner_of(session_id); }

    template <class Fn>
    void run_on(unsigned shard, Fn fn) {
        std::promise<void> done;
        pool_.invoke_on(shard, [&] {
            fn();
            done.set_value();
        });
        done.get_future().wait();
    }

    ws_ref open(unsigned shard, const std::string& target) {
        const ws_ref c{shard, ++next_id_};
        run_on(shard, [&] { gateway_->on_open(c, "127.0.0.1:1", target); });
        return c;
    }
    void message(ws_ref c, std::string text) {
        run_on(c.shard, [&] { gateway_->on_message(c, std::move(text)); });
    }
    void disconnect(ws_ref c) {
        run_on(c.shard, [&] { gateway_->on_close(c); });
    }

    /// The shard with an unanswered SP call to `url_prefix`, and the call (5 s at most).
    std::optional<std::pair<unsigned, std::size_t>> wait_call(std::string_view url_prefix) {
        for (int i = 0; i < 5000; ++i) {
            for (unsigned s = 0; s < pool_.size(); ++s) {
                std::optional<std::size_t> found;
                run_on(s, [&] {
                    auto open = fakes_[s]->sp.open_calls(url_prefix);
                    if (!open.empty()) {
                        found = open.front();
                    }
                });
                if (found) {
                    return std::pair{s, *found};
                }
            }
            std::this_thread::sleep_for(1ms);
        }
        return std::nullopt;
    }
    /// Answers the next call to `url_prefix` and returns its body (empty when none came).
    std::string answer_next(std::string_view url_prefix, int status, std::string body = {}) {
        auto call = wait_call(url_prefix);
        if (!call) {
            return {};
        }
        std::string request;
        run_on(call->first, [&] {
            request = fakes_[call->first]->sp.calls[call->second].body;
            fakes_[call->first]->sp.answer(call->second, status, std::move(body));
        });
        return request.empty() ? "(empty)" : request;
    }
    std::size_t sp_calls() {
        std::size_t n = 0;
        for (unsigned s = 0; s < pool_.size(); ++s) {
            run_on(s, [&] { n += fakes_[s]->sp.calls.size(); });
        }
        return n;
    }
    int device_lookups() {
        int n = 0;
        for (auto& f : fakes_) {
            std::lock_guard lk(f->store.m);
            n += f->store.lookups;
        }
        return n;
    }

    bool accept(const std::string& session_id, std::vector<core::bytes> cmds, const std::string& cb) {
        std::promise<bool> accepted;
        const unsigned owner = owner_of(session_id);
        run_on(owner, [&] {
            services_[owner]->sessions->accept_operation(std::string(app_id), session_id, "transceive",
                                                         core::transceive_operation::encode_payload(cmds), cb,
                                                         [&accepted](std::optional<core::api_error> e,
                                                                     std::string) {
                                                             accepted.set_value(!e);
                                                         });
        });
        auto f = accepted.get_future();
        return f.wait_for(5s) == std::future_status::ready && f.get();
    }
    bool complete(const std::string& session_id, bool success, std::string message_json) {
        std::promise<bool> completed;
        const unsigned owner = owner_of(session_id);
        run_on(owner, [&] {
            services_[owner]->sessions->complete(std::string(app_id), session_id, success,
                                                 std::move(message_json),
                                                 [&completed](std::optional<core::api_error> e) {
                                                     completed.set_value(!e);
                                                 });
        });
        auto f = completed.get_future();
        return f.wait_for(5s) == std::future_status::ready && f.get();
    }

    /// Opens a Fidesmo WebSocket connection on `shard` and lets the SP accept the delivery: the
    /// session is active. Returns the session id and the SP's delivery request.
    std::pair<std::string, bj::object> start(ws_ref& c, unsigned shard, const std::string& target = ws_url) {
        c = open(shard, target);
        BOOST_REQUIRE(answer_next(description_url, 200, description) != "");
        const auto frames = sink.wait_frames(c, 1);
        BOOST_REQUIRE_EQUAL(frames.size(), 1u);
        const auto id = parse(frames[0]);
        BOOST_REQUIRE(id.at("type").as_string() == "id");
        std::string sid(id.at("value").as_string());
        const std::string delivery = answer_next(delivery_url, 200);
        BOOST_REQUIRE(delivery != "");
        return {sid, parse(delivery)};
    }

    recording_sink sink;

private:
    core::shard_pool pool_;
    core::service_probe probe_;
    core::secret_hasher hasher_{core::secret_hasher::generate_key()};
    core::key_vault vault_{core::bytes(core::key_vault::kek_size, '\x5a')};
    tp::v1::codec v1_;
    tp::fidesmo_ws::codec fidesmo_;
    std::vector<std::unique_ptr<shard_fakes>> fakes_;
    std::vector<std::unique_ptr<core::shard_services>> services_;
    std::unique_ptr<core::shard_runtime> runtime_;
    std::unique_ptr<tp::gateway> gateway_;
    std::uint64_t next_id_ = 0;
};

bj::object frame_at(env& e, ws_ref c, std::size_t count) {
    const auto frames = e.sink.wait_frames(c, count);
    BOOST_REQUIRE_EQUAL(frames.size(), count);
    return parse(frames.back());
}

void check_status(const bj::object& f, std::string_view code, std::string_view message) {
    BOOST_TEST(f.at("type").as_string() == "status");
    BOOST_TEST(f.at("code").as_string() == code);
    BOOST_TEST(f.at("message").as_string() == message);
}

} // namespace

BOOST_AUTO_TEST_SUITE(fidesmo_ws_gateway)

BOOST_AUTO_TEST_CASE(the_gateway_accepts_upgrades_on_every_dialects_paths) {
    env e;
    const auto paths = e.gateway().ws_paths();
    BOOST_TEST(paths
                   == (std::vector<std::string>{"/touchpoint/v1", "/v3/ws/apps/{appId}/services/{serviceId}",
                                                "/ws/apps/{appId}/services/{serviceId}"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_url_delivers_with_the_registry_device_and_the_server_drives_to_the_end) {
    env e;
    for (unsigned shard = 0; shard < 2; ++shard) {
        ws_ref c;
        auto [sid, delivery] = e.start(c, shard);
        // The SP sees a delivery as from any touch point: the registry's IIN and platform version.
        BOOST_TEST(delivery.at("sessionId").as_string() == sid);
        BOOST_TEST(delivery.at("serviceId").as_string() == "svc-1");
        const auto& card = delivery.at("cardId").as_object();
        BOOST_TEST(card.at("cin").as_string() == cin);
        BOOST_TEST(card.at("iin").as_string() == "8A2C10");
        BOOST_TEST(card.at("platformVersion").as_int64() == 3);
        BOOST_TEST(delivery.at("fields").as_object().at("color").as_string() == "blue");

        const std::string cb = cb_prefix + std::to_string(shard);
        BOOST_REQUIRE(e.accept(sid, {"\x80\xca\x9f\x7f\x00"s, "\x00\xa4\x04\x00\x00"s}, cb));
        const auto commands = frame_at(e, c, 2);
        BOOST_TEST(commands.size() == 2u);
        BOOST_TEST(commands.at("type").as_string() == "commands");
        BOOST_TEST(commands.at("commands").as_array().at(0).as_string() == "80CA9F7F00");
        BOOST_TEST(commands.at("commands").as_array().at(1).as_string() == "00A4040000");
        e.message(c, R"({"type":"responses","responses":["9f7f2a9000","6a82"]})"); // lower case
        const std::string callback = e.answer_next(cb, 200);
        BOOST_REQUIRE(callback != "");
        const auto body = parse(callback);
        BOOST_TEST(body.at("statusCode").as_int64() == 200);
        BOOST_TEST(body.at("responses").as_array().at(0).as_string() == "9F7F2A9000");
        BOOST_TEST(body.at("responses").as_array().at(1).as_string() == "6A82");

        BOOST_REQUIRE(e.complete(sid, true, R"({"en":"Done","sv":"Klart"})"));
        check_status(frame_at(e, c, 3), "OK", "Done");
        const auto closes = e.sink.wait_closes(c, 1);
        BOOST_REQUIRE_EQUAL(closes.size(), 1u);
        BOOST_TEST(closes[0] == 1000);
        e.disconnect(c);
    }
}

BOOST_AUTO_TEST_CASE(an_unknown_device_is_a_status_and_a_close_without_asking_the_sp) {
    env e;
    const ws_ref c = e.open(1, "/ws/apps/0A1B2C3D/services/svc-1?cin=0102030405060708");
    check_status(frame_at(e, c, 1), "UNKNOWN_DEVICE", "the device is not registered");
    const auto closes = e.sink.wait_closes(c, 1);
    BOOST_REQUIRE_EQUAL(closes.size(), 1u);
    BOOST_TEST(closes[0] == 1000);
    BOOST_TEST(e.device_lookups() == 1);
    BOOST_TEST(e.sp_calls() == 0u);
}

BOOST_AUTO_TEST_CASE(refusals_before_the_session_are_status_frames_then_a_close) {
    env e;
    // A URL without cin: refused at open, nothing looked up.
    const ws_ref a = e.open(0, "/v3/ws/apps/0A1B2C3D/services/svc-1");
    check_status(frame_at(e, a, 1), "BAD_REQUEST", "the query must give the device's cin, in hex");
    BOOST_TEST(e.sink.wait_closes(a, 1) == std::vector<std::uint16_t>{1000});
    BOOST_TEST(e.device_lookups() == 0);
    // An unknown app.
    const ws_ref b = e.open(1, "/v3/ws/apps/FFFFFFFF/services/svc-1?cin=" + cin);
    check_status(frame_at(e, b, 1), "NOT_FOUND", "unknown appId");
    BOOST_TEST(e.sink.wait_closes(b, 1) == std::vector<std::uint16_t>{1000});
    // The SP does not know the service.
    const ws_ref c = e.open(0, ws_url);
    BOOST_REQUIRE(e.answer_next(description_url, 404) != "");
    check_status(frame_at(e, c, 1), "NOT_FOUND", "the service provider does not know this service");
    BOOST_TEST(e.sink.wait_closes(c, 1) == std::vector<std::uint16_t>{1000});
    // A target no dialect serves: closed at once, nothing sent.
    const ws_ref d = e.open(1, "/elsewhere");
    BOOST_TEST(e.sink.wait_closes(d, 1) == std::vector<std::uint16_t>{1008});
    BOOST_TEST(e.sink.frames(d).empty());
    e.message(d, R"({"type":"responses","responses":[]})");
    BOOST_TEST(e.sink.frames(d).empty()); // never opened: its frames are dropped
}

BOOST_AUTO_TEST_CASE(client_error_fails_the_session_and_its_operations) {
    env e;
    ws_ref c;
    auto [sid, delivery] = e.start(c, 0);
    BOOST_REQUIRE(e.accept(sid, {"\x80\xca\x9f\x7f\x00"s}, cb_prefix + "running"));
    BOOST_REQUIRE(e.accept(sid, {"\x00\xa4\x04\x00\x00"s}, cb_prefix + "queued"));
    BOOST_TEST(frame_at(e, c, 2).at("type").as_string() == "commands");
    e.message(c, R"({"type":"status","code":"CLIENT_ERROR","message":"card removed"})");
    for (const char* tag : {"running", "queued"}) {
        const std::string callback = e.answer_next(cb_prefix + tag, 200);
        BOOST_REQUIRE_MESSAGE(callback != "", "no callback for the " << tag << " operation");
        const auto body = parse(callback);
        BOOST_TEST(body.at("statusCode").as_int64() != 200);
        BOOST_TEST(body.at("error").as_object().at("code").as_string() == "client-error");
        BOOST_TEST(body.at("error").as_object().at("message").as_string() == "card removed");
    }
    check_status(frame_at(e, c, 3), "FAILED", "Aborted by the touch point");
    BOOST_TEST(e.sink.wait_closes(c, 1) == std::vector<std::uint16_t>{1000});
}

BOOST_AUTO_TEST_CASE(a_frame_out_of_protocol_is_a_bad_request_status_and_close_1002) {
    env e;
    ws_ref c;
    auto [sid, delivery] = e.start(c, 1);
    e.message(c, R"({"type":"deliver","appId":"0A1B2C3D","serviceId":"svc-1","cardId":{"cin":"01"}})");
    check_status(frame_at(e, c, 2), "BAD_REQUEST", "unknown message type 'deliver'");
    BOOST_TEST(e.sink.wait_closes(c, 1) == std::vector<std::uint16_t>{1002});
}

BOOST_AUTO_TEST_CASE(the_session_id_resumes_the_session_in_protocol_v1_too) {
    env e;
    ws_ref c;
    auto [sid, delivery] = e.start(c, 0);
    e.disconnect(c); // the Fidesmo connection is gone: the session waits, as any other
    e.run_on(0, [] {});
    e.run_on(e.owner_of(sid), [] {});
    BOOST_REQUIRE(e.accept(sid, {"\x80\xca\x9f\x7f\x00"s}, cb_prefix + "v1"));
    const ws_ref v = e.open(1, "/touchpoint/v1");
    e.message(v, R"({"type":"resume","sessionId":")" + sid + R"(","resumeToken":")" + sid + R"("})");
    const auto frames = e.sink.wait_frames(v, 2);
    BOOST_REQUIRE_EQUAL(frames.size(), 2u);
    BOOST_TEST(parse(frames[0]).at("type").as_string() == "resumed");
    const auto commands = parse(frames[1]);
    BOOST_REQUIRE(commands.at("type").as_string() == "commands");
    BOOST_TEST(commands.at("stopOnError").is_bool()); // rendered in v1 now
    e.message(v, R"({"type":"responses","batch":)" + std::to_string(commands.at("batch").as_int64())
                     + R"(,"responses":["9F7F9000"]})");
    const std::string callback = e.answer_next(cb_prefix + "v1", 200);
    BOOST_TEST(callback.find("9F7F9000") != std::string::npos);
    BOOST_TEST(e.sink.frames(c).size() == 1u); // the old connection got nothing after its id
}

BOOST_AUTO_TEST_CASE(v1_connections_on_the_same_gateway_keep_their_protocol) {
    env e;
    const ws_ref v = e.open(0, "/touchpoint/v1");
    e.message(v, R"({"type":"dance"})");
    const auto err = frame_at(e, v, 1);
    BOOST_TEST(err.at("type").as_string() == "error"); // v1's error frame, and the connection stays
    BOOST_TEST(err.at("code").as_string() == "bad-request");
    BOOST_TEST(e.sink.closes(v).empty());
    e.message(
        v, R"({"type":"deliver","appId":"0A1B2C3D","serviceId":"svc-1","cardId":{"iin":"01","cin":"0102"}})");
    BOOST_REQUIRE(e.answer_next(description_url, 200, description) != "");
    const auto session = frame_at(e, v, 2);
    BOOST_TEST(session.at("type").as_string() == "session");
    BOOST_TEST(session.at("resumeToken").as_string() != session.at("sessionId").as_string());
    BOOST_TEST(e.device_lookups() == 0); // v1 names its device itself
    const auto delivery = parse(e.answer_next(delivery_url, 200));
    BOOST_TEST(delivery.at("cardId").as_object().at("iin").as_string() == "01");
}

BOOST_AUTO_TEST_CASE(a_terminal_error_on_a_bound_connection_fails_the_session_at_once) {
    env e;
    ws_ref c;
    auto [sid, delivery] = e.start(c, 0);
    BOOST_REQUIRE(e.accept(sid, {"\x80\xca\x9f\x7f\x00"s}, cb_prefix + "running"));
    BOOST_REQUIRE(e.accept(sid, {"\x00\xa4\x04\x00\x00"s}, cb_prefix + "queued"));
    BOOST_TEST(frame_at(e, c, 2).at("type").as_string() == "commands");
    // One command, two answers: core refuses them; the dialect renders a status and closes.
    e.message(c, R"({"type":"responses","responses":["9f7f9000","9000"]})");
    const auto status = frame_at(e, c, 3);
    BOOST_TEST(status.at("type").as_string() == "status");
    BOOST_TEST(status.at("code").as_string() == "BAD_REQUEST");
    BOOST_TEST(e.sink.wait_closes(c, 1) == std::vector<std::uint16_t>{1000});
    // The client has taken that as the end: the SP learns now, not at expiry.
    for (const char* tag : {"running", "queued"}) {
        const std::string callback = e.answer_next(cb_prefix + tag, 200);
        BOOST_REQUIRE_MESSAGE(callback != "", "no callback for the " << tag << " operation");
        const auto body = parse(callback);
        BOOST_TEST(body.at("statusCode").as_int64() != 200);
        BOOST_TEST(body.at("error").as_object().at("code").as_string() == "client-error");
        const std::string message(body.at("error").as_object().at("message").as_string());
        BOOST_TEST(message.find("the server ended the exchange") != std::string::npos, message);
        BOOST_TEST(message.find("more answers than commands") != std::string::npos, message);
    }
    BOOST_TEST(!e.complete(sid, true, R"("done")")); // the session has ended
    // What the client still sends is dropped: the exchange is over.
    e.message(c, R"({"type":"responses","responses":["9000"]})");
    e.run_on(0, [] {});
    e.run_on(e.owner_of(sid), [] {});
    BOOST_TEST(e.sink.frames(c).size() == 3u); // nothing after the status (no second status)
    BOOST_TEST(e.sink.closes(c).size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_bad_frame_on_a_bound_connection_fails_the_session_too) {
    env e;
    ws_ref c;
    auto [sid, delivery] = e.start(c, 1);
    BOOST_REQUIRE(e.accept(sid, {"\x80\xca\x9f\x7f\x00"s}, cb_prefix + "running"));
    BOOST_TEST(frame_at(e, c, 2).at("type").as_string() == "commands");
    e.message(c, "not json");
    BOOST_TEST(frame_at(e, c, 3).at("code").as_string() == "BAD_REQUEST");
    BOOST_TEST(e.sink.wait_closes(c, 1) == std::vector<std::uint16_t>{1002});
    const std::string callback = e.answer_next(cb_prefix + "running", 200);
    BOOST_REQUIRE_MESSAGE(callback != "", "no callback for the running operation");
    BOOST_TEST(parse(callback).at("error").as_object().at("code").as_string() == "client-error");
}

BOOST_AUTO_TEST_CASE(v1_errors_on_a_bound_connection_leave_the_session_running) {
    env e;
    const ws_ref v = e.open(1, "/touchpoint/v1");
    e.message(
        v, R"({"type":"deliver","appId":"0A1B2C3D","serviceId":"svc-1","cardId":{"iin":"01","cin":"0102"}})");
    BOOST_REQUIRE(e.answer_next(description_url, 200, description) != "");
    const auto session = frame_at(e, v, 1);
    BOOST_REQUIRE(session.at("type").as_string() == "session");
    const std::string sid(session.at("sessionId").as_string());
    BOOST_REQUIRE(e.answer_next(delivery_url, 200) != "");
    BOOST_REQUIRE(e.accept(sid, {"\x80\xca\x9f\x7f\x00"s}, cb_prefix + "v1"));
    const auto commands = frame_at(e, v, 2);
    BOOST_REQUIRE(commands.at("type").as_string() == "commands");
    const std::string batch = std::to_string(commands.at("batch").as_int64());
    e.message(v, R"({"type":"responses","batch":)" + batch + R"(,"responses":["9F7F9000","9000"]})");
    const auto err = frame_at(e, v, 3);
    BOOST_TEST(err.at("type").as_string() == "error"); // an answer: the connection stays
    BOOST_TEST(e.sink.closes(v).empty());
    e.message(v, R"({"type":"responses","batch":)" + batch + R"(,"responses":["9F7F9000"]})");
    const std::string callback = e.answer_next(cb_prefix + "v1", 200);
    BOOST_TEST(callback.find("9F7F9000") != std::string::npos, callback);
    BOOST_TEST(e.sink.closes(v).empty());
}

BOOST_AUTO_TEST_SUITE_END()
