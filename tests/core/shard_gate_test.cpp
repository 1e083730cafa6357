#include "tsm/core/shard_gate.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <functional>
#include <thread>
#include <utility>
#include <vector>

namespace core = tsm::core;

namespace {

struct gate_fixture {
    void drain() {
        ioc.restart();
        ioc.poll();
    }
    boost::asio::io_context ioc;
    core::shard_gate gate{ioc.get_executor()};
    int drained = 0;
    std::function<void()> count_drained() {
        return [this] { ++drained; };
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(shard_gate)

BOOST_FIXTURE_TEST_CASE(counts_passes_and_their_copies, gate_fixture) {
    BOOST_TEST(gate.in_flight() == 0u);
    auto a = gate.enter();
    BOOST_TEST(static_cast<bool>(a));
    {
        auto copy = a;
        BOOST_TEST(gate.in_flight() == 2u);
        auto moved = std::move(copy);
        BOOST_TEST(gate.in_flight() == 2u); // a move does not count twice
    }
    BOOST_TEST(gate.in_flight() == 1u);
    a = core::shard_gate::pass{};
    BOOST_TEST(gate.in_flight() == 0u);
}

BOOST_FIXTURE_TEST_CASE(drained_fires_once_after_the_last_pass, gate_fixture) {
    auto a = gate.enter();
    auto b = gate.enter();
    gate.close(count_drained());
    BOOST_TEST(gate.closed());
    drain();
    BOOST_TEST(drained == 0);
    a = {};
    drain();
    BOOST_TEST(drained == 0);
    b = {};
    BOOST_TEST(drained == 0); // posted, never inline
    drain();
    BOOST_TEST(drained == 1);
    drain();
    BOOST_TEST(drained == 1);
}

BOOST_FIXTURE_TEST_CASE(close_with_nothing_in_flight_fires_drained_posted, gate_fixture) {
    gate.close(count_drained());
    BOOST_TEST(drained == 0);
    drain();
    BOOST_TEST(drained == 1);
}

BOOST_FIXTURE_TEST_CASE(enter_is_refused_after_close, gate_fixture) {
    gate.close(count_drained());
    auto late = gate.enter();
    BOOST_TEST(!static_cast<bool>(late));
    BOOST_TEST(gate.in_flight() == 0u);
    auto copy = late; // an empty pass copies to an empty pass
    BOOST_TEST(!static_cast<bool>(copy));
    drain();
    BOOST_TEST(drained == 1);
}

BOOST_FIXTURE_TEST_CASE(copies_destroyed_on_another_thread_still_drain_once, gate_fixture) {
    constexpr int copies = 64;
    std::vector<core::shard_gate::pass> passes;
    {
        auto p = gate.enter();
        for (int i = 0; i < copies; ++i) {
            passes.push_back(p);
        }
    }
    gate.close(count_drained());
    // Like a store handler that travels through the writer thread and dies there.
    std::thread other([moved = std::move(passes)]() mutable {
        while (!moved.empty()) {
            moved.pop_back();
        }
    });
    other.join();
    BOOST_TEST(gate.in_flight() == 0u);
    drain();
    BOOST_TEST(drained == 1);
}

BOOST_AUTO_TEST_CASE(a_pass_may_outlive_its_gate) {
    boost::asio::io_context ioc;
    core::shard_gate::pass survivor;
    {
        core::shard_gate gate(ioc.get_executor());
        survivor = gate.enter();
    }
    survivor = {}; // no use after free: the pass shares the gate's state
    BOOST_TEST(!static_cast<bool>(survivor));
}

BOOST_AUTO_TEST_SUITE_END()
