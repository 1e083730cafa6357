#include "tsm/core/retry_schedule.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>

using namespace std::chrono_literals;
using tsm::core::next_retry_delay;
using tsm::core::retry_policy;

namespace {

retry_policy policy(std::chrono::milliseconds initial, std::chrono::milliseconds max_delay,
                    std::chrono::milliseconds max_age) {
    retry_policy p;
    p.initial = initial;
    p.max_delay = max_delay;
    p.max_age = max_age;
    return p;
}

constexpr std::int64_t t0 = 1'700'000'000'000;

} // namespace

BOOST_AUTO_TEST_SUITE(retry_schedule)

BOOST_AUTO_TEST_CASE(first_delay_lies_between_half_and_full_initial) {
    const auto p = policy(1000ms, 60'000ms, 24h);
    for (double r : {0.0, 0.25, 0.5, 0.999999, 1.0}) {
        const auto d = next_retry_delay(p, 1, t0, t0, r);
        BOOST_REQUIRE(d.has_value());
        BOOST_TEST(d->count() >= 500);
        BOOST_TEST(d->count() <= 1000);
    }
    BOOST_TEST(next_retry_delay(p, 1, t0, t0, 0.0)->count() == 500);
    BOOST_TEST(next_retry_delay(p, 1, t0, t0, 0.5)->count() == 750);
}

BOOST_AUTO_TEST_CASE(cap_doubles_per_attempt) {
    const auto p = policy(100ms, 1'000'000ms, 24h);
    std::int64_t cap = 100;
    for (std::uint32_t attempt = 1; attempt <= 10; ++attempt) {
        const auto lo = next_retry_delay(p, attempt, t0, t0, 0.0);
        const auto hi = next_retry_delay(p, attempt, t0, t0, 1.0);
        BOOST_REQUIRE(lo && hi);
        BOOST_TEST(lo->count() == cap / 2, "attempt " << attempt);
        BOOST_TEST(hi->count() == cap, "attempt " << attempt);
        cap *= 2;
    }
}

BOOST_AUTO_TEST_CASE(caps_the_delay_at_max_delay) {
    const auto p = policy(500ms, 60'000ms, 24h * 30);
    for (std::uint32_t attempt : {8u, 9u, 20u, 31u, 64u, 1000u, 4'000'000'000u}) {
        const auto lo = next_retry_delay(p, attempt, t0, t0, 0.0);
        const auto hi = next_retry_delay(p, attempt, t0, t0, 1.0);
        BOOST_REQUIRE(lo && hi);
        BOOST_TEST(lo->count() == 30'000, "attempt " << attempt);
        BOOST_TEST(hi->count() == 60'000, "attempt " << attempt);
    }
}

BOOST_AUTO_TEST_CASE(clamps_random_values_outside_unit_interval) {
    const auto p = policy(1000ms, 60'000ms, 24h);
    BOOST_TEST(next_retry_delay(p, 1, t0, t0, -3.0)->count() == 500);
    BOOST_TEST(next_retry_delay(p, 1, t0, t0, 7.0)->count() == 1000);
}

BOOST_AUTO_TEST_CASE(gives_up_once_the_next_attempt_would_exceed_max_age) {
    const auto p = policy(1000ms, 1000ms, 10'000ms);
    // Attempt at now + 1000 lands exactly at max_age: still allowed.
    BOOST_TEST(next_retry_delay(p, 3, t0, t0 + 9'000, 1.0).has_value());
    // Beyond max_age: give up.
    BOOST_TEST(!next_retry_delay(p, 3, t0, t0 + 9'001, 1.0).has_value());
    BOOST_TEST(!next_retry_delay(p, 3, t0, t0 + 20'000, 0.0).has_value());
}

BOOST_AUTO_TEST_CASE(never_returns_zero) {
    const auto p = policy(1ms, 1ms, 24h);
    for (double r : {0.0, 0.5, 1.0}) {
        const auto d = next_retry_delay(p, 1, t0, t0, r);
        BOOST_REQUIRE(d);
        BOOST_TEST(d->count() >= 1);
    }
    const auto zero = policy(0ms, 0ms, 24h);
    BOOST_TEST(next_retry_delay(zero, 1, t0, t0, 0.0)->count() == 1);
    BOOST_TEST(next_retry_delay(p, 0, t0, t0, 0.0)->count() >= 1);
}

BOOST_AUTO_TEST_SUITE_END()
