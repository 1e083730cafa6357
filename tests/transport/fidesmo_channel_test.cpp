// The long-poll channel's logic (transport/touch_point/src/fidesmo/channel.hpp) without sockets:
// responders that record, an io_context for the hold timer, hooks that record the route and
// engine calls in order.
#include "fidesmo/bodies.hpp"
#include "fidesmo/channel.hpp"
#include "fidesmo/requirements.hpp"

#include "tsm/core/touch_point_frames.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace tsm;
using namespace tsm::transport::touch_point::fidesmo;
using tsm::transport::http_response;

namespace {

struct recorder {
    std::vector<std::string> events; ///< "route+ X", "route- X", "hand N k", "reply S body"
    std::vector<std::pair<std::uint64_t, std::vector<core::bytes>>> handed;
    std::atomic<std::int64_t> held{0};
};

struct reply_slot {
    std::optional<http_response> res;
};

/// A responder that records into `slot` and the event log.
tsm::transport::http_responder responder(recorder& r, std::shared_ptr<reply_slot> slot) {
    return [&r, slot](http_response res) {
        r.events.push_back("reply " + std::to_string(res.status) + " " + res.body);
        slot->res = std::move(res);
    };
}

struct fixture {
    boost::asio::io_context ioc;
    recorder rec;
    std::unique_ptr<channel> ch;
    std::function<void(std::uint64_t, std::vector<core::bytes>)>
        engine; ///< what the engine does with answers

    explicit fixture(std::chrono::milliseconds hold = std::chrono::milliseconds(50)) {
        channel_hooks h;
        h.add_route = [this](const std::string& op) { rec.events.push_back("route+ " + op); };
        h.remove_route = [this](const std::string& op) { rec.events.push_back("route- " + op); };
        h.hand_responses = [this](std::uint64_t n, std::vector<core::bytes> r) {
            rec.events.push_back("hand " + std::to_string(n) + " " + std::to_string(r.size()));
            rec.handed.emplace_back(n, r);
            if (engine) {
                engine(n, std::move(r));
            }
        };
        h.held_fetches = &rec.held;
        ch = std::make_unique<channel>("sid", core::connection_ref{0, 1, 1, true}, ioc.get_executor(), hold,
                                       std::move(h));
    }

    std::shared_ptr<reply_slot> fetch() {
        auto s = std::make_shared<reply_slot>();
        ch->fetch(responder(rec, s));
        return s;
    }
    std::shared_ptr<reply_slot> connector(const std::string& op, std::vector<std::string> hex) {
        std::vector<core::bytes> r;
        for (const auto& h : hex) {
            r.push_back(*core::from_hex(h));
        }
        auto s = std::make_shared<reply_slot>();
        ch->connector(op, std::move(r), responder(rec, s));
        return s;
    }
    static core::apdu_batch batch(std::vector<std::string> hex) {
        core::apdu_batch b;
        for (const auto& h : hex) {
            b.commands.push_back(*core::from_hex(h));
        }
        return b;
    }
};

const std::string op_a = "11111111-1111-7111-8111-111111111111";
const std::string op_b = "22222222-2222-7222-8222-222222222222";

} // namespace

BOOST_AUTO_TEST_SUITE(fidesmo_channel)

BOOST_AUTO_TEST_CASE(a_held_fetch_is_answered_by_the_next_operation_after_its_route_exists) {
    fixture f;
    auto r = f.fetch();
    BOOST_CHECK(!r->res);
    BOOST_CHECK_EQUAL(f.rec.held.load(), 1);
    f.ch->on_commands(7, op_a, fixture::batch({"00A4040000"}));
    BOOST_REQUIRE(r->res);
    BOOST_CHECK_EQUAL(r->res->status, 200);
    BOOST_CHECK_EQUAL(r->res->body,
                      R"({"completed":false,"operationId":")" + op_a + R"(","operationType":"transceive"})");
    BOOST_REQUIRE_EQUAL(f.rec.events.size(), 2u);
    BOOST_CHECK_EQUAL(f.rec.events[0], "route+ " + op_a); // before the reply
    BOOST_CHECK_EQUAL(f.rec.held.load(), 0);
}

BOOST_AUTO_TEST_CASE(nothing_within_the_hold_is_503_never_204) {
    fixture f(std::chrono::milliseconds(20));
    auto r = f.fetch();
    f.ioc.run_for(std::chrono::seconds(2));
    BOOST_REQUIRE(r->res);
    BOOST_CHECK_EQUAL(r->res->status, 503);
    BOOST_CHECK(r->res->body.find("\"error\"") != std::string::npos);
    BOOST_CHECK_EQUAL(f.rec.held.load(), 0);
    BOOST_CHECK(!f.ch->holding());
}

BOOST_AUTO_TEST_CASE(a_second_fetch_supersedes_the_held_one) {
    fixture f(std::chrono::seconds(30));
    auto first = f.fetch();
    auto second = f.fetch();
    BOOST_REQUIRE(first->res);
    BOOST_CHECK_EQUAL(first->res->status, 503);
    BOOST_CHECK(!second->res);
    BOOST_CHECK_EQUAL(f.rec.held.load(), 1);
    f.ch->on_commands(1, op_a, fixture::batch({"00A4040000"}));
    BOOST_REQUIRE(second->res);
    BOOST_CHECK_EQUAL(second->res->status, 200);
    BOOST_CHECK_EQUAL(f.rec.held.load(), 0);
    // The superseded fetch's timer does not answer anything later.
    f.ioc.run_for(std::chrono::milliseconds(50));
}

BOOST_AUTO_TEST_CASE(the_connector_hands_each_batch_once_and_ends_with_empty_commands) {
    fixture f;
    // The engine answers the first batch with a second one, the second with "done".
    f.engine = [&f](std::uint64_t n, std::vector<core::bytes>) {
        if (n == 3) {
            f.ch->on_commands(4, op_a, fixture::batch({"80CA9F7F00", "80CA004500"}));
        } else {
            f.ch->on_operation_done(op_a);
        }
    };
    f.ch->on_commands(3, op_a, fixture::batch({"00A4040000"}));
    auto step = f.fetch();
    BOOST_REQUIRE(step->res);
    auto c1 = f.connector(op_a, {});
    BOOST_REQUIRE(c1->res);
    BOOST_CHECK_EQUAL(c1->res->body, R"({"commands":["00A4040000"]})");
    BOOST_CHECK_EQUAL(f.connector(op_a, {})->res->body, c1->res->body); // idempotent
    auto c2 = f.connector(op_a, {"6F009000"});
    BOOST_REQUIRE(c2->res);
    BOOST_CHECK_EQUAL(c2->res->body, R"({"commands":["80CA9F7F00","80CA004500"]})");
    auto c3 = f.connector(op_a, {"9F7F9000", "6A88"});
    BOOST_REQUIRE(c3->res);
    BOOST_CHECK_EQUAL(c3->res->body, R"({"commands":[]})");
    // The same answers again: the current answer, not a second hand-over.
    auto c4 = f.connector(op_a, {"9F7F9000", "6A88"});
    BOOST_REQUIRE(c4->res);
    BOOST_CHECK_EQUAL(c4->res->body, R"({"commands":[]})");
    BOOST_REQUIRE_EQUAL(f.rec.handed.size(), 2u);
    BOOST_CHECK_EQUAL(f.rec.handed[0].first, 3u);
    BOOST_CHECK_EQUAL(f.rec.handed[1].first, 4u);
    BOOST_CHECK_EQUAL(f.rec.handed[1].second.size(), 2u);
}

BOOST_AUTO_TEST_CASE(answers_while_the_engine_works_are_held_until_its_next_step) {
    fixture f;
    f.ch->on_commands(1, op_a, fixture::batch({"00A4040000"}));
    f.fetch();
    auto c = f.connector(op_a, {"9000"}); // the engine (no hook action) has not answered yet
    BOOST_CHECK(!c->res);
    BOOST_CHECK(f.ch->holding());
    f.ch->on_commands(2, op_a, fixture::batch({"80CA004500"}));
    BOOST_REQUIRE(c->res);
    BOOST_CHECK_EQUAL(c->res->body, R"({"commands":["80CA004500"]})");
}

BOOST_AUTO_TEST_CASE(a_connector_the_engine_never_answers_is_bounded_by_the_hold) {
    fixture f(std::chrono::milliseconds(20));
    f.ch->on_commands(1, op_a, fixture::batch({"00A4040000"}));
    f.fetch();
    auto c = f.connector(op_a, {"9000"}); // handed over; the engine stays silent
    BOOST_CHECK(!c->res);
    f.ioc.run_for(std::chrono::seconds(2));
    BOOST_REQUIRE(c->res);
    // Not a "retry later" error (fatal for the client on connector/json): back to fetch.
    BOOST_CHECK_EQUAL(c->res->status, 200);
    BOOST_CHECK_EQUAL(c->res->body, R"({"commands":[]})");
    // The fetch names the operation again; the engine has the answers, so they are not taken twice
    // and the connector waits for the engine's next batch.
    auto step = f.fetch();
    BOOST_REQUIRE(step->res);
    BOOST_CHECK(step->res->body.find(op_a) != std::string::npos);
    auto again = f.connector(op_a, {});
    BOOST_CHECK(!again->res);
    f.ch->on_commands(2, op_a, fixture::batch({"80CA004500"}));
    BOOST_REQUIRE(again->res);
    BOOST_CHECK_EQUAL(again->res->body, R"({"commands":["80CA004500"]})");
    BOOST_CHECK_EQUAL(f.rec.handed.size(), 1u);
}

BOOST_AUTO_TEST_CASE(shutdown_sends_a_held_connector_back_to_fetch_and_leaves_the_deliver_to_the_engine) {
    fixture f(std::chrono::seconds(30));
    auto deliver = std::make_shared<reply_slot>();
    f.ch->expect_session(responder(f.rec, deliver));
    f.ch->on_commands(1, op_a, fixture::batch({"00A4040000"}));
    auto step = f.fetch();
    BOOST_REQUIRE(step->res);
    auto c = f.connector(op_a, {"9000"});
    auto held = f.fetch();
    BOOST_CHECK(!c->res);
    f.ch->release_held();
    BOOST_REQUIRE(c->res);
    BOOST_CHECK_EQUAL(c->res->status, 200);
    BOOST_CHECK_EQUAL(c->res->body, R"({"commands":[]})");
    // The held fetch: named the operation at once (its batch is still the engine's to answer).
    BOOST_REQUIRE(held->res);
    // The deliver is not answered 503 (the session would be stored all the same): the engine
    // answers it once stored.
    BOOST_CHECK(!deliver->res);
    f.ch->on_session();
    BOOST_REQUIRE(deliver->res);
    BOOST_CHECK_EQUAL(deliver->res->status, 200);
    BOOST_CHECK(deliver->res->body.find("\"sessionId\":\"sid\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_unavailable_engine_sends_the_connector_back_to_fetch) {
    fixture f;
    f.engine = [&f](std::uint64_t, std::vector<core::bytes>) {
        f.ch->on_error(core::make_api_error(core::api_errc::unavailable, "store busy"));
    };
    f.ch->on_commands(1, op_a, fixture::batch({"00A4040000"}));
    f.fetch();
    auto c = f.connector(op_a, {"9000"});
    BOOST_REQUIRE(c->res);
    BOOST_CHECK_EQUAL(c->res->status, 200);
    BOOST_CHECK_EQUAL(c->res->body, R"({"commands":[]})");
    // The batch stands: the fetch names it, the connector hands it out, the answers are taken.
    auto step = f.fetch();
    BOOST_REQUIRE(step->res);
    BOOST_CHECK(step->res->body.find(op_a) != std::string::npos);
    BOOST_CHECK_EQUAL(f.connector(op_a, {})->res->body, R"({"commands":["00A4040000"]})");
    f.engine = [&f](std::uint64_t, std::vector<core::bytes>) { f.ch->on_operation_done(op_a); };
    BOOST_CHECK_EQUAL(f.connector(op_a, {"9000"})->res->body, R"({"commands":[]})");
    BOOST_CHECK_EQUAL(f.rec.handed.size(), 2u);
}

BOOST_AUTO_TEST_CASE(closing_answers_what_is_held) {
    fixture f(std::chrono::seconds(30));
    auto fetch = f.fetch();
    f.ch->on_closed();
    BOOST_REQUIRE(fetch->res);
    BOOST_CHECK_EQUAL(fetch->res->status, 503);
    BOOST_CHECK(f.ch->done()); // closed and owing no end: the table may drop it

    fixture g(std::chrono::seconds(30));
    g.ch->on_commands(1, op_a, fixture::batch({"00A4040000"}));
    g.fetch();
    auto c = g.connector(op_a, {"9000"});
    g.ch->on_operation_done(op_a);
    BOOST_REQUIRE(c->res);
    auto late = g.fetch();
    g.ch->on_final_status(core::frames::status(true, "\"ok\""));
    g.ch->on_closed();
    BOOST_REQUIRE(late->res);
    BOOST_CHECK(late->res->body.find("\"completed\":true") != std::string::npos);
    BOOST_CHECK(g.ch->done());

    // Closed mid-operation (the session went to another channel): the held connector goes back
    // to fetch with [] (a 503 would end the client's delivery).
    fixture h(std::chrono::seconds(30));
    h.ch->on_commands(1, op_a, fixture::batch({"00A4040000"}));
    h.fetch();
    auto mid = h.connector(op_a, {"9000"});
    BOOST_CHECK(!mid->res);
    h.ch->on_closed();
    BOOST_REQUIRE(mid->res);
    BOOST_CHECK_EQUAL(mid->res->status, 200);
    BOOST_CHECK_EQUAL(mid->res->body, R"({"commands":[]})");
    BOOST_CHECK(h.ch->done());
}

BOOST_AUTO_TEST_CASE(refused_answers_get_the_error_and_the_batch_stands) {
    fixture f;
    f.engine = [&f](std::uint64_t, std::vector<core::bytes>) {
        f.ch->on_error(core::make_api_error(core::api_errc::bad_request, "more answers than commands"));
    };
    f.ch->on_commands(1, op_a, fixture::batch({"00A4040000"}));
    f.fetch();
    auto bad = f.connector(op_a, {"9000", "9000"});
    BOOST_REQUIRE(bad->res);
    BOOST_CHECK_EQUAL(bad->res->status, 400);
    f.engine = [&f](std::uint64_t, std::vector<core::bytes>) { f.ch->on_operation_done(op_a); };
    auto good = f.connector(op_a, {"9000"});
    BOOST_REQUIRE(good->res);
    BOOST_CHECK_EQUAL(good->res->body, R"({"commands":[]})");
    BOOST_CHECK_EQUAL(f.rec.handed.size(), 2u);
}

BOOST_AUTO_TEST_CASE(unknown_operations_go_back_to_fetch_and_the_next_operation_is_announced) {
    fixture f;
    auto unknown = f.connector(op_a, {"9000"});
    BOOST_REQUIRE(unknown->res);
    BOOST_CHECK_EQUAL(unknown->res->status, 200);
    BOOST_CHECK_EQUAL(unknown->res->body, R"({"commands":[]})");
    BOOST_CHECK(f.rec.handed.empty());
    f.ch->on_commands(1, op_a, fixture::batch({"00A4040000"}));
    f.fetch();
    f.ch->on_operation_done(op_a);
    f.ch->on_commands(2, op_b, fixture::batch({"80CA004500"}));
    auto step = f.fetch();
    BOOST_REQUIRE(step->res);
    BOOST_CHECK(step->res->body.find(op_b) != std::string::npos);
    // The finished operation still answers [] to a late repeat.
    BOOST_CHECK_EQUAL(f.connector(op_a, {"9000"})->res->body, R"({"commands":[]})");
}

BOOST_AUTO_TEST_CASE(the_end_is_rendered_from_the_v1_status_frame) {
    fixture f;
    auto held = f.fetch();
    f.ch->on_final_status(core::frames::status(true, R"({"en":"Installed"})"));
    BOOST_REQUIRE(held->res);
    BOOST_CHECK_EQUAL(held->res->body,
                      R"({"completed":true,"status":{"success":true,"message":{"en":"Installed"}}})");
    f.ch->on_closed();
    BOOST_CHECK(f.ch->done());
    BOOST_CHECK_EQUAL(completed_reply(core::frames::status(false, core::frames::json_string("Aborted"))),
                      R"({"completed":true,"status":{"success":false,"message":"Aborted"}})");
}

BOOST_AUTO_TEST_CASE(destroying_a_channel_answers_what_it_holds_and_removes_its_routes) {
    auto f = std::make_unique<fixture>(std::chrono::seconds(30));
    f->ch->on_commands(1, op_a, fixture::batch({"00A4040000"}));
    f->fetch();
    auto held = f->fetch();
    BOOST_CHECK(held->res); // the operation was there: answered at once
    auto c = f->connector(op_a, {"9000"});
    BOOST_CHECK(!c->res);
    f->ch.reset();
    BOOST_REQUIRE(c->res);
    BOOST_CHECK_EQUAL(c->res->status, 200);
    BOOST_CHECK_EQUAL(c->res->body, R"({"commands":[]})");
    BOOST_CHECK_EQUAL(f->rec.events.back(), "route- " + op_a);
    f->ioc.run_for(std::chrono::milliseconds(20));
}

BOOST_AUTO_TEST_CASE(request_bodies_are_checked) {
    transport::touch_point::limits lim;
    BOOST_CHECK(decode_deliver(R"({"appId":"a1","serviceId":"s","cardId":{"cin":"0e48"}})").has_value());
    BOOST_CHECK_EQUAL(decode_deliver(R"({"appId":"a1","serviceId":"s","cardId":{"cin":"0e48"}})")->cin,
                      "0E48");
    BOOST_CHECK(!decode_deliver(R"({"appId":"a1","serviceId":"s"})"));
    BOOST_CHECK(!decode_deliver(R"({"appId":"a/1","serviceId":"s","cardId":{"cin":"0e48"}})"));
    BOOST_CHECK(!decode_deliver(R"({"appId":"a1","serviceId":"s","cardId":{"cin":"0e4"}})"));
    BOOST_CHECK(!decode_deliver(R"({"appId":"a1","serviceId":"s","cardId":{"cin":"0e48"},"msisdn":1})"));
    auto f = decode_fetch(
        R"({"sessionId":"0190A0B0-0000-7000-8000-000000000001","operationResult":{"operationId":"X"}})");
    BOOST_REQUIRE(f);
    BOOST_CHECK_EQUAL(f->session_id, "0190a0b0-0000-7000-8000-000000000001");
    BOOST_CHECK(decode_fetch(R"({"sessionId":"x"})").error().code == core::api_errc::session_not_found);
    BOOST_CHECK(decode_fetch(R"({"sessionId":"x","operationResult":5})").error().code
                == core::api_errc::bad_request);
    BOOST_CHECK(!decode_connector(R"({"uuid":"0190a0b0-0000-7000-8000-000000000001"})", lim));
    BOOST_CHECK(
        !decode_connector(R"({"uuid":"0190a0b0-0000-7000-8000-000000000001","responses":["9"]})", lim));
    BOOST_CHECK(
        decode_connector(R"({"uuid":"0190a0b0-0000-7000-8000-000000000001","open":true,"responses":[]})",
                         lim));
    lim.max_responses = 1;
    BOOST_CHECK(
        !decode_connector(R"({"uuid":"0190a0b0-0000-7000-8000-000000000001","responses":["9000","9000"]})",
                          lim));
    BOOST_CHECK(!decode_client_error(R"({"sessionId":"0190a0b0-0000-7000-8000-000000000001","fatal":1})"));
    auto e =
        decode_client_error(R"({"sessionId":"0190a0b0-0000-7000-8000-000000000001","message":{"en":"x"}})");
    BOOST_REQUIRE(e);
    BOOST_CHECK_EQUAL(e->message, R"({"en":"x"})");
    BOOST_CHECK_EQUAL(query_param("/a?x=1&cin=0E48", "cin").value_or("-"), "0E48");
    BOOST_CHECK(!query_param("/a?x=1", "cin"));
}

BOOST_AUTO_TEST_CASE(a_requirement_set_to_false_or_null_is_not_required) {
    auto r = decode_requirements(R"({"requirements":{"fixedUid":false,"javaCard":null,"mifare":false}})");
    BOOST_CHECK(!r.fixed_uid);
    BOOST_CHECK(!r.java_card);
    BOOST_CHECK(!r.mifare);
    auto on = decode_requirements(R"({"requirements":{"fixedUid":true,"javaCard":{},"mifare":{"x":1}}})");
    BOOST_CHECK(on.fixed_uid);
    BOOST_CHECK(on.java_card);
    BOOST_CHECK(on.mifare);
    BOOST_CHECK(!decode_requirements(R"({"title":"x"})").fixed_uid);
}

BOOST_AUTO_TEST_SUITE_END()
