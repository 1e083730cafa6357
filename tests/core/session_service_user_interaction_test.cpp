// Session service: user interaction (user-interaction / user-action operations). The prompt is
// the session's outstanding thing, sent to a touch point that can prompt (or on resume), answered
// once; the answer is sealed at rest (operation result, outbox entry) and reaches the SP in clear
// through the relay. Touch points that cannot prompt fail the operation, not the session.
// The harness and the shared constants are in session_harness.hpp.
#include "session_harness.hpp"

#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/sealed_payload.hpp"
#include "tsm/core/user_interaction.hpp"

#include <boost/test/unit_test.hpp>

using namespace session_harness;

namespace {

const std::string pin = "928374";
const std::string fields_prompt = R"([{"id":"pin","type":"edit","label":{"en":"Choose a PIN"}}])";
const std::string actions_prompt = R"([{"name":"phonecall","description":"Call us","parameters":{"n":"1"}}])";

connection_ref prompting(std::uint64_t id) {
    connection_ref c{0, id};
    c.prompts = true;
    return c;
}

/// A harness whose registry also knows the user interaction kinds.
struct ui_harness : harness {
    ui_harness() { core::user_interaction::register_kinds(kinds); }

    accept_result& ask(const std::string& session, core::prompt::kind type, const std::string& json,
                       bool encrypted, std::string cb) {
        auto& r = accepts.emplace_back();
        core::prompt p{type, json, encrypted};
        const auto kind = type == core::prompt::kind::fields ? core::kinds::user_interaction : core::kinds::user_action;
        svc.accept_operation(std::string(app_id), session, std::string(kind), core::user_interaction::encode_payload(p),
                             std::move(cb), [&r](std::optional<core::api_error> e, std::string id) {
                                 r.called = true;
                                 r.error = std::move(e);
                                 r.operation_id = std::move(id);
                             });
        drain();
        return r;
    }

    void answer(connection_ref c, const std::string& op, std::string fields, std::string key = {},
                bool declined = false) {
        svc.on_user_input(c, sid, op, core::user_input{std::move(fields), std::move(key), declined});
        drain();
    }
};

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(session_service_user_interaction)

BOOST_AUTO_TEST_CASE(a_fields_prompt_reaches_the_touch_point_and_the_answer_reaches_the_sp_sealed_at_rest) {
    ui_harness h;
    const auto c = prompting(7);
    h.open(c, sid);
    auto& r = h.ask(sid, core::prompt::kind::fields, fields_prompt, true, cb_prefix + "ui");
    BOOST_REQUIRE(r.called);
    BOOST_REQUIRE(!r.error);

    const auto asks = h.tp.frames_of_type(c, "user-interaction");
    BOOST_REQUIRE_EQUAL(asks.size(), 1u);
    const auto frame = parse(asks[0]);
    BOOST_TEST(frame.at("operationId").as_string() == r.operation_id);
    BOOST_TEST(frame.at("encrypted").as_bool());
    BOOST_TEST(bj::serialize(frame.at("fields")) == fields_prompt);
    BOOST_TEST(h.commands_frames(c).empty()); // no batch: a prompt is not APDUs

    h.answer(c, r.operation_id, R"({"pin":")" + pin + R"("})", "ABCDEF");
    const auto cbs = h.callbacks();
    BOOST_REQUIRE_EQUAL(cbs.size(), 1u);
    BOOST_TEST(cbs[0].at("operationId").as_string() == r.operation_id);
    BOOST_TEST(cbs[0].at("statusCode").as_int64() == 200);
    BOOST_TEST(cbs[0].at("fields").as_object().at("pin").as_string() == pin);
    BOOST_TEST(cbs[0].at("ephemeralKey").as_string() == "ABCDEF");
    BOOST_TEST(!cbs[0].contains("responses"));

    // At rest, nothing holds the value in clear: the result and the callback are sealed.
    bool saw_result = false;
    for (const auto& commit : h.store.commits) {
        for (const auto& op : commit.w.put_operations) {
            BOOST_TEST(!contains(op.result_json, pin));
            if (op.operation_id == r.operation_id && op.state == core::operation_state::done) {
                saw_result = true;
                BOOST_TEST(op.result_sealed);
                auto opened = h.vault.open(op.result_json, core::operation_result_context(op.operation_id));
                BOOST_REQUIRE(opened.has_value());
                BOOST_TEST(contains(*opened, pin));
            }
        }
        for (const auto& e : commit.w.put_outbox) {
            BOOST_TEST(e.sealed);
            BOOST_TEST(!contains(e.body, pin));
        }
    }
    BOOST_TEST(saw_result);
}

BOOST_AUTO_TEST_CASE(an_answer_is_applied_once) {
    ui_harness h;
    const auto c = prompting(7);
    h.open(c, sid);
    auto& r = h.ask(sid, core::prompt::kind::fields, fields_prompt, false, cb_prefix + "ui");
    auto& next = h.accept(sid, {select_cmd}, cb_prefix + "next");
    h.drain();
    h.answer(c, r.operation_id, R"({"pin":"1"})");
    h.answer(c, r.operation_id, R"({"pin":"2"})"); // a repeat: nothing to apply it to
    BOOST_REQUIRE(next.called);
    const auto cbs = h.callbacks();
    BOOST_REQUIRE_EQUAL(cbs.size(), 1u);
    BOOST_TEST(cbs[0].at("fields").as_object().at("pin").as_string() == "1");
    // The next operation runs after the answer.
    BOOST_TEST(h.commands_frames(c).size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_answer_for_another_operation_or_connection_is_dropped) {
    ui_harness h;
    const auto c = prompting(7);
    h.open(c, sid);
    auto& r = h.ask(sid, core::prompt::kind::fields, fields_prompt, false, cb_prefix + "ui");
    h.answer(c, "123e4567-e89b-42d3-a456-4266141740ff", R"({"pin":"1"})");
    h.answer(prompting(8), r.operation_id, R"({"pin":"1"})");
    BOOST_TEST(h.callbacks().empty());
    h.answer(c, r.operation_id, R"({"pin":"3"})");
    BOOST_TEST(h.callbacks().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_touch_point_that_cannot_prompt_fails_the_operation_and_the_session_goes_on) {
    ui_harness h;
    h.open(conn1, sid); // conn1 announced nothing
    auto& r = h.ask(sid, core::prompt::kind::fields, fields_prompt, false, cb_prefix + "ui");
    auto& next = h.accept(sid, {select_cmd}, cb_prefix + "next");
    h.drain();
    BOOST_REQUIRE(r.called);
    BOOST_REQUIRE(next.called);
    BOOST_TEST(h.tp.frames_of_type(conn1, "user-interaction").empty());
    const auto cbs = h.callbacks();
    BOOST_REQUIRE_GE(cbs.size(), 1u);
    BOOST_TEST(cbs[0].at("statusCode").as_int64() == core::user_interaction::not_supported_status);
    BOOST_TEST(error_code_of(cbs[0]) == core::user_interaction::not_supported_code);
    BOOST_TEST(h.commands_frames(conn1).size() == 1u); // the next operation runs
}

BOOST_AUTO_TEST_CASE(a_declined_prompt_fails_with_declined_by_user) {
    ui_harness h;
    const auto c = prompting(7);
    h.open(c, sid);
    auto& r = h.ask(sid, core::prompt::kind::fields, fields_prompt, false, cb_prefix + "ui");
    h.answer(c, r.operation_id, {}, {}, true);
    const auto cbs = h.callbacks();
    BOOST_REQUIRE_EQUAL(cbs.size(), 1u);
    BOOST_TEST(cbs[0].at("statusCode").as_int64() == core::user_interaction::declined_status);
    BOOST_TEST(error_code_of(cbs[0]) == core::user_interaction::declined_code);
}

BOOST_AUTO_TEST_CASE(an_action_prompt_is_acknowledged_with_a_bare_callback) {
    ui_harness h;
    const auto c = prompting(7);
    h.open(c, sid);
    auto& r = h.ask(sid, core::prompt::kind::actions, actions_prompt, false, cb_prefix + "act");
    const auto asks = h.tp.frames_of_type(c, "user-action");
    BOOST_REQUIRE_EQUAL(asks.size(), 1u);
    BOOST_TEST(bj::serialize(parse(asks[0]).at("actions")) == actions_prompt);
    h.answer(c, r.operation_id, {});
    const auto cbs = h.callbacks();
    BOOST_REQUIRE_EQUAL(cbs.size(), 1u);
    BOOST_TEST(cbs[0].at("statusCode").as_int64() == 200);
    BOOST_TEST(cbs[0].size() == 2u); // operationId and statusCode only
}

BOOST_AUTO_TEST_CASE(the_prompt_is_sent_again_on_resume) {
    ui_harness h;
    const auto c = prompting(7);
    const std::string token = h.open(c, sid);
    auto& r = h.ask(sid, core::prompt::kind::fields, fields_prompt, false, cb_prefix + "ui");
    h.svc.on_disconnect(c, sid);
    const auto c2 = prompting(9);
    std::optional<bool> bound;
    h.svc.resume(c2, sid, token, [&](bool b) { bound = b; });
    h.drain();
    BOOST_REQUIRE(bound.value_or(false));
    const auto asks = h.tp.frames_of_type(c2, "user-interaction");
    BOOST_REQUIRE_EQUAL(asks.size(), 1u);
    BOOST_TEST(parse(asks[0]).at("operationId").as_string() == r.operation_id);
    h.answer(c2, r.operation_id, R"({"pin":"5"})");
    BOOST_TEST(h.callbacks().size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_delivery_fields_are_sealed_in_the_session_record_and_sent_with_the_ephemeral_key) {
    ui_harness h;
    auto req = h.request();
    req.fields_json = R"({"pin":")" + pin + R"("})";
    req.ephemeral_key = "0A0B";
    std::optional<bool> bound;
    h.svc.start_delivery(conn1, sid, req, [&](bool b) { bound = b; });
    auto gets = h.sp.open_calls(description_url);
    BOOST_REQUIRE_EQUAL(gets.size(), 1u);
    h.sp.answer(gets[0], 200, description);
    h.drain();
    BOOST_REQUIRE(bound.value_or(false));
    for (const auto& commit : h.store.commits) {
        for (const auto& s : commit.w.put_sessions) {
            BOOST_TEST(s.fields_json.empty());
            BOOST_TEST(!contains(s.sealed_fields, pin));
        }
    }
    const auto& stored = h.store.commits.front().w.put_sessions.at(0);
    BOOST_TEST(!stored.sealed_fields.empty());
    BOOST_TEST(stored.ephemeral_key == "0A0B");
    auto posts = h.sp.open_calls(delivery_url);
    BOOST_REQUIRE_EQUAL(posts.size(), 1u);
    const auto body = parse(h.sp.calls[posts[0]].body);
    BOOST_TEST(body.at("fields").as_object().at("pin").as_string() == pin);
    BOOST_TEST(body.at("ephemeralKey").as_string() == "0A0B");
}

BOOST_AUTO_TEST_SUITE_END()
