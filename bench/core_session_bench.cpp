// One transceive through session_service on one thread, with in-memory ports: SP accept →
// (commit) → commands frame to the touch point → on_responses → result + outbox commit →
// callback POST → outbox delete. The store completes every commit at once (posted to the
// io_context), so this is the CPU cost of the core engine per operation, without disk or sockets.
#include "tsm/core/app_directory.hpp"
#include "tsm/core/outbox_relay.hpp"
#include "tsm/core/ports.hpp"
#include "tsm/core/record_store.hpp"
#include "tsm/core/secret_hasher.hpp"
#include "tsm/core/service_probe.hpp"
#include "tsm/core/session_service.hpp"
#include "tsm/core/shard_pool.hpp"
#include "tsm/core/transceive_operation.hpp"
#include "tsm/transport/touch_point/v1/codec.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <benchmark/benchmark.h>

#include <charconv>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace v1 = tsm::transport::touch_point::v1;

namespace core = tsm::core;

/// Completes every commit immediately (posted, never inline, like the real store).
class instant_store final : public core::record_store {
public:
    void commit(core::write_set, core::durability, boost::asio::any_io_executor ex,
                commit_handler done) override {
        stats_.commits.fetch_add(1, std::memory_order_relaxed);
        boost::asio::post(ex, [done = std::move(done)] { done({}); });
    }
    void load_operation(std::string, boost::asio::any_io_executor ex, load_operation_handler done) override {
        boost::asio::post(ex, [done = std::move(done)] { done({}, std::nullopt); });
    }
    std::error_code load_all(core::recovered_state&) override { return {}; }
    void close() override {}
    const core::store_stats& stats() const noexcept override { return stats_; }

private:
    core::store_stats stats_;
};

/// Renders each call as its protocol v1 frame, as the gateway does; keeps the last, counts them.
class capture_touch_point final : public core::touch_point_port {
public:
    void send_commands(core::connection_ref, std::uint64_t batch_number, std::string_view operation_id,
                       const core::apdu_batch& batch) override {
        keep(v1::frames::commands(batch_number, operation_id, batch));
    }
    void send_description(core::connection_ref, std::string_view app_id, std::string_view service_id,
                          std::string_view description_json) override {
        keep(v1::frames::description(app_id, service_id, description_json));
    }
    void send_session(core::connection_ref, std::string_view session_id, std::string_view token) override {
        keep(v1::frames::session(session_id, token));
    }
    void send_resumed(core::connection_ref, std::string_view session_id) override {
        keep(v1::frames::resumed(session_id));
    }
    void send_error(core::connection_ref, const core::api_error& error) override {
        keep(v1::frames::error(error));
    }
    void send_final_status(core::connection_ref, std::string_view final_status_json) override {
        keep(std::string(final_status_json));
    }
    void close(core::connection_ref, std::uint16_t, std::string) override {}

    std::string last;
    std::uint64_t frames = 0;

private:
    void keep(std::string frame) {
        last = std::move(frame);
        ++frames;
    }
};

/// Answers every SP call with 200 (posted, as the HTTP client would complete).
class ok_sp final : public core::sp_port {
public:
    explicit ok_sp(boost::asio::io_context& ioc) : ioc_(ioc) {}
    void call(std::string, std::string, std::string, reply_handler done) override {
        ++calls;
        boost::asio::post(ioc_, [done = std::move(done)] { done(core::sp_reply{200, {}, {}}); });
    }
    std::uint64_t calls = 0;

private:
    boost::asio::io_context& ioc_;
};

/// The batch number of a `commands` frame ({"type":"commands","batch":N,…}).
std::optional<std::uint64_t> batch_of(const std::string& frame) {
    constexpr std::string_view key = "\"batch\":";
    const auto pos = frame.find(key);
    if (pos == std::string::npos || frame.find("\"commands\"") == std::string::npos) {
        return std::nullopt;
    }
    std::uint64_t n = 0;
    const char* first = frame.data() + pos + key.size();
    if (std::from_chars(first, frame.data() + frame.size(), n).ec != std::errc{}) {
        return std::nullopt;
    }
    return n;
}

/// Must match the resume-token hashing context in core/src/session/session_internal.hpp.
constexpr std::string_view resume_context = "opentsm/resume-token/v1";

void bm_session_transceive(benchmark::State& state) {
    const auto apdus = static_cast<std::size_t>(state.range(0));
    const core::this_thread_as_shard as_shard(0); // the services below are owned by shard 0
    boost::asio::io_context ioc;
    instant_store store;
    capture_touch_point tp;
    ok_sp sp(ioc);
    core::service_probe probe;
    core::outbox_relay relay(ioc, store, sp, {}, probe);
    core::app_directory apps(0);
    const core::secret_hasher hasher(core::secret_hasher::generate_key());

    core::app_record app;
    app.app_id = "A0000001";
    app.key_hash = hasher.digest(core::app_directory::key_context, "app-key");
    app.callback_prefixes = {"https://sp.example/cb"};
    apps.put(app);

    core::session_service_config cfg;
    cfg.is_json_object = [](std::string_view) { return true; };
    core::operation_registry kinds;
    core::register_transceive(kinds);
    const core::key_vault vault(core::bytes(core::key_vault::kek_size, '\x5a'));
    core::session_service svc(ioc, store, tp, sp, relay, apps, hasher, kinds, vault, cfg, probe);

    const std::string session_id = "5f0c7e1a-2b3d-4c5e-8f90-a1b2c3d4e5f6";
    const std::string token = "resume-token-of-the-bench";
    core::session_record rec;
    rec.session_id = session_id;
    rec.app_id = app.app_id;
    rec.service_id = "wallet-provisioning";
    rec.resume_token_hash = hasher.digest(resume_context, token);
    rec.state = core::session_state::active;
    rec.card_iin = "4750000000";
    rec.card_cin = "0123456789ABCDEF";
    svc.adopt(rec, {});
    const core::connection_ref conn{0, 1};
    bool bound = false;
    svc.resume(conn, session_id, token, [&bound](bool ok) { bound = ok; });
    ioc.restart();
    ioc.run();
    if (!bound) {
        state.SkipWithError("resume rejected (resume-token context changed?)");
        return;
    }

    const std::vector<core::bytes> commands(
        apdus, core::bytes("\x00\xA4\x04\x00\x08\xA0\x00\x00\x01\x51\x00\x00\x00", 13));
    const core::bytes payload = core::transceive_operation::encode_payload(commands);
    const core::bytes response = *core::from_hex("6F108408A000000151000000A5049F6501FF9000");
    const std::string callback_url = "https://sp.example/cb/op";
    const std::uint64_t callbacks0 = sp.calls;
    const std::uint64_t commits0 = store.stats().commits.load();
    bool accepted = false;

    for (auto _ : state) {
        accepted = false;
        const std::uint64_t frames_before = tp.frames;
        svc.accept_operation(app.app_id, session_id, "transceive", payload, callback_url,
                             [&accepted](std::optional<core::api_error> err, std::string id) {
                                 accepted = !err.has_value();
                                 benchmark::DoNotOptimize(id.data());
                             });
        ioc.restart();
        ioc.run(); // accept commit → ack → pump → commands frame
        const auto batch = tp.frames == frames_before + 1 ? batch_of(tp.last) : std::nullopt;
        if (!accepted || !batch) {
            state.SkipWithError("operation not accepted or no commands frame");
            break;
        }
        svc.on_responses(conn, session_id, *batch, std::vector<core::bytes>(apdus, response));
        ioc.restart();
        ioc.run(); // result commit → outbox → callback POST → outbox delete
    }

    const auto callbacks = sp.calls - callbacks0;
    if (callbacks != static_cast<std::uint64_t>(state.iterations())) {
        state.SkipWithError("not every operation produced a callback");
    }
    state.SetItemsProcessed(state.iterations()); // operations
    state.counters["commits_per_op"] =
        benchmark::Counter(static_cast<double>(store.stats().commits.load() - commits0)
                           / static_cast<double>(std::max<benchmark::IterationCount>(1, state.iterations())));
    state.counters["apdus"] = static_cast<double>(apdus);
    relay.shutdown();
    svc.shutdown();
}
BENCHMARK(bm_session_transceive)->Arg(1)->Arg(8);

} // namespace
