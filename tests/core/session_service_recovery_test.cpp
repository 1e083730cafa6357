// Session service: sessions and operations adopted from the store after a restart.
// The harness and the shared constants are in session_harness.hpp.
#include "session_harness.hpp"

#include "tsm/core/sealed_payload.hpp"

#include "tsm/core/ids.hpp"
#include "tsm/core/transceive_operation.hpp"

#include <boost/test/unit_test.hpp>

using namespace session_harness;

BOOST_AUTO_TEST_SUITE(session_service)

// ---------------------------------------------------------------- recovery

BOOST_AUTO_TEST_CASE(adopted_session_resends_its_first_batch_after_resume_with_continued_numbers) {
    harness h;
    const std::string token = core::random_token_hex(32);
    core::session_record rec;
    rec.session_id = sid;
    rec.app_id = app_id;
    rec.service_id = "svc-1";
    rec.resume_token_hash = h.hasher.digest(resume_context, token);
    rec.state = core::session_state::active;
    rec.last_batch = 41;
    rec.next_operation_seq = 2;
    std::vector<core::operation_record> ops;
    for (int i = 0; i < 2; ++i) {
        core::operation_record o;
        o.operation_id = core::new_uuid();
        o.session_id = sid;
        o.app_id = app_id;
        o.kind = "transceive";
        o.callback_url = cb_prefix + std::to_string(i);
        o.seq = static_cast<std::uint64_t>(i);
        o.state = i == 0 ? core::operation_state::running : core::operation_state::queued;
        o.payload = core::transceive_operation::encode_payload({i == 0 ? select_cmd : cplc_cmd});
        ops.push_back(o);
    }
    const std::string first_id = ops[0].operation_id;
    const std::string second_id = ops[1].operation_id;
    h.svc.adopt(rec, ops);
    h.drain();
    BOOST_TEST(h.svc.session_count() == 1u);
    BOOST_TEST(h.sp.calls.empty()); // active: no new delivery request

    std::optional<bool> bound;
    h.svc.resume(conn2, sid, token, [&](bool b) { bound = b; });
    BOOST_REQUIRE(bound.value_or(false));
    auto cmds = h.commands_frames(conn2);
    BOOST_REQUIRE_EQUAL(cmds.size(), 1u);
    BOOST_TEST(cmds[0].at("batch").as_int64() == 42);
    BOOST_TEST(cmds[0].at("operationId").as_string() == first_id);

    h.svc.on_responses(conn2, sid, 42, {"\x90\x00"s});
    h.drain();
    cmds = h.commands_frames(conn2);
    BOOST_REQUIRE_EQUAL(cmds.size(), 2u);
    BOOST_TEST(cmds[1].at("batch").as_int64() == 43);
    BOOST_TEST(cmds[1].at("operationId").as_string() == second_id);
    BOOST_TEST(h.store.sessions[sid].last_batch == 42u);
    BOOST_TEST(h.callbacks().size() == 1u);
    BOOST_TEST(h.callbacks()[0].at("operationId").as_string() == first_id);
}

BOOST_AUTO_TEST_CASE(accepted_delivery_drops_the_description_from_the_session_record) {
    harness h;
    h.deliver(conn1, sid);
    BOOST_REQUIRE(h.store.sessions.count(sid) == 1u);
    BOOST_TEST(!h.store.sessions[sid].description_json.empty()); // kept to repeat the request
    auto posts = h.sp.open_calls(delivery_url);
    BOOST_REQUIRE_EQUAL(posts.size(), 1u);
    h.sp.answer(posts[0], 200);
    h.drain();
    BOOST_TEST(h.store.sessions[sid].state == core::session_state::active);
    BOOST_TEST(h.store.sessions[sid].description_json.empty());
    BOOST_TEST(h.store.sessions[sid].fields_json.empty());
}

BOOST_AUTO_TEST_CASE(adopted_operations_keep_their_place_when_the_stored_seq_lags) {
    // accept() writes only the operation, so the session's next_operation_seq on disk may lag
    // behind the live operations; new operations must still queue after the recovered ones.
    harness h;
    core::session_record rec;
    rec.session_id = sid;
    rec.app_id = app_id;
    rec.service_id = "svc-1";
    rec.state = core::session_state::active;
    rec.next_operation_seq = 0; // stale
    core::operation_record o;
    o.operation_id = core::new_uuid();
    o.session_id = sid;
    o.app_id = app_id;
    o.kind = "transceive";
    o.callback_url = cb_prefix + "old";
    o.seq = 7;
    o.payload = core::transceive_operation::encode_payload({select_cmd});
    h.svc.adopt(rec, {o});
    h.drain();
    auto& r = h.accept(sid, {cplc_cmd}, cb_prefix + "new");
    h.drain();
    BOOST_REQUIRE(r.called);
    BOOST_TEST(!r.error.has_value());
    BOOST_REQUIRE(h.store.operations.count(r.operation_id) == 1u);
    BOOST_TEST(h.store.operations[r.operation_id].seq == 8u);
}

BOOST_AUTO_TEST_CASE(adopted_delivering_session_sends_the_delivery_request_again) {
    harness h;
    core::session_record rec;
    rec.session_id = sid;
    rec.app_id = app_id;
    rec.service_id = "svc-1";
    rec.state = core::session_state::delivering;
    rec.description_json = description;
    h.svc.adopt(rec, {});
    const auto posts = h.sp.open_calls(delivery_url);
    BOOST_REQUIRE_EQUAL(posts.size(), 1u);
    BOOST_TEST(parse(h.sp.calls[posts[0]].body).at("sessionId").as_string() == sid);
}

BOOST_AUTO_TEST_CASE(adopted_delivering_session_whose_fields_do_not_open_fails_without_a_delivery_request) {
    // Fields sealed under another key-encryption key (or damaged): the SP must not get a delivery
    // request without the user's answers.
    harness h;
    core::key_vault other{core::bytes(core::key_vault::kek_size, '\x33')};
    core::session_record rec;
    rec.session_id = sid;
    rec.app_id = app_id;
    rec.service_id = "svc-1";
    rec.state = core::session_state::delivering;
    rec.description_json = description;
    rec.sealed_fields = other.seal(R"({"pin":"1234"})", core::session_fields_context(sid));
    h.svc.adopt(rec, {});
    h.drain();
    BOOST_TEST(h.sp.open_calls(delivery_url).empty());
    BOOST_REQUIRE(h.store.sessions.count(sid) == 1u);
    BOOST_TEST(static_cast<int>(h.store.sessions[sid].state) == static_cast<int>(core::session_state::failed));
}

BOOST_AUTO_TEST_CASE(adopted_operation_that_cannot_be_rebuilt_fails_with_internal_error) {
    harness h;
    core::session_record rec;
    rec.session_id = sid;
    rec.app_id = app_id;
    rec.state = core::session_state::active;
    core::operation_record o;
    o.operation_id = core::new_uuid();
    o.session_id = sid;
    o.kind = "no-such-kind";
    o.callback_url = cb_prefix + "bad";
    h.svc.adopt(rec, {o});
    h.drain();
    const auto cbs = h.callbacks();
    BOOST_REQUIRE_EQUAL(cbs.size(), 1u);
    BOOST_TEST(cbs[0].at("statusCode").as_int64() == 500);
    BOOST_TEST(error_code_of(cbs[0]) == "internal-error");
}

BOOST_AUTO_TEST_SUITE_END()
