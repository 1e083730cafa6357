// Session service: start_delivery, the delivery request and describe.
// The harness and the shared constants are in session_harness.hpp.
#include "session_harness.hpp"

#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>

using namespace session_harness;

BOOST_AUTO_TEST_SUITE(session_service)

// ---------------------------------------------------------------- delivery

BOOST_AUTO_TEST_CASE(deliver_persists_session_then_sends_token_and_delivery_request) {
    harness h;
    std::optional<bool> bound;
    h.store.hold = true;
    h.svc.start_delivery(conn1, sid, h.request(), [&](bool b) { bound = b; });

    // The description is fetched first.
    BOOST_REQUIRE_EQUAL(h.sp.calls.size(), 1u);
    BOOST_TEST(h.sp.calls[0].method == "GET");
    BOOST_TEST(h.sp.calls[0].url == description_url + "/svc-1");
    h.sp.answer(0, 200, description);
    h.drain();

    // The session record is being written; nothing is told before it is durable.
    BOOST_REQUIRE_EQUAL(h.store.commits.size(), 1u);
    const auto& w = h.store.commits[0].w;
    BOOST_REQUIRE_EQUAL(w.put_sessions.size(), 1u);
    BOOST_TEST(h.store.commits[0].d == core::durability::sync);
    BOOST_TEST(w.put_sessions[0].session_id == sid);
    BOOST_TEST(w.put_sessions[0].state == core::session_state::delivering);
    BOOST_TEST(w.put_sessions[0].description_json == description);
    BOOST_TEST(w.put_sessions[0].card_cin == "0E48800471400A");
    BOOST_TEST(!bound.has_value());
    BOOST_TEST(h.tp.frames(conn1).empty());
    BOOST_TEST(h.sp.calls.size() == 1u);

    h.store.hold = false;
    h.store.release();
    h.drain();

    BOOST_REQUIRE(bound.has_value());
    BOOST_TEST(*bound);
    BOOST_REQUIRE(h.store.sessions.count(sid) == 1u);
    const auto frames = h.tp.frames(conn1);
    BOOST_REQUIRE_EQUAL(frames.size(), 1u);
    const auto f = parse(frames[0]);
    BOOST_TEST(f.at("type").as_string() == "session");
    BOOST_TEST(f.at("sessionId").as_string() == sid);
    const std::string token(f.at("resumeToken").as_string());
    BOOST_TEST(token.size() >= 64u);
    BOOST_TEST(core::is_hex(token));
    // Only a digest of the token is stored.
    BOOST_TEST(h.store.sessions[sid].resume_token_hash.find(token) == std::string::npos);
    BOOST_TEST(h.hasher.verify(resume_context, token, h.store.sessions[sid].resume_token_hash));

    // Then the delivery request goes to the app's delivery URL with its method.
    BOOST_REQUIRE_EQUAL(h.sp.calls.size(), 2u);
    BOOST_TEST(h.sp.calls[1].method == "POST");
    BOOST_TEST(h.sp.calls[1].url == delivery_url);
    const auto body = parse(h.sp.calls[1].body);
    BOOST_TEST(body.at("sessionId").as_string() == sid);
    BOOST_TEST(body.at("serviceId").as_string() == "svc-1");
    BOOST_TEST(body.at("description").as_object() == parse(description));
    const auto& card = body.at("cardId").as_object();
    BOOST_TEST(card.at("iin").as_string() == "8A2C10");
    BOOST_TEST(card.at("cin").as_string() == "0E48800471400A");
    BOOST_TEST(card.at("platformVersion").as_int64() == 2);
    BOOST_TEST(body.at("fields").as_object().at("pin").as_string() == "1234");
    BOOST_TEST(h.svc.session_count() == 1u);
}

BOOST_AUTO_TEST_CASE(delivery_accepted_makes_the_session_active_with_a_relaxed_write) {
    harness h;
    h.deliver(conn1, sid);
    const auto before = h.store.commits.size();
    h.sp.answer(h.sp.open_calls(delivery_url).at(0), 204);
    h.drain();
    BOOST_REQUIRE_EQUAL(h.store.commits.size(), before + 1);
    BOOST_TEST(h.store.commits.back().d == core::durability::relaxed);
    BOOST_TEST(h.store.sessions[sid].state == core::session_state::active);
    BOOST_TEST(h.probe.sessions_active.load() == 1);
    BOOST_TEST(h.probe.sessions_delivering.load() == 0);
}

BOOST_AUTO_TEST_CASE(unknown_service_sends_not_found_and_stores_nothing) {
    harness h;
    std::optional<bool> bound;
    h.svc.start_delivery(conn1, sid, h.request(), [&](bool b) { bound = b; });
    h.sp.answer(0, 404);
    h.drain();
    BOOST_REQUIRE(bound.has_value());
    BOOST_TEST(!*bound);
    BOOST_TEST(h.store.commits.empty());
    BOOST_TEST(h.store.sessions.empty());
    BOOST_TEST(h.svc.session_count() == 0u);
    BOOST_REQUIRE_EQUAL(h.tp.frames(conn1).size(), 1u);
    const auto e = parse(h.tp.frames(conn1)[0]);
    BOOST_TEST(e.at("type").as_string() == "error");
    BOOST_TEST(e.at("code").as_string() == "not-found");
    BOOST_TEST(h.sp.calls.size() == 1u); // no delivery request
}

BOOST_AUTO_TEST_CASE(description_that_is_not_an_object_sends_unavailable) {
    for (auto [status, body] :
         {std::pair{200, std::string("[1]")}, std::pair{500, description}, std::pair{0, std::string()}}) {
        harness h;
        std::optional<bool> bound;
        h.svc.start_delivery(conn1, sid, h.request(), [&](bool b) { bound = b; });
        h.sp.answer(0, status, body);
        h.drain();
        BOOST_REQUIRE(bound.has_value());
        BOOST_TEST(!*bound);
        BOOST_TEST(h.store.commits.empty());
        BOOST_TEST(parse(h.tp.frames(conn1).at(0)).at("code").as_string() == "unavailable");
    }
}

BOOST_AUTO_TEST_CASE(unknown_app_is_refused_without_calling_the_sp) {
    harness h;
    auto req = h.request();
    req.app_id = "FFFFFFFF";
    std::optional<bool> bound;
    h.svc.start_delivery(conn1, sid, req, [&](bool b) { bound = b; });
    BOOST_REQUIRE(bound.has_value());
    BOOST_TEST(!*bound);
    BOOST_TEST(h.sp.calls.empty());
    BOOST_TEST(parse(h.tp.frames(conn1).at(0)).at("code").as_string() == "not-found");
}

BOOST_AUTO_TEST_CASE(store_failure_on_deliver_sends_unavailable_and_forgets_the_session) {
    harness h;
    std::optional<bool> bound;
    h.store.fail_next_commit();
    h.svc.start_delivery(conn1, sid, h.request(), [&](bool b) { bound = b; });
    h.sp.answer(0, 200, description);
    h.drain();
    BOOST_REQUIRE(bound.has_value());
    BOOST_TEST(!*bound);
    BOOST_TEST(h.svc.session_count() == 0u);
    BOOST_TEST(h.tp.frames_of_type(conn1, "session").empty());
    BOOST_TEST(parse(h.tp.frames(conn1).at(0)).at("code").as_string() == "unavailable");
    BOOST_TEST(h.sp.calls.size() == 1u);
}

BOOST_AUTO_TEST_CASE(refused_delivery_fails_the_session_with_status_failed_and_close) {
    harness h;
    h.deliver(conn1, sid);
    h.sp.answer(h.sp.open_calls(delivery_url).at(0), 500);
    h.drain();
    BOOST_TEST(h.store.sessions[sid].state == core::session_state::failed);
    const auto status = h.tp.frames_of_type(conn1, "status");
    BOOST_REQUIRE_EQUAL(status.size(), 1u);
    const auto f = parse(status[0]);
    BOOST_TEST(f.at("code").as_string() == "FAILED");
    BOOST_TEST(f.at("success").as_bool() == false);
    BOOST_REQUIRE_EQUAL(h.tp.closes(conn1).size(), 1u);
    BOOST_TEST(h.tp.closes(conn1)[0].code == 1000);
    BOOST_TEST(h.probe.sessions_failed.load() == 1u);
}

BOOST_AUTO_TEST_CASE(describe_relays_the_description) {
    harness h;
    h.svc.describe(conn1, std::string(app_id), "svc-1");
    BOOST_REQUIRE_EQUAL(h.sp.calls.size(), 1u);
    BOOST_TEST(h.sp.calls[0].url == description_url + "/svc-1");
    h.sp.answer(0, 200, description);
    const auto f = parse(h.tp.frames(conn1).at(0));
    BOOST_TEST(f.at("type").as_string() == "description");
    BOOST_TEST(f.at("description").as_object() == parse(description));
    h.svc.describe(conn2, std::string(app_id), "svc-2");
    h.sp.answer(1, 404);
    BOOST_TEST(parse(h.tp.frames(conn2).at(0)).at("code").as_string() == "not-found");
    BOOST_TEST(h.store.commits.empty());
}

BOOST_AUTO_TEST_SUITE_END()
