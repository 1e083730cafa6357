#include "tsm/core/shard_owned.hpp"

#include "tsm/core/shard_pool.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

namespace core = tsm::core;

BOOST_AUTO_TEST_SUITE(shard_owned)

BOOST_AUTO_TEST_CASE(on_owner_is_true_only_on_the_owner_shard_thread) {
    const core::shard_owned owned(1, "thing");
    BOOST_TEST(owned.owner_shard() == 1u);
    BOOST_TEST(!owned.on_owner()); // the test thread is no shard
    {
        core::this_thread_as_shard as(1);
        BOOST_TEST(owned.on_owner());
        owned.assert_on_owner(); // does not abort
    }
    {
        core::this_thread_as_shard as(0);
        BOOST_TEST(!owned.on_owner());
    }
    bool elsewhere = true;
    std::thread([&] {
        core::this_thread_as_shard as(1);
        elsewhere = owned.on_owner(); // the same index on another thread is the owner too
    }).join();
    BOOST_TEST(elsewhere);
}

#ifndef NDEBUG
// The abort path, in a forked child (single-threaded at that point: the pool tests join their
// threads), so the test binary survives it.
BOOST_AUTO_TEST_CASE(assert_on_owner_aborts_off_the_owner_shard_in_debug_builds) {
    const pid_t child = ::fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) {
        // Boost.Test's execution monitor traps SIGABRT; the child must die of it instead.
        std::signal(SIGABRT, SIG_DFL);
        core::this_thread_as_shard as(0);
        const core::shard_owned owned(1, "thing");
        owned.assert_on_owner();
        ::_exit(0); // not reached when the assertion works
    }
    int status = 0;
    for (int i = 0; i < 1000; ++i) { // bounded: 10 s
        if (::waitpid(child, &status, WNOHANG) == child) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (i == 999) {
            ::kill(child, SIGKILL);
            ::waitpid(child, &status, 0);
            BOOST_FAIL("the child neither aborted nor exited");
        }
    }
    BOOST_TEST(WIFSIGNALED(status));
    BOOST_TEST(WTERMSIG(status) == SIGABRT);
}
#endif

BOOST_AUTO_TEST_SUITE_END()
