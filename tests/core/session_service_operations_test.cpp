// Session service: accepting operations, running them in order, batch answers.
// The harness and the shared constants are in session_harness.hpp.
#include "session_harness.hpp"

#include "tsm/core/ids.hpp"

#include <boost/test/unit_test.hpp>

using namespace session_harness;

BOOST_AUTO_TEST_SUITE(session_service)

// ---------------------------------------------------------------- operations

BOOST_AUTO_TEST_CASE(accept_persists_the_operation_in_one_commit_before_acknowledging) {
    harness h;
    h.open(conn1, sid);
    const auto before = h.store.commits.size();
    h.store.hold = true;
    auto& r = h.accept(sid, {select_cmd, cplc_cmd}, cb_prefix + "op");
    h.drain();
    BOOST_TEST(!r.called);
    BOOST_TEST(h.commands_frames(conn1).empty());
    BOOST_REQUIRE_EQUAL(h.store.commits.size(), before + 1);
    const auto& c = h.store.commits.back();
    BOOST_TEST(c.d == core::durability::sync);
    BOOST_REQUIRE_EQUAL(c.w.put_operations.size(), 1u);
    BOOST_TEST(c.w.put_sessions.empty()); // the hot path writes only the operation
    const auto& op = c.w.put_operations[0];
    BOOST_TEST(op.state == core::operation_state::queued);
    BOOST_TEST(op.kind == "transceive");
    BOOST_TEST(op.session_id == sid);
    BOOST_TEST(op.callback_url == cb_prefix + "op");
    BOOST_TEST(op.seq == 0u);

    h.store.hold = false;
    h.store.release();
    h.drain();
    BOOST_REQUIRE(r.called);
    BOOST_TEST(!r.error.has_value());
    BOOST_TEST(r.operation_id == op.operation_id);
    BOOST_TEST(core::is_uuid(r.operation_id));
    // Now it runs: one commands frame with both APDUs.
    const auto cmds = h.commands_frames(conn1);
    BOOST_REQUIRE_EQUAL(cmds.size(), 1u);
    BOOST_TEST(cmds[0].at("batch").as_int64() == 1);
    BOOST_TEST(cmds[0].at("operationId").as_string() == r.operation_id);
    BOOST_TEST(cmds[0].at("commands").as_array().at(0).as_string() == "00A4040000");
    BOOST_TEST(cmds[0].at("commands").as_array().at(1).as_string() == "80CA9F7F00");
    BOOST_TEST(cmds[0].at("stopOnError").as_bool() == false);
}

BOOST_AUTO_TEST_CASE(operations_are_accepted_and_run_while_delivering) {
    harness h;
    h.deliver(conn1, sid); // delivery request not answered yet
    auto& r = h.accept(sid, {select_cmd});
    h.drain();
    BOOST_REQUIRE(r.called);
    BOOST_TEST(!r.error.has_value());
    BOOST_TEST(h.commands_frames(conn1).size() == 1u);
}

BOOST_AUTO_TEST_CASE(operations_run_strictly_in_order) {
    harness h;
    h.open(conn1, sid);
    auto& a = h.accept(sid, {select_cmd});
    auto& b = h.accept(sid, {cplc_cmd});
    h.drain();
    BOOST_REQUIRE(a.called && b.called);
    auto cmds = h.commands_frames(conn1);
    BOOST_REQUIRE_EQUAL(cmds.size(), 1u);
    BOOST_TEST(cmds[0].at("operationId").as_string() == a.operation_id);

    // First answered: its result is written; the second waits for that write.
    h.store.hold = true;
    h.svc.on_responses(conn1, sid, 1, {"\x90\x00"s});
    h.drain();
    BOOST_TEST(h.commands_frames(conn1).size() == 1u);
    BOOST_TEST(h.store.held() == 1u);
    h.store.hold = false;
    h.store.release();
    h.drain();
    cmds = h.commands_frames(conn1);
    BOOST_REQUIRE_EQUAL(cmds.size(), 2u);
    BOOST_TEST(cmds[1].at("operationId").as_string() == b.operation_id);
    BOOST_TEST(cmds[1].at("batch").as_int64() == 2);
    BOOST_TEST(cmds[1].at("commands").as_array().at(0).as_string() == "80CA9F7F00");
}

BOOST_AUTO_TEST_CASE(result_commit_holds_operation_outbox_entry_and_session_together) {
    harness h;
    h.open(conn1, sid);
    auto& a = h.accept(sid, {select_cmd, cplc_cmd}, cb_prefix + "result");
    h.drain();
    const auto before = h.store.commits.size();
    h.svc.on_responses(conn1, sid, 1, {"\x6f\x10\x90\x00"s, "\x6a\x82"s});
    h.drain();
    BOOST_REQUIRE_EQUAL(h.store.commits.size(), before + 1);
    const auto& c = h.store.commits.back();
    BOOST_TEST(c.d == core::durability::sync);
    BOOST_REQUIRE_EQUAL(c.w.put_operations.size(), 1u);
    BOOST_REQUIRE_EQUAL(c.w.put_outbox.size(), 1u);
    BOOST_REQUIRE_EQUAL(c.w.put_sessions.size(), 1u);
    const auto& op = c.w.put_operations[0];
    BOOST_TEST(op.operation_id == a.operation_id);
    BOOST_TEST(op.state == core::operation_state::done);
    const auto result = parse(op.result_json);
    BOOST_TEST(result.at("operationId").as_string() == a.operation_id);
    BOOST_TEST(result.at("statusCode").as_int64() == 200);
    BOOST_TEST(result.at("responses").as_array().at(0).as_string() == "6F109000");
    BOOST_TEST(result.at("responses").as_array().at(1).as_string() == "6A82");
    const auto& e = c.w.put_outbox[0];
    BOOST_TEST(e.id == a.operation_id);
    BOOST_TEST(e.url == cb_prefix + "result");
    BOOST_TEST(e.body == op.result_json);
    BOOST_TEST(c.w.put_sessions[0].last_batch == 1u);

    // After the write the relay posts the callback.
    const auto cbs = h.callbacks();
    BOOST_REQUIRE_EQUAL(cbs.size(), 1u);
    BOOST_TEST(cbs[0] == result);
    BOOST_TEST(h.sp.calls.back().url == cb_prefix + "result");
    BOOST_TEST(h.probe.operations_succeeded.load() == 1u);
}

BOOST_AUTO_TEST_CASE(stale_and_duplicate_batch_numbers_are_ignored) {
    harness h;
    h.open(conn1, sid);
    h.accept(sid, {select_cmd});
    h.accept(sid, {cplc_cmd});
    h.drain();
    const auto before = h.store.commits.size();
    const auto frames_before = h.tp.frames(conn1).size();
    h.svc.on_responses(conn1, sid, 7, {"\x90\x00"s}); // never sent
    h.svc.on_responses(conn1, sid, 2, {"\x90\x00"s}); // the next one, not sent yet
    h.drain();
    BOOST_TEST(h.store.commits.size() == before);
    BOOST_TEST(h.tp.frames(conn1).size() == frames_before);

    h.svc.on_responses(conn1, sid, 1, {"\x90\x00"s});
    h.drain();
    BOOST_TEST(h.store.commits.size() == before + 1);
    const auto after_first = h.store.commits.size();
    h.svc.on_responses(conn1, sid, 1, {"\x90\x00"s}); // duplicate of an answered batch
    h.drain();
    BOOST_TEST(h.store.commits.size() == after_first);
    BOOST_TEST(h.commands_frames(conn1).size() == 2u);
    BOOST_TEST(h.callbacks().size() == 1u);
}

BOOST_AUTO_TEST_CASE(answers_from_another_connection_are_ignored) {
    harness h;
    h.open(conn1, sid);
    h.accept(sid, {select_cmd});
    h.drain();
    const auto before = h.store.commits.size();
    h.svc.on_responses(conn2, sid, 1, {"\x90\x00"s});
    h.drain();
    BOOST_TEST(h.store.commits.size() == before);
}

BOOST_AUTO_TEST_CASE(invalid_answer_sends_error_and_keeps_the_batch_outstanding) {
    harness h;
    h.open(conn1, sid);
    h.accept(sid, {select_cmd});
    h.drain();
    const auto before = h.store.commits.size();
    h.svc.on_responses(conn1, sid, 1, {"\x90\x00"s, "\x90\x00"s}); // more answers than commands
    h.svc.on_responses(conn1, sid, 1, {"\x90"s});                  // shorter than a status word
    h.drain();
    const auto errors = h.tp.frames_of_type(conn1, "error");
    BOOST_REQUIRE_EQUAL(errors.size(), 2u);
    BOOST_TEST(parse(errors[0]).at("code").as_string() == "bad-request");
    BOOST_TEST(h.store.commits.size() == before);
    // Still outstanding: a valid answer to the same number is taken.
    h.svc.on_responses(conn1, sid, 1, {"\x90\x00"s});
    h.drain();
    BOOST_TEST(h.store.commits.size() == before + 1);
    BOOST_TEST(h.callbacks().size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
