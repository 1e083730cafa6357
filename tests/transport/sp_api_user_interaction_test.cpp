// The SP API's user interaction endpoints (/user-interaction, /user-action) over a real shard
// pool (sp_api_fixture): bodies checked and re-rendered canonical, the operation queued with the
// prompt as its payload, refusals naming the field; GET /status opens sealed results.
#include "tsm/transport/sp_api/handler.hpp"

#include "sp_api_fixture.hpp"

#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/sealed_payload.hpp"
#include "tsm/core/user_interaction.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>

#include <string>

using namespace sp_api_test;

namespace {

/// The stored operation, read on the session's owner shard: the operation runs on after its ack
/// (this fixture's touch point cannot prompt, so it fails at once) and its record is rewritten
/// there.
core::operation_record stored(fixture& f, const std::string& sid, const tr::http_response& accepted) {
    const std::string id(body_of(accepted).at("operationId").as_string());
    std::optional<core::operation_record> rec;
    f.run_on(f.runtime->owner_of(sid), [&](core::shard_services&) {
        auto it = f.store.fake.operations.find(id);
        if (it != f.store.fake.operations.end()) {
            rec = it->second;
        }
    });
    BOOST_REQUIRE_MESSAGE(rec, "operation " << id << " not stored");
    return *rec;
}

void check_refused_naming(fixture& f, const std::string& sid, const std::string& path,
                          const std::string& body, std::string_view field) {
    auto r = f.call(fixture::sp_request("POST", path, body, sid));
    BOOST_TEST(r.status == 400, body << " -> " << r.status << " " << r.body);
    BOOST_TEST(error_code(r) == "bad-request", body);
    BOOST_TEST(error_message(r).find(field) != std::string::npos,
               body << ": '" << error_message(r) << "' should name " << field);
}

} // namespace

BOOST_AUTO_TEST_SUITE(sp_api_user_interaction)

BOOST_AUTO_TEST_CASE(user_interaction_queues_the_prompt_rendered_canonical) {
    fixture f;
    const std::string sid = f.session_owned_by(1);
    f.open_session(sid);
    auto r = f.call(fixture::sp_request(
        "PUT", "/user-interaction",
        R"({"fields":[{"id":"pin","type":"edit","label":{"en":"PIN"},"extra":1},)"
        R"({"id":"color","type":"option","labels":["red","blue"],"format":"x"}],"encrypted":true})",
        sid));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto op = stored(f, sid, r);
    BOOST_TEST(op.kind == core::kinds::user_interaction);
    auto p = core::user_interaction::decode_payload(op.payload, core::prompt::kind::fields);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST(p->encrypted);
    BOOST_TEST(p->json
               == R"([{"id":"pin","type":"edit","label":{"en":"PIN"}},)"
                  R"({"id":"color","type":"option","labels":["red","blue"],"format":"x"}])");
}

BOOST_AUTO_TEST_CASE(user_action_queues_the_actions) {
    fixture f;
    const std::string sid = f.session_owned_by(0);
    f.open_session(sid);
    auto r = f.call(fixture::sp_request(
        "POST", "/user-action",
        R"({"actions":[{"name":"phonecall","description":{"en":"Call"},"parameters":{"number":"+4611"}}]})",
        sid));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto op = stored(f, sid, r);
    BOOST_TEST(op.kind == core::kinds::user_action);
    auto p = core::user_interaction::decode_payload(op.payload, core::prompt::kind::actions);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST(p->json
               == R"([{"name":"phonecall","description":{"en":"Call"},"parameters":{"number":"+4611"}}])");
}

BOOST_AUTO_TEST_CASE(bad_prompts_are_refused_naming_the_field) {
    fixture f;
    const std::string sid = f.session_owned_by(0);
    f.open_session(sid);
    check_refused_naming(f, sid, "/user-interaction", R"({"encrypted":false})", "fields");
    check_refused_naming(f, sid, "/user-interaction", R"({"fields":[]})", "fields");
    check_refused_naming(f, sid, "/user-interaction", R"({"fields":{}})", "fields");
    check_refused_naming(f, sid, "/user-interaction", R"({"fields":[{"type":"edit","label":"x"}]})",
                         "fields[0].id");
    check_refused_naming(
        f, sid, "/user-interaction",
        R"({"fields":[{"id":"a","type":"edit","label":"x"},{"id":"a","type":"edit","label":"y"}]})",
        "fields[1].id");
    check_refused_naming(f, sid, "/user-interaction",
                         R"({"fields":[{"id":"a","type":"slider","label":"x"}]})", "fields[0].type");
    check_refused_naming(f, sid, "/user-interaction", R"({"fields":[{"id":"a","type":"edit"}]})",
                         "fields[0]");
    check_refused_naming(f, sid, "/user-interaction", R"({"fields":[{"id":"a","type":"edit","label":3}]})",
                         "fields[0].label");
    check_refused_naming(f, sid, "/user-interaction",
                         R"({"fields":[{"id":"a","type":"edit","label":"x"}],"encrypted":"yes"})",
                         "encrypted");
    std::string many = R"({"fields":[)";
    for (int i = 0; i < 33; ++i) {
        many += (i ? "," : "") + std::string(R"({"id":"f)") + std::to_string(i)
                + R"(","type":"edit","label":"x"})";
    }
    many += "]}";
    check_refused_naming(f, sid, "/user-interaction", many, "fields");
    check_refused_naming(f, sid, "/user-action", R"({"actions":[{"description":"x"}]})", "actions[0].name");
    check_refused_naming(f, sid, "/user-action", R"({})", "actions");
    // A repeated member would render two arrays back to back: refused, not relayed.
    check_refused_naming(f, sid, "/user-interaction",
                         R"({"fields":[{"id":"a","type":"edit","label":"x"}],)"
                         R"("fields":[{"id":"b","type":"edit","label":"y"}]})",
                         "fields given twice");
    check_refused_naming(f, sid, "/user-action",
                         R"({"actions":[{"name":"phonecall"}],"actions":[{"name":"phonecall"}]})",
                         "actions given twice");
}

BOOST_AUTO_TEST_CASE(status_opens_a_sealed_result) {
    fixture f;
    const std::string sid = f.session_owned_by(0);
    f.open_session(sid);
    const std::string op_id = "123e4567-e89b-42d3-a456-4266141740aa";
    const std::string clear =
        R"({"operationId":")" + op_id + R"(","statusCode":200,"fields":{"pin":"4711"}})";
    core::operation_record rec;
    rec.operation_id = op_id;
    rec.session_id = sid;
    rec.app_id = app_id;
    rec.kind = core::kinds::user_interaction;
    rec.state = core::operation_state::done;
    rec.result_sealed = true;
    rec.result_json = f.vault.seal(clear, core::operation_result_context(op_id));
    f.store.fake.operations[op_id] = rec;
    auto r = f.call(fixture::sp_request("GET", "/status/" + op_id, "", sid));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(r.body == clear);
}

BOOST_AUTO_TEST_SUITE_END()
