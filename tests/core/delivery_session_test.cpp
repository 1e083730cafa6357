#include "tsm/core/delivery_session.hpp"

#include <boost/test/unit_test.hpp>

namespace core = tsm::core;

namespace {
core::apdu_batch batch_of(std::size_t n) {
    core::apdu_batch b;
    b.commands.assign(n, std::string("\x00\xa4\x04\x00", 4));
    return b;
}
} // namespace

using namespace std::string_literals;

BOOST_AUTO_TEST_SUITE(delivery_session)

BOOST_AUTO_TEST_CASE(valid_answer_accepts_up_to_one_response_per_command) {
    BOOST_TEST(core::delivery_session::valid_answer(batch_of(2), {"\x90\x00"s, "\x6a\x82"}));
    BOOST_TEST(core::delivery_session::valid_answer(batch_of(2), {"\x90\x00"s})); // stopped early
    BOOST_TEST(core::delivery_session::valid_answer(batch_of(1), {std::string("\x01\x02\x90\x00", 4)}));
}

BOOST_AUTO_TEST_CASE(valid_answer_rejects_more_responses_than_commands) {
    BOOST_TEST(!core::delivery_session::valid_answer(batch_of(1), {"\x90\x00"s, "\x90\x00"s}));
    BOOST_TEST(!core::delivery_session::valid_answer(batch_of(0), {"\x90\x00"s}));
}

BOOST_AUTO_TEST_CASE(valid_answer_rejects_responses_shorter_than_a_status_word) {
    BOOST_TEST(!core::delivery_session::valid_answer(batch_of(2), {"\x90\x00"s, "\x90"}));
    BOOST_TEST(!core::delivery_session::valid_answer(batch_of(1), {""}));
}

BOOST_AUTO_TEST_CASE(batch_numbers_continue_after_the_persisted_last_batch) {
    core::session_record rec;
    rec.last_batch = 41;
    core::delivery_session s(rec);
    BOOST_TEST(s.take_batch_number() == 42u);
    BOOST_TEST(s.take_batch_number() == 43u);
    core::delivery_session fresh(core::session_record{});
    BOOST_TEST(fresh.take_batch_number() == 1u);
}

BOOST_AUTO_TEST_CASE(find_operation_finds_queued_operations_by_id) {
    core::delivery_session s(core::session_record{});
    core::live_operation a;
    a.rec.operation_id = "a";
    core::live_operation b;
    b.rec.operation_id = "b";
    s.queue().push_back(std::move(a));
    s.queue().push_back(std::move(b));
    BOOST_REQUIRE(s.find_operation("b") != nullptr);
    BOOST_TEST(s.find_operation("b")->rec.operation_id == "b");
    BOOST_TEST(s.find_operation("c") == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
