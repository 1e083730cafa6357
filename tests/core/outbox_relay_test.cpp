#include "tsm/core/outbox_relay.hpp"

#include "core_port_fakes.hpp"
#include "tsm/core/clock.hpp"
#include "tsm/core/shard_pool.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

namespace core = tsm::core;
using namespace std::chrono_literals;

namespace {

struct relay_harness {
    explicit relay_harness(core::outbox_relay_config cfg = config()) : relay(ioc, store, sp, cfg, probe) {}

    static core::outbox_relay_config config() {
        core::outbox_relay_config c;
        c.retry.initial = 1ms;
        c.retry.max_delay = 2ms;
        c.retry.max_age = 60'000ms;
        return c;
    }

    static core::outbox_entry entry(std::string id, std::string url, std::int64_t created = core::now_ms()) {
        return core::outbox_entry{std::move(id), std::move(url), R"({"operationId":"x","statusCode":200})",
                                  created};
    }

    void drain() {
        ioc.restart();
        ioc.poll();
    }

    /// Runs timers until `pred` holds (bounded: at most ~500 ms).
    template <class Pred>
    bool run_until(Pred pred) {
        ioc.restart();
        for (int i = 0; i < 250 && !pred(); ++i) {
            ioc.run_for(2ms);
        }
        return pred();
    }

    /// Entry ids deleted from the outbox so far.
    std::vector<std::string> deleted() const {
        std::vector<std::string> out;
        for (const auto& c : store.commits) {
            for (const auto& id : c.w.delete_outbox) {
                out.push_back(id);
                BOOST_TEST(c.d == core::durability::relaxed);
            }
        }
        return out;
    }

    core::this_thread_as_shard as_shard{0}; // the relay's owner shard, for its assertions
    boost::asio::io_context ioc;
    tsm::test::fake_store store;
    tsm::test::fake_sp_port sp;
    core::service_probe probe;
    core::outbox_relay relay;
};

} // namespace

BOOST_AUTO_TEST_SUITE(outbox_relay)

BOOST_AUTO_TEST_CASE(posts_the_body_and_deletes_the_entry_on_2xx) {
    relay_harness h;
    h.relay.enqueue(relay_harness::entry("op-1", "https://sp.example/cb/1"));
    BOOST_REQUIRE_EQUAL(h.sp.calls.size(), 1u);
    BOOST_TEST(h.sp.calls[0].method == "POST");
    BOOST_TEST(h.sp.calls[0].url == "https://sp.example/cb/1");
    BOOST_TEST(h.sp.calls[0].body == R"({"operationId":"x","statusCode":200})");
    BOOST_TEST(h.relay.pending() == 1u);
    BOOST_TEST(h.deleted().empty());
    h.sp.answer(0, 204);
    h.drain();
    BOOST_TEST(h.deleted() == std::vector<std::string>{"op-1"});
    BOOST_TEST(h.relay.pending() == 0u);
    BOOST_TEST(h.probe.callback_successes.load() == 1u);
    BOOST_TEST(h.probe.outbox_depth.load() == 0);
}

BOOST_AUTO_TEST_CASE(retries_after_a_failure_and_delivers_on_recovery) {
    relay_harness h;
    h.relay.enqueue(relay_harness::entry("op-1", "https://sp.example/cb/1"));
    h.sp.answer(0, 500);
    h.drain();
    BOOST_TEST(h.deleted().empty());
    BOOST_TEST(h.relay.pending() == 1u);
    BOOST_REQUIRE(h.run_until([&] { return h.sp.calls.size() >= 2; }));
    h.sp.answer(1, 0); // connection failure: also retried
    BOOST_REQUIRE(h.run_until([&] { return h.sp.calls.size() >= 3; }));
    BOOST_TEST(h.sp.calls[2].url == "https://sp.example/cb/1");
    BOOST_TEST(h.sp.calls[2].body == h.sp.calls[0].body);
    h.sp.answer(2, 200);
    h.drain();
    BOOST_TEST(h.deleted() == std::vector<std::string>{"op-1"});
    BOOST_TEST(h.relay.pending() == 0u);
    BOOST_TEST(h.probe.callback_failures.load() == 2u);
    BOOST_TEST(h.probe.callback_attempts.load() == 3u);
}

BOOST_AUTO_TEST_CASE(does_not_retry_before_the_backoff_delay) {
    auto cfg = relay_harness::config();
    cfg.retry.initial = 60'000ms;
    cfg.retry.max_delay = 60'000ms;
    relay_harness h(cfg);
    h.relay.enqueue(relay_harness::entry("op-1", "https://sp.example/cb/1"));
    h.sp.answer(0, 503);
    h.ioc.restart();
    h.ioc.run_for(20ms);
    BOOST_TEST(h.sp.calls.size() == 1u);
    BOOST_TEST(h.relay.pending() == 1u);
    h.relay.shutdown();
}

BOOST_AUTO_TEST_CASE(gives_up_after_max_age_and_deletes_the_entry) {
    auto cfg = relay_harness::config();
    cfg.retry.max_age = 5'000ms;
    relay_harness h(cfg);
    h.relay.enqueue(relay_harness::entry("op-old", "https://sp.example/cb/1", core::now_ms() - 10'000));
    h.sp.answer(0, 500);
    h.drain();
    BOOST_TEST(h.deleted() == std::vector<std::string>{"op-old"});
    BOOST_TEST(h.probe.callbacks_expired.load() == 1u);
    BOOST_TEST(h.relay.pending() == 0u);
    h.ioc.restart();
    h.ioc.run_for(10ms);
    BOOST_TEST(h.sp.calls.size() == 1u); // no further attempt
}

BOOST_AUTO_TEST_CASE(bounds_in_flight_calls_per_host_without_blocking_other_hosts) {
    auto cfg = relay_harness::config();
    cfg.max_in_flight_per_host = 2;
    relay_harness h(cfg);
    for (int i = 0; i < 5; ++i) {
        h.relay.enqueue(
            relay_harness::entry("a" + std::to_string(i), "https://slow.example/cb/" + std::to_string(i)));
    }
    h.relay.enqueue(relay_harness::entry("b0", "https://fast.example:8443/cb"));
    BOOST_TEST(h.sp.open_calls("https://slow.example/").size() == 2u);
    BOOST_TEST(h.sp.open_calls("https://fast.example:8443/").size() == 1u);
    BOOST_TEST(h.relay.pending() == 6u);

    // Answer the slow host one at a time: never more than two outstanding.
    int delivered = 0;
    while (!h.sp.open_calls("https://slow.example/").empty()) {
        const auto open = h.sp.open_calls("https://slow.example/");
        BOOST_TEST(open.size() <= 2u);
        h.sp.answer(open.front(), 200);
        ++delivered;
        h.drain();
    }
    BOOST_TEST(delivered == 5);
    BOOST_TEST(h.sp.calls_to("https://slow.example/").size() == 5u);
    h.sp.answer(h.sp.open_calls("https://fast.example:8443/").at(0), 200);
    h.drain();
    BOOST_TEST(h.deleted().size() == 6u);
    BOOST_TEST(h.relay.pending() == 0u);
}

BOOST_AUTO_TEST_CASE(a_failing_host_frees_its_slot_while_waiting_to_retry) {
    auto cfg = relay_harness::config();
    cfg.max_in_flight_per_host = 1;
    cfg.retry.initial = 60'000ms;
    cfg.retry.max_delay = 60'000ms;
    relay_harness h(cfg);
    h.relay.enqueue(relay_harness::entry("a0", "https://sp.example/cb/0"));
    h.relay.enqueue(relay_harness::entry("a1", "https://sp.example/cb/1"));
    BOOST_REQUIRE_EQUAL(h.sp.calls.size(), 1u);
    h.sp.answer(0, 500); // a0 waits 30-60 s; a1 may go now
    BOOST_REQUIRE_EQUAL(h.sp.calls.size(), 2u);
    BOOST_TEST(h.sp.calls[1].url == "https://sp.example/cb/1");
    h.relay.shutdown();
}

BOOST_AUTO_TEST_CASE(shutdown_stops_retries_and_keeps_entries_in_the_store) {
    relay_harness h;
    h.relay.enqueue(relay_harness::entry("op-1", "https://sp.example/cb/1"));
    h.sp.answer(0, 500);
    h.relay.shutdown();
    h.ioc.restart();
    h.ioc.run_for(10ms);
    BOOST_TEST(h.sp.calls.size() == 1u);
    BOOST_TEST(h.deleted().empty());
    h.relay.enqueue(relay_harness::entry("op-2", "https://sp.example/cb/2"));
    BOOST_TEST(h.sp.calls.size() == 1u);
}

BOOST_AUTO_TEST_CASE(shutdown_reports_drained_only_after_the_call_in_flight_completes) {
    relay_harness h;
    h.relay.enqueue(relay_harness::entry("op-1", "https://sp.example/cb/1"));
    BOOST_REQUIRE_EQUAL(h.sp.open_calls().size(), 1u);
    int drained = 0;
    h.relay.shutdown([&drained] { ++drained; });
    h.drain();
    BOOST_TEST(drained == 0); // the callback POST is still out
    h.sp.answer(0, 200);
    h.drain();
    BOOST_TEST(drained == 1);
    h.drain();
    BOOST_TEST(drained == 1);
}

BOOST_AUTO_TEST_CASE(shutdown_with_nothing_in_flight_reports_drained_at_once) {
    relay_harness h;
    int drained = 0;
    h.relay.shutdown([&drained] { ++drained; });
    h.drain();
    BOOST_TEST(drained == 1);
}

BOOST_AUTO_TEST_CASE(url_origin_keeps_scheme_host_and_port) {
    BOOST_TEST(core::url_origin("https://sp.example:8443/cb/1?x=1") == "https://sp.example:8443");
    BOOST_TEST(core::url_origin("http://sp.example?x") == "http://sp.example");
    BOOST_TEST(core::url_origin("http://sp.example#frag") == "http://sp.example");
    BOOST_TEST(core::url_origin("https://sp.example") == "https://sp.example");
    BOOST_TEST(core::url_origin("not a url") == "not a url");
}

BOOST_AUTO_TEST_SUITE_END()
