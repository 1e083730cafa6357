#include "tsm/core/shard_pool.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace core = tsm::core;
using namespace std::chrono_literals;

namespace {

/// Waits (bounded) for a future set by a shard.
template <class T>
T wait_for(std::future<T>& f) {
    BOOST_REQUIRE(f.wait_for(10s) == std::future_status::ready);
    return f.get();
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard_pool)

BOOST_AUTO_TEST_CASE(invoke_on_runs_on_the_target_shard_thread) {
    core::shard_pool pool(3);
    pool.start();
    BOOST_TEST(core::shard_pool::current() == core::shard_pool::no_shard);
    std::promise<unsigned> ran;
    auto f = ran.get_future();
    pool.invoke_on(2, [&ran] { ran.set_value(core::shard_pool::current()); });
    BOOST_TEST(wait_for(f) == 2u);
    pool.stop();
}

BOOST_AUTO_TEST_CASE(invoke_on_never_runs_inline_even_from_the_target_shard) {
    core::shard_pool pool(1);
    pool.start();
    std::promise<bool> inline_run;
    auto f = inline_run.get_future();
    pool.invoke_on(0, [&pool, &inline_run] {
        bool ran = false;
        pool.invoke_on(0, [&ran] { ran = true; });
        inline_run.set_value(ran); // still false: queued behind this handler
    });
    BOOST_TEST(!wait_for(f));
    pool.stop();
}

BOOST_AUTO_TEST_CASE(invoke_on_owner_runs_on_the_session_owner_shard) {
    core::shard_pool pool(4);
    pool.start();
    const std::string sid = "123e4567-e89b-42d3-a456-426614174000";
    std::promise<unsigned> ran;
    auto f = ran.get_future();
    pool.invoke_on_owner(sid, [&ran] { ran.set_value(core::shard_pool::current()); });
    BOOST_TEST(wait_for(f) == core::owner_shard(sid, 4));
    BOOST_TEST(pool.owner_of(sid) == core::owner_shard(sid, 4));
    pool.stop();
}

BOOST_AUTO_TEST_CASE(invoke_on_all_runs_everywhere_then_done_once_on_the_calling_shard) {
    core::shard_pool pool(4);
    pool.start();
    std::mutex m;
    std::set<unsigned> seen; // (shard index given, shard running it)
    std::atomic<int> done_calls{0};
    // Checked on the test thread: Boost.Test macros are not thread-safe.
    std::atomic<bool> wrong_shard{false};
    std::atomic<std::size_t> seen_at_done{0};
    std::promise<unsigned> done_on;
    auto f = done_on.get_future();
    pool.invoke_on(1, [&] {
        pool.invoke_on_all(
            [&m, &seen, &wrong_shard](unsigned i) {
                std::lock_guard lock(m);
                if (core::shard_pool::current() != i) {
                    wrong_shard = true;
                }
                seen.insert(i);
            },
            [&] {
                done_calls.fetch_add(1);
                std::lock_guard lock(m);
                seen_at_done = seen.size(); // after every shard has run fn
                done_on.set_value(core::shard_pool::current());
            });
    });
    BOOST_TEST(wait_for(f) == 1u);
    BOOST_TEST(!wrong_shard.load());
    BOOST_TEST(seen_at_done.load() == 4u);
    // Let any stray second `done` show up before counting.
    std::promise<void> flushed;
    auto g = flushed.get_future();
    pool.invoke_on_all([](unsigned) {}, [&flushed] { flushed.set_value(); });
    wait_for(g);
    BOOST_TEST(done_calls.load() == 1);
    pool.stop();
}

BOOST_AUTO_TEST_CASE(invoke_on_all_and_wait_blocks_until_every_shard_ran) {
    core::shard_pool pool(3);
    pool.start();
    std::atomic<unsigned> mask{0}; // bit i: shard i ran fn on its own thread
    pool.invoke_on_all_and_wait([&mask](unsigned i) {
        if (core::shard_pool::current() == i) { // checked here, asserted on the test thread
            mask.fetch_or(1u << i);
        }
    });
    BOOST_TEST(mask.load() == 0b111u);
    pool.stop();
}

BOOST_AUTO_TEST_CASE(invoke_on_all_and_wait_refuses_a_shard_thread) {
    core::shard_pool pool(1);
    pool.start();
    std::promise<bool> refused;
    auto f = refused.get_future();
    pool.invoke_on(0, [&] {
        try {
            pool.invoke_on_all_and_wait([](unsigned) {});
            refused.set_value(false);
        } catch (const std::logic_error&) {
            refused.set_value(true);
        }
    });
    BOOST_TEST(wait_for(f));
    pool.stop();
}

BOOST_AUTO_TEST_CASE(this_thread_as_shard_sets_and_restores_current) {
    BOOST_TEST(core::shard_pool::current() == core::shard_pool::no_shard);
    {
        core::this_thread_as_shard outer(2);
        BOOST_TEST(core::shard_pool::current() == 2u);
        {
            core::this_thread_as_shard inner(5);
            BOOST_TEST(core::shard_pool::current() == 5u);
        }
        BOOST_TEST(core::shard_pool::current() == 2u);
    }
    BOOST_TEST(core::shard_pool::current() == core::shard_pool::no_shard);
}

BOOST_AUTO_TEST_SUITE_END()
