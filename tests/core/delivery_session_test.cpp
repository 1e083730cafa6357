#include "tsm/core/delivery_session.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

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
    BOOST_TEST(core::delivery_session::valid_answer(2, {"\x90\x00"s, "\x6a\x82"}));
    BOOST_TEST(core::delivery_session::valid_answer(2, {"\x90\x00"s})); // stopped early
    BOOST_TEST(core::delivery_session::valid_answer(1, {std::string("\x01\x02\x90\x00", 4)}));
}

BOOST_AUTO_TEST_CASE(valid_answer_rejects_more_responses_than_commands) {
    BOOST_TEST(!core::delivery_session::valid_answer(1, {"\x90\x00"s, "\x90\x00"s}));
    BOOST_TEST(!core::delivery_session::valid_answer(0, {"\x90\x00"s}));
}

BOOST_AUTO_TEST_CASE(valid_answer_rejects_responses_shorter_than_a_status_word) {
    BOOST_TEST(!core::delivery_session::valid_answer(2, {"\x90\x00"s, "\x90"}));
    BOOST_TEST(!core::delivery_session::valid_answer(1, {""}));
}

namespace {
core::operation_record op_record(std::string id, std::uint64_t seq = 0) {
    core::operation_record r;
    r.operation_id = std::move(id);
    r.seq = seq;
    return r;
}
} // namespace

BOOST_AUTO_TEST_CASE(batch_numbers_continue_after_the_persisted_last_batch) {
    core::session_record rec;
    rec.last_batch = 41;
    core::delivery_session s(rec);
    BOOST_TEST(s.hand_out("op", batch_of(1)).number == 42u);
    BOOST_TEST(s.hand_out("op", batch_of(1)).number == 43u);
    core::delivery_session fresh(core::session_record{});
    BOOST_TEST(fresh.hand_out("op", batch_of(1)).number == 1u);
}

BOOST_AUTO_TEST_CASE(find_operation_finds_queued_operations_by_id) {
    core::delivery_session s(core::session_record{});
    s.enqueue(op_record("a"));
    s.enqueue(op_record("b"));
    BOOST_REQUIRE(s.find_operation("b") != nullptr);
    BOOST_TEST(s.find_operation("b")->rec.operation_id == "b");
    BOOST_TEST(s.find_operation("c") == nullptr);
}

BOOST_AUTO_TEST_CASE(take_outstanding_answers_only_the_current_batch_and_records_its_number) {
    core::delivery_session s(core::session_record{});
    const auto number = s.hand_out("op-1", batch_of(2)).number;
    BOOST_TEST(s.awaiting(number + 1) == nullptr); // a stale or future number
    BOOST_REQUIRE(s.awaiting(number) != nullptr);
    BOOST_TEST(s.awaiting(0) == s.awaiting(number)); // unnumbered dialects answer the outstanding one
    const auto taken = s.take_outstanding(1234);
    BOOST_TEST(taken.operation_id == "op-1");
    BOOST_TEST(taken.batch.commands.size() == 2u);
    BOOST_TEST(!s.outstanding().has_value());
    BOOST_TEST(s.awaiting(number) == nullptr); // a duplicate answer finds nothing
    BOOST_TEST(s.awaiting(0) == nullptr);      // nothing outstanding
    BOOST_TEST(s.record().last_batch == number);
    BOOST_TEST(s.record().last_progress_ms == 1234);
}

BOOST_AUTO_TEST_CASE(bind_and_unbind_track_one_connection) {
    core::delivery_session s(core::session_record{});
    const core::connection_ref a{0, 7};
    const core::connection_ref b{1, 8};
    BOOST_TEST(!s.bound());
    BOOST_TEST(!s.bound_to(core::connection_ref{})); // no connection is never "the" connection
    s.bind(a);
    BOOST_TEST(s.bound_to(a));
    BOOST_TEST(!s.bound_to(b));
    const auto old = s.unbind();
    BOOST_TEST((old == a));
    BOOST_TEST(!s.bound());
    BOOST_TEST(!s.unbind().valid());
}

BOOST_AUTO_TEST_CASE(recovered_operations_are_durable_and_push_the_sequence_past_them) {
    core::delivery_session s(core::session_record{});
    s.recover(op_record("a", 4));
    s.recover(op_record("b", 9));
    BOOST_REQUIRE(s.head() != nullptr);
    BOOST_TEST(s.head()->rec.operation_id == "a");
    BOOST_TEST(s.head()->durable);
    BOOST_TEST(s.take_operation_seq() == 10u);
    BOOST_TEST(s.take_operation_seq() == 11u);
}

BOOST_AUTO_TEST_CASE(drop_unfinished_keeps_the_operation_whose_result_is_being_written) {
    core::delivery_session s(core::session_record{});
    s.enqueue(op_record("a")).finishing = true;
    s.enqueue(op_record("b"));
    s.enqueue(op_record("c"));
    std::vector<std::string> seen;
    s.for_each_unfinished([&seen](core::live_operation& op) { seen.push_back(op.rec.operation_id); });
    BOOST_TEST(seen == (std::vector<std::string>{"b", "c"}));
    std::vector<std::string> dropped;
    s.drop_unfinished([&dropped](const core::live_operation& op) { dropped.push_back(op.rec.operation_id); });
    BOOST_TEST(dropped == (std::vector<std::string>{"b", "c"}));
    BOOST_REQUIRE_EQUAL(s.queued(), 1u);
    BOOST_TEST(s.head()->rec.operation_id == "a");
    BOOST_TEST(!s.erase_operation("b"));
    BOOST_TEST(s.erase_operation("a"));
    BOOST_TEST(s.head() == nullptr);
}

BOOST_AUTO_TEST_CASE(end_keeps_the_final_frame_and_clears_the_outstanding_batch) {
    core::delivery_session s(core::session_record{});
    s.hand_out("op", batch_of(1));
    s.end(R"({"type":"status"})", 99);
    BOOST_TEST(!s.outstanding().has_value());
    BOOST_TEST(s.final_frame() == R"({"type":"status"})");
    BOOST_TEST(s.record().final_status_json == s.final_frame());
    BOOST_TEST(s.finished_ms() == 99);
}

BOOST_AUTO_TEST_SUITE_END()
