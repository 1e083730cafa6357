#include "tsm/core/api_error.hpp"

#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

namespace core = tsm::core;

namespace {

constexpr auto last = core::api_errc::action_skipped; // the enum's last value (api_error.cpp asserts it)

template <class Fn>
void for_each_errc(Fn fn) {
    for (unsigned i = 0; i <= static_cast<unsigned>(last); ++i) {
        fn(static_cast<core::api_errc>(i));
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(api_error)

BOOST_AUTO_TEST_CASE(every_code_has_a_distinct_kebab_case_name) {
    std::set<std::string> names;
    for_each_errc([&](core::api_errc e) {
        const std::string name(core::code_name(e));
        BOOST_TEST_CONTEXT("errc " << static_cast<int>(e)) {
            BOOST_TEST(!name.empty());
            BOOST_TEST(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") == std::string::npos);
            BOOST_TEST(names.insert(name).second);
        }
    });
    BOOST_TEST(names.size() == static_cast<std::size_t>(last) + 1);
    BOOST_TEST(names.count("internal") == 0u); // one spelling of the internal error only
}

BOOST_AUTO_TEST_CASE(names_parse_back_to_their_code) {
    for_each_errc([](core::api_errc e) {
        const auto parsed = core::parse_api_errc(core::code_name(e));
        BOOST_REQUIRE(parsed.has_value());
        BOOST_TEST(static_cast<int>(*parsed) == static_cast<int>(e));
    });
    BOOST_TEST(!core::parse_api_errc("no-such-code").has_value());
    BOOST_TEST(!core::parse_api_errc("").has_value());
    BOOST_TEST(!core::parse_api_errc("Bad-Request").has_value()); // wire codes are exact
}

BOOST_AUTO_TEST_CASE(every_status_is_an_http_error_status) {
    for_each_errc([](core::api_errc e) {
        const int s = core::http_status(e);
        BOOST_TEST((s >= 400 && s < 600));
    });
}

BOOST_AUTO_TEST_CASE(the_statuses_the_wire_contract_fixes) {
    BOOST_TEST(core::http_status(core::api_errc::bad_request) == 400);
    BOOST_TEST(core::http_status(core::api_errc::unauthorized) == 401);
    BOOST_TEST(core::http_status(core::api_errc::session_not_found) == 404);
    BOOST_TEST(core::http_status(core::api_errc::session_finished) == 409);
    BOOST_TEST(core::http_status(core::api_errc::too_many_operations) == 429);
    BOOST_TEST(core::http_status(core::api_errc::unavailable) == 503);
    BOOST_TEST(core::http_status(core::api_errc::session_expired) == 504);
    BOOST_TEST(core::code_name(core::api_errc::internal_error) == "internal-error");
}

BOOST_AUTO_TEST_CASE(api_error_carries_code_status_and_message) {
    const auto e = core::make_api_error(core::api_errc::too_many_operations, "queue full");
    BOOST_TEST(e.status() == 429);
    BOOST_TEST(e.name() == "too-many-operations");
    BOOST_TEST(e.message == "queue full");
    const core::api_result<int> r = e;
    BOOST_TEST(!r.has_value());
    BOOST_CHECK_THROW((void)r.value(), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
