// Session service: resuming a session on another connection.
// The harness and the shared constants are in session_harness.hpp.
#include "session_harness.hpp"

#include <boost/test/unit_test.hpp>

using namespace session_harness;

BOOST_AUTO_TEST_SUITE(session_service)

// ---------------------------------------------------------------- resume

BOOST_AUTO_TEST_CASE(resume_with_a_wrong_token_is_refused) {
    harness h;
    const std::string token = h.open(conn1, sid);
    h.accept(sid, {select_cmd});
    h.drain();
    std::string wrong = token;
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    std::optional<bool> bound;
    h.svc.resume(conn2, sid, wrong, [&](bool b) { bound = b; });
    BOOST_REQUIRE(bound.has_value());
    BOOST_TEST(!*bound);
    BOOST_REQUIRE_EQUAL(h.tp.frames(conn2).size(), 1u);
    const auto e = parse(h.tp.frames(conn2)[0]);
    BOOST_TEST(e.at("type").as_string() == "error");
    BOOST_TEST(e.at("code").as_string() == "not-found");
    BOOST_TEST(h.tp.closes(conn1).empty()); // the bound connection is untouched
    bound.reset();
    h.svc.resume(conn2, "00000000-0000-4000-8000-000000000000", token, [&](bool b) { bound = b; });
    BOOST_TEST(!bound.value());
}

BOOST_AUTO_TEST_CASE(resume_with_the_right_token_resends_the_same_batch_number) {
    harness h;
    const std::string token = h.open(conn1, sid);
    h.accept(sid, {select_cmd});
    h.drain();
    BOOST_REQUIRE_EQUAL(h.commands_frames(conn1).size(), 1u);
    std::optional<bool> bound;
    h.svc.resume(conn2, sid, token, [&](bool b) { bound = b; });
    BOOST_REQUIRE(bound.has_value());
    BOOST_TEST(*bound);
    // The old connection is closed, the new one gets `resumed` then the same batch.
    BOOST_REQUIRE_EQUAL(h.tp.closes(conn1).size(), 1u);
    BOOST_TEST(h.tp.closes(conn1)[0].code == 4001);
    const auto frames = h.tp.frames(conn2);
    BOOST_REQUIRE_EQUAL(frames.size(), 2u);
    BOOST_TEST(parse(frames[0]).at("type").as_string() == "resumed");
    const auto again = parse(frames[1]);
    BOOST_TEST(again.at("type").as_string() == "commands");
    BOOST_TEST(again.at("batch").as_int64() == 1);
    BOOST_TEST(again.at("operationId") == h.commands_frames(conn1)[0].at("operationId"));
    // Answers now count only from the new connection.
    const auto before = h.store.commits.size();
    h.svc.on_responses(conn1, sid, 1, {"\x90\x00"s});
    h.drain();
    BOOST_TEST(h.store.commits.size() == before);
    h.svc.on_responses(conn2, sid, 1, {"\x90\x00"s});
    h.drain();
    BOOST_TEST(h.store.commits.size() == before + 1);
}

BOOST_AUTO_TEST_CASE(disconnected_session_sends_its_batch_after_resume) {
    harness h;
    const std::string token = h.open(conn1, sid);
    h.svc.on_disconnect(conn1, sid);
    h.accept(sid, {select_cmd});
    h.drain();
    BOOST_TEST(h.commands_frames(conn1).empty());
    h.svc.resume(conn2, sid, token, [](bool) {});
    BOOST_REQUIRE_EQUAL(h.commands_frames(conn2).size(), 1u);
    BOOST_TEST(h.commands_frames(conn2)[0].at("batch").as_int64() == 1);
    BOOST_TEST(h.tp.closes(conn1).empty()); // nothing to close: it was gone
}

BOOST_AUTO_TEST_CASE(resume_on_a_terminal_session_sends_the_final_status_and_closes) {
    harness h;
    const std::string token = h.open(conn1, sid);
    auto& d = h.complete(sid, true, R"({"en":"Done"})");
    h.drain();
    BOOST_REQUIRE(d.called);
    std::optional<bool> bound;
    h.svc.resume(conn2, sid, token, [&](bool b) { bound = b; });
    BOOST_REQUIRE(bound.has_value());
    BOOST_TEST(!*bound);
    BOOST_REQUIRE_EQUAL(h.tp.frames(conn2).size(), 1u);
    const auto f = parse(h.tp.frames(conn2)[0]);
    BOOST_TEST(f.at("type").as_string() == "status");
    BOOST_TEST(f.at("code").as_string() == "OK");
    BOOST_TEST(f.at("message").as_object().at("en").as_string() == "Done");
    BOOST_REQUIRE_EQUAL(h.tp.closes(conn2).size(), 1u);
    BOOST_TEST(h.tp.closes(conn2)[0].code == 1000);
}

BOOST_AUTO_TEST_SUITE_END()
