// User interaction on the touch-point side, without sockets: the v1 frames (user-interaction,
// user-action out; user-input and the deliver/resume features in), the Fidesmo long poll's
// bodies (service/deliver ephemeralKey, service/fetch operationResult) and its channel's
// prompt step (named on fetch, answered once by operationResult, kept for a prompt that comes
// later on a channel bound anew). docs/touchpoint-protocol.md, docs/fidesmo-compat.md.
#include "fidesmo/bodies.hpp"
#include "fidesmo/channel.hpp"

#include "tsm/transport/touch_point/v1/codec.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace core = tsm::core;
namespace tp = tsm::transport::touch_point;
namespace v1 = tsm::transport::touch_point::v1;
namespace fd = tsm::transport::touch_point::fidesmo;
namespace bj = boost::json;
using tsm::transport::http_response;

namespace {

const std::string op_a = "11111111-1111-7111-8111-111111111111";
const std::string op_b = "22222222-2222-7222-8222-222222222222";
const std::string sid = "123e4567-e89b-42d3-a456-426614174000";
const core::prompt fields_prompt{core::prompt::kind::fields, R"([{"id":"pin","type":"edit","label":"PIN"}])", true};
const core::prompt actions_prompt{core::prompt::kind::actions, R"([{"name":"phonecall"}])", false};

struct slot {
    std::optional<http_response> res;
};

struct channel_fixture {
    boost::asio::io_context ioc;
    std::vector<std::pair<std::string, core::user_input>> inputs;
    std::unique_ptr<fd::channel> ch;

    channel_fixture() {
        fd::channel_hooks h;
        h.add_route = [](const std::string&) {};
        h.remove_route = [](const std::string&) {};
        h.hand_responses = [](std::uint64_t, std::vector<core::bytes>) {};
        h.hand_input = [this](const std::string& op, core::user_input in) { inputs.emplace_back(op, std::move(in)); };
        ch = std::make_unique<fd::channel>(sid, core::connection_ref{0, 1, 1, true, true}, ioc.get_executor(),
                                           std::chrono::seconds(30), std::move(h));
    }

    std::shared_ptr<slot> fetch(std::optional<fd::operation_result> result = std::nullopt) {
        auto s = std::make_shared<slot>();
        ch->fetch([s](http_response r) { s->res = std::move(r); }, std::move(result));
        return s;
    }

    static fd::operation_result result(const std::string& op, std::string fields) {
        return fd::operation_result{op, core::user_input{std::move(fields), "AB", false}};
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(user_interaction_touch_point)

// ---------------------------------------------------------------- v1

BOOST_AUTO_TEST_CASE(v1_renders_the_prompt_frames) {
    const auto f = bj::parse(v1::frames::user_interaction(op_a, fields_prompt)).as_object();
    BOOST_TEST(f.at("type").as_string() == "user-interaction");
    BOOST_TEST(f.at("operationId").as_string() == op_a);
    BOOST_TEST(bj::serialize(f.at("fields")) == fields_prompt.json);
    BOOST_TEST(f.at("encrypted").as_bool());
    const auto a = bj::parse(v1::frames::user_interaction(op_b, actions_prompt)).as_object();
    BOOST_TEST(a.at("type").as_string() == "user-action");
    BOOST_TEST(a.at("operationId").as_string() == op_b);
    BOOST_TEST(bj::serialize(a.at("actions")) == actions_prompt.json);
    BOOST_TEST(!a.contains("encrypted"));
}

BOOST_AUTO_TEST_CASE(v1_decodes_user_input) {
    auto m = v1::decode(R"({"type":"user-input","operationId":")" + op_a
                            + R"(","fields":{"pin":"1234"},"ephemeralKey":"0aFF"})",
                        {});
    BOOST_REQUIRE(m.has_value());
    BOOST_TEST((m->type == tp::message::kind::user_input));
    BOOST_TEST(m->operation_id == op_a);
    BOOST_TEST(m->fields_json == R"({"pin":"1234"})");
    BOOST_TEST(m->ephemeral_key == "0aFF");
    BOOST_TEST(!m->declined);

    auto d = v1::decode(R"({"type":"user-input","operationId":")" + op_a + R"(","declined":true})", {});
    BOOST_REQUIRE(d.has_value());
    BOOST_TEST(d->declined);
    BOOST_TEST(d->fields_json.empty());

    // An upper-case operation id is matched as the server wrote it (lower case).
    std::string upper = op_a;
    for (char& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    auto u = v1::decode(R"({"type":"user-input","operationId":")" + upper + R"("})", {});
    BOOST_REQUIRE(u.has_value());
    BOOST_TEST(u->operation_id == op_a);
}

BOOST_AUTO_TEST_CASE(v1_refuses_bad_user_input) {
    for (const std::string& frame : std::vector<std::string>{R"({"type":"user-input"})", R"({"type":"user-input","operationId":"x"})",
                              R"({"type":"user-input","operationId":")" + op_a + R"(","ephemeralKey":"zz"})",
                              R"({"type":"user-input","operationId":")" + op_a + R"(","fields":[1]})",
                              R"({"type":"user-input","operationId":")" + op_a + R"(","declined":"yes"})"}) {
        auto m = v1::decode(frame, {});
        BOOST_TEST(!m.has_value(), frame);
    }
}

BOOST_AUTO_TEST_CASE(v1_deliver_and_resume_announce_the_feature) {
    const std::string deliver =
        R"({"type":"deliver","appId":"0A1B2C3D","serviceId":"s","cardId":{"cin":"0E48"},"fields":{"a":"b"},)";
    auto with = v1::decode(deliver + R"("ephemeralKey":"0A0B","features":["user-interaction"]})", {});
    BOOST_REQUIRE(with.has_value());
    BOOST_TEST(with->prompts);
    BOOST_TEST(with->ephemeral_key == "0A0B");
    auto without = v1::decode(deliver + R"("features":["something-else"]})", {});
    BOOST_REQUIRE(without.has_value());
    BOOST_TEST(!without->prompts);
    auto none = v1::decode(deliver + R"("x":1})", {});
    BOOST_REQUIRE(none.has_value());
    BOOST_TEST(!none->prompts);
    auto bad_key = v1::decode(deliver + R"("ephemeralKey":"not hex"})", {});
    BOOST_TEST(!bad_key.has_value());
    auto resume = v1::decode(R"({"type":"resume","sessionId":")" + sid
                                 + R"(","resumeToken":"t","features":["user-interaction"]})",
                             {});
    BOOST_REQUIRE(resume.has_value());
    BOOST_TEST(resume->prompts);
}

// ---------------------------------------------------------------- Fidesmo long poll: bodies

BOOST_AUTO_TEST_CASE(fidesmo_deliver_carries_the_ephemeral_key) {
    auto d = fd::decode_deliver(
        R"({"appId":"0A1B2C3D","serviceId":"s","cardId":{"cin":"0E48"},"fields":{"pin":"x"},"ephemeralKey":"AA01"})");
    BOOST_REQUIRE(d.has_value());
    BOOST_TEST(d->ephemeral_key == "AA01");
    BOOST_TEST(d->fields_json == R"({"pin":"x"})");
    auto bad = fd::decode_deliver(R"({"appId":"0A1B2C3D","serviceId":"s","cardId":{"cin":"0E48"},"ephemeralKey":"q"})");
    BOOST_TEST(!bad.has_value());
}

BOOST_AUTO_TEST_CASE(fidesmo_fetch_reads_the_operation_result) {
    auto f = fd::decode_fetch(R"({"sessionId":")" + sid + R"(","operationResult":{"operationId":")" + op_a
                              + R"(","statusCode":200,"fields":{"pin":"1234"},"ephemeralKey":"beef"}})");
    BOOST_REQUIRE(f.has_value());
    BOOST_REQUIRE(f->result.has_value());
    BOOST_TEST(f->result->operation_id == op_a);
    BOOST_TEST(f->result->input.fields_json == R"({"pin":"1234"})");
    BOOST_TEST(f->result->input.ephemeral_key == "beef");
    BOOST_TEST(!f->result->input.declined);

    auto declined = fd::decode_fetch(R"({"sessionId":")" + sid + R"(","operationResult":{"operationId":")" + op_a
                                     + R"(","statusCode":400}})");
    BOOST_REQUIRE(declined.has_value());
    BOOST_REQUIRE(declined->result.has_value());
    BOOST_TEST(declined->result->input.declined);

    auto action = fd::decode_fetch(R"({"sessionId":")" + sid + R"(","operationResult":{"operationId":")" + op_a + R"("}})");
    BOOST_REQUIRE(action.has_value());
    BOOST_REQUIRE(action->result.has_value());
    BOOST_TEST(!action->result->input.declined);

    auto bare = fd::decode_fetch(R"({"sessionId":")" + sid + R"("})");
    BOOST_REQUIRE(bare.has_value());
    BOOST_TEST(!bare->result.has_value());
}

// ---------------------------------------------------------------- Fidesmo long poll: channel

BOOST_AUTO_TEST_CASE(the_prompt_is_the_fetch_reply_and_its_result_is_applied_once) {
    channel_fixture f;
    auto first = f.fetch();
    f.ch->on_user_interaction(op_a, fields_prompt);
    BOOST_REQUIRE(first->res);
    BOOST_TEST(first->res->status == 200);
    const auto reply = bj::parse(first->res->body).as_object();
    BOOST_TEST(reply.at("completed").as_bool() == false);
    BOOST_TEST(reply.at("operationId").as_string() == op_a);
    BOOST_TEST(reply.at("operationType").as_string() == "user-interaction");
    BOOST_TEST(bj::serialize(reply.at("fields")) == fields_prompt.json);
    BOOST_TEST(reply.at("encrypted").as_bool());

    // A fetch without the result names the prompt again.
    auto again = f.fetch();
    BOOST_REQUIRE(again->res);
    BOOST_TEST(again->res->body == first->res->body);

    auto answered = f.fetch(channel_fixture::result(op_a, R"({"pin":"1"})"));
    BOOST_TEST(!answered->res); // held for the next step
    BOOST_REQUIRE_EQUAL(f.inputs.size(), 1u);
    BOOST_TEST(f.inputs[0].first == op_a);
    BOOST_TEST(f.inputs[0].second.fields_json == R"({"pin":"1"})");
    BOOST_TEST(f.inputs[0].second.ephemeral_key == "AB");

    // The client repeats the same body (its 204 retry): not applied twice.
    auto repeat = f.fetch(channel_fixture::result(op_a, R"({"pin":"1"})"));
    f.ch->on_operation_done(op_a);
    auto after_done = f.fetch(channel_fixture::result(op_a, R"({"pin":"1"})"));
    BOOST_TEST(f.inputs.size() == 1u);
    // The next step answers the held fetch.
    f.ch->on_commands(3, op_b, core::apdu_batch{{std::string("\x00\xa4\x04\x00", 4)}, false, {}});
    BOOST_REQUIRE(after_done->res);
    BOOST_TEST(after_done->res->body.find("transceive") != std::string::npos);
    BOOST_TEST(f.inputs.size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_action_step_and_its_bare_result) {
    channel_fixture f;
    f.ch->on_user_interaction(op_a, actions_prompt);
    auto r = f.fetch();
    BOOST_REQUIRE(r->res);
    const auto reply = bj::parse(r->res->body).as_object();
    BOOST_TEST(reply.at("operationType").as_string() == "action");
    BOOST_TEST(bj::serialize(reply.at("actions")) == actions_prompt.json);
    f.fetch(fd::operation_result{op_a, {}});
    BOOST_REQUIRE_EQUAL(f.inputs.size(), 1u);
    BOOST_TEST(f.inputs[0].second.fields_json.empty());
}

BOOST_AUTO_TEST_CASE(a_result_before_its_prompt_is_applied_when_the_prompt_comes) {
    // A new channel (after a restart, or the client came back): the fetch carrying the result
    // binds the session, which then sends its outstanding prompt again.
    channel_fixture f;
    auto r = f.fetch(channel_fixture::result(op_a, R"({"pin":"7"})"));
    BOOST_TEST(f.inputs.empty());
    f.ch->on_user_interaction(op_a, fields_prompt);
    BOOST_REQUIRE_EQUAL(f.inputs.size(), 1u);
    BOOST_TEST(f.inputs[0].second.fields_json == R"({"pin":"7"})");
    BOOST_TEST(!r->res); // held for the next step, not the prompt again
}

BOOST_AUTO_TEST_CASE(a_result_for_another_prompt_is_not_applied_to_this_one) {
    channel_fixture f;
    f.ch->on_user_interaction(op_b, fields_prompt);
    auto r = f.fetch(channel_fixture::result(op_a, R"({"pin":"7"})"));
    BOOST_TEST(f.inputs.empty());
    BOOST_REQUIRE(r->res); // the prompt that is asked
    BOOST_TEST(r->res->body.find(op_b) != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
