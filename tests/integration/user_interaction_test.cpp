// User interaction end to end, in every dialect, against the real tsmd with the fake SP: the SP
// asks through /user-interaction (or /user-action), the touch point (a raw protocol client here)
// answers, plain or encrypted as the client protocol describes (the test plays the SP too and
// decrypts what the "user" typed), and the value appears neither in tsmd's log nor in its data
// directory, nor in any frame except encrypted. Touch points that cannot prompt fail the
// operation cleanly and the session goes on. docs/user-interaction.md.
#include "fidesmo_client.hpp"
#include "file_scan.hpp"
#include "tsm_env.hpp"
#include "user_input_crypto.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace tsm::test;

namespace {

const std::string pin_prompt = R"({"fields":[{"id":"pin","type":"edit","label":{"en":"Choose a PIN"}}],"encrypted":false})";
const std::string secret_prompt = R"({"fields":[{"id":"pin","type":"edit","label":{"en":"Choose a PIN"}}],"encrypted":true})";

std::string post_op(tsm_env& env, const std::string& session, const std::string& path, const std::string& body) {
    auto r = http_call(env.tsmd->port(), "POST", path, env.sp_headers(session, env.callback_url(session)), body);
    BOOST_REQUIRE_MESSAGE(r.status == 200, path << " -> " << r.status << " " << r.body);
    return str(r.json().as_object()["operationId"]);
}

/// v1 deliver announcing the feature (or not), with optional fields and ephemeralKey.
delivered_session deliver_v1(tsm_env& env, ws_client& ws, bool prompts, const boost::json::object& fields = {},
                             const std::string& ephemeral_key = {}) {
    boost::json::object m{{"type", "deliver"}, {"appId", app_id}, {"serviceId", "demo"}};
    m["cardId"] = boost::json::object{{"iin", "8A2C"}, {"cin", "0E48800471400A"}, {"platformVersion", 2}};
    if (prompts) {
        m["features"] = boost::json::array{"user-interaction"};
    }
    if (!fields.empty()) {
        m["fields"] = fields;
    }
    if (!ephemeral_key.empty()) {
        m["ephemeralKey"] = ephemeral_key;
    }
    ws.send_json(m);
    auto s = ws.read_type("session", std::chrono::seconds(10));
    BOOST_REQUIRE_MESSAGE(s, "no session frame");
    return {str((*s)["sessionId"]), str((*s)["resumeToken"])};
}

/// The value the "user" typed never rests or is logged in clear.
void check_nowhere_in_clear(tsm_env& env, const std::string& value) {
    BOOST_TEST(env.tsmd->log().find(value) == std::string::npos, "tsmd's log holds the value");
    BOOST_TEST(!tree_contains(env.dir.path(), value), "the data directory holds the value");
}

std::string unique_value(const char* tag) {
    return std::string(tag) + "-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

} // namespace

BOOST_AUTO_TEST_SUITE(user_interaction)

BOOST_AUTO_TEST_CASE(v1_plain_input_reaches_the_sp_and_is_stored_nowhere_in_clear) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    const std::string before = unique_value("pre");
    auto s = deliver_v1(env, ws, true, boost::json::object{{"name", before}});
    auto delivery = env.sp.wait_delivery();
    BOOST_REQUIRE(delivery);
    BOOST_TEST(str((*delivery)["fields"].as_object()["name"]) == before);

    const std::string op = post_op(env, s.session_id, "/user-interaction", pin_prompt);
    auto ask = ws.read_type("user-interaction");
    BOOST_REQUIRE(ask);
    BOOST_TEST(str((*ask)["operationId"]) == op);
    BOOST_TEST((*ask)["encrypted"] == false);
    BOOST_TEST(str((*ask)["fields"].as_array()[0].as_object()["id"]) == "pin");

    const std::string pin = unique_value("pin");
    ws.send_json(boost::json::object{{"type", "user-input"}, {"operationId", op},
                                     {"fields", boost::json::object{{"pin", pin}}}});
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_TEST((*cb)["statusCode"].as_int64() == 200);
    BOOST_TEST(str((*cb)["fields"].as_object()["pin"]) == pin);
    // Applied once: a repeat changes nothing, and the session goes on.
    ws.send_json(boost::json::object{{"type", "user-input"}, {"operationId", op},
                                     {"fields", boost::json::object{{"pin", "other"}}}});
    const std::string next = env.transceive_ok(s.session_id, {"00A4040000"});
    BOOST_TEST(answer_batch(ws) == next);
    BOOST_REQUIRE(env.sp.wait_callback(next));
    BOOST_TEST(env.sp.callback_count(op) == 1u);
    // GET /status opens the sealed result for the SP.
    auto st = http_call(env.tsmd->port(), "GET", "/status/" + op, env.sp_headers(s.session_id));
    BOOST_REQUIRE_EQUAL(st.status, 200);
    BOOST_TEST(st.body.find(pin) != std::string::npos);
    env.complete(s.session_id, true);
    BOOST_REQUIRE(ws.read_type("status"));
    check_nowhere_in_clear(env, pin);
    check_nowhere_in_clear(env, before);
}

BOOST_AUTO_TEST_CASE(v1_encrypted_input_is_decrypted_by_the_sp_only) {
    tsm_env env;
    sp_rsa_key sp_key;
    ws_client ws(env.tsmd->port());
    auto s = deliver_v1(env, ws, true);
    BOOST_REQUIRE(env.sp.wait_delivery());
    const std::string op = post_op(env, s.session_id, "/user-interaction", secret_prompt);
    auto ask = ws.read_type("user-interaction");
    BOOST_REQUIRE(ask);
    BOOST_TEST((*ask)["encrypted"] == true);

    const std::string pin = unique_value("secret");
    auto sealed = sp_key.encrypt({pin});
    ws.send_json(boost::json::object{{"type", "user-input"},
                                     {"operationId", op},
                                     {"fields", boost::json::object{{"pin", sealed.values_hex[0]}}},
                                     {"ephemeralKey", sealed.ephemeral_key_hex}});
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_TEST((*cb)["statusCode"].as_int64() == 200);
    // Passed on untouched; only the SP's key opens it.
    BOOST_TEST(str((*cb)["fields"].as_object()["pin"]) == sealed.values_hex[0]);
    BOOST_TEST(str((*cb)["ephemeralKey"]) == sealed.ephemeral_key_hex);
    BOOST_TEST(sp_key.decrypt(str((*cb)["ephemeralKey"]), str((*cb)["fields"].as_object()["pin"])) == pin);
    env.complete(s.session_id, true);
    BOOST_REQUIRE(ws.read_type("status"));
    check_nowhere_in_clear(env, pin);
    check_nowhere_in_clear(env, sealed.values_hex[0]); // the ciphertext is sealed at rest too
}

BOOST_AUTO_TEST_CASE(v1_delivery_fields_encrypted_with_the_ephemeral_key) {
    tsm_env env;
    sp_rsa_key sp_key;
    ws_client ws(env.tsmd->port());
    const std::string pin = unique_value("field");
    auto sealed = sp_key.encrypt({pin});
    deliver_v1(env, ws, true, boost::json::object{{"pin", sealed.values_hex[0]}}, sealed.ephemeral_key_hex);
    auto delivery = env.sp.wait_delivery();
    BOOST_REQUIRE(delivery);
    BOOST_TEST(str((*delivery)["ephemeralKey"]) == sealed.ephemeral_key_hex);
    BOOST_TEST(sp_key.decrypt(str((*delivery)["ephemeralKey"]), str((*delivery)["fields"].as_object()["pin"]))
               == pin);
    check_nowhere_in_clear(env, sealed.values_hex[0]);
}

BOOST_AUTO_TEST_CASE(v1_action_and_decline) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto s = deliver_v1(env, ws, true);
    BOOST_REQUIRE(env.sp.wait_delivery());
    const std::string act = post_op(env, s.session_id, "/user-action",
                                    R"({"actions":[{"name":"phonecall","parameters":{"number":"+46700"}}]})");
    auto shown = ws.read_type("user-action");
    BOOST_REQUIRE(shown);
    BOOST_TEST(str((*shown)["actions"].as_array()[0].as_object()["name"]) == "phonecall");
    ws.send_json(boost::json::object{{"type", "user-input"}, {"operationId", act}});
    auto ack = env.sp.wait_callback(act);
    BOOST_REQUIRE(ack);
    BOOST_TEST((*ack)["statusCode"].as_int64() == 200);

    const std::string op = post_op(env, s.session_id, "/user-interaction", pin_prompt);
    BOOST_REQUIRE(ws.read_type("user-interaction"));
    ws.send_json(boost::json::object{{"type", "user-input"}, {"operationId", op}, {"declined", true}});
    auto cb = env.sp.wait_callback(op, std::chrono::seconds(10));
    // wait_callback returns successful callbacks only when answered 200: any status counts here.
    BOOST_REQUIRE(cb);
    BOOST_TEST((*cb)["statusCode"].as_int64() == 400);
    BOOST_TEST(str((*cb)["error"].as_object()["code"]) == "declined-by-user");
}

BOOST_AUTO_TEST_CASE(v1_without_the_feature_fails_the_operation_not_the_session) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto s = deliver_v1(env, ws, false);
    BOOST_REQUIRE(env.sp.wait_delivery());
    const std::string op = post_op(env, s.session_id, "/user-interaction", pin_prompt);
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_TEST((*cb)["statusCode"].as_int64() == 501);
    BOOST_TEST(str((*cb)["error"].as_object()["code"]) == "not-supported-by-touch-point");
    const std::string next = env.transceive_ok(s.session_id, {"00A4040000"});
    BOOST_TEST(answer_batch(ws) == next);
    BOOST_REQUIRE(env.sp.wait_callback(next));
}

BOOST_AUTO_TEST_CASE(v1_the_prompt_is_sent_again_after_resume) {
    tsm_env env;
    auto ws = std::make_unique<ws_client>(env.tsmd->port());
    auto s = deliver_v1(env, *ws, true);
    BOOST_REQUIRE(env.sp.wait_delivery());
    const std::string op = post_op(env, s.session_id, "/user-interaction", pin_prompt);
    BOOST_REQUIRE(ws->read_type("user-interaction"));
    ws->drop();
    ws = std::make_unique<ws_client>(env.tsmd->port());
    ws->send_json(boost::json::object{{"type", "resume"},
                                      {"sessionId", s.session_id},
                                      {"resumeToken", s.resume_token},
                                      {"features", boost::json::array{"user-interaction"}}});
    BOOST_REQUIRE(ws->read_type("resumed"));
    auto again = ws->read_type("user-interaction");
    BOOST_REQUIRE(again);
    BOOST_TEST(str((*again)["operationId"]) == op);
    ws->send_json(boost::json::object{{"type", "user-input"}, {"operationId", op},
                                      {"fields", boost::json::object{{"pin", "1357"}}}});
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_TEST(str((*cb)["fields"].as_object()["pin"]) == "1357");
}

BOOST_AUTO_TEST_CASE(long_poll_plain_and_encrypted_input) {
    tsm_env env;
    sp_rsa_key sp_key;
    fidesmo_client c(env.tsmd->port());
    const std::string field = unique_value("lp-field");
    auto pre = sp_key.encrypt({field});
    const std::string sid = c.deliver_ok(app_id, "demo",
                                         boost::json::object{{"fields", boost::json::object{{"pin", pre.values_hex[0]}}},
                                                             {"ephemeralKey", pre.ephemeral_key_hex}});
    BOOST_REQUIRE(!sid.empty());
    auto delivery = env.sp.wait_delivery();
    BOOST_REQUIRE(delivery);
    BOOST_TEST(sp_key.decrypt(str((*delivery)["ephemeralKey"]), str((*delivery)["fields"].as_object()["pin"]))
               == field);

    // Plain.
    const std::string op = post_op(env, sid, "/user-interaction", pin_prompt);
    auto step = c.fetch_loop(sid, std::chrono::seconds(20));
    BOOST_REQUIRE_EQUAL(step.reply.status, 200);
    auto reply = step.reply.json().as_object();
    BOOST_TEST(reply["completed"] == false);
    BOOST_TEST(str(reply["operationId"]) == op);
    BOOST_TEST(str(reply["operationType"]) == "user-interaction");
    BOOST_TEST(reply["encrypted"] == false);
    const std::string pin = unique_value("lp-pin");
    boost::json::object result{{"operationId", op}, {"statusCode", 200}, {"fields", boost::json::object{{"pin", pin}}}};

    // Encrypted, queued behind it: its step comes on the fetch that answers the first.
    const std::string op2 = post_op(env, sid, "/user-interaction", secret_prompt);
    auto answered = c.fetch(sid, result, std::chrono::seconds(20));
    BOOST_REQUIRE_EQUAL(answered.status, 200);
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_TEST(str((*cb)["fields"].as_object()["pin"]) == pin);
    auto second = answered.json().as_object();
    BOOST_TEST(str(second["operationId"]) == op2);
    BOOST_TEST(second["encrypted"] == true);
    // The same body again (fdsm's retry) does not apply the first answer twice.
    const std::string secret = unique_value("lp-secret");
    auto sealed = sp_key.encrypt({secret});
    boost::json::object result2{{"operationId", op2},
                                {"statusCode", 200},
                                {"fields", boost::json::object{{"pin", sealed.values_hex[0]}}},
                                {"ephemeralKey", sealed.ephemeral_key_hex}};
    const std::string next = post_op(env, sid, "/transceive", R"({"commands":["00A4040000"]})");
    auto after = c.fetch(sid, result2, std::chrono::seconds(20));
    BOOST_REQUIRE_EQUAL(after.status, 200);
    BOOST_TEST(str(after.json().as_object()["operationId"]) == next);
    auto cb2 = env.sp.wait_callback(op2);
    BOOST_REQUIRE(cb2);
    BOOST_TEST(sp_key.decrypt(str((*cb2)["ephemeralKey"]), str((*cb2)["fields"].as_object()["pin"])) == secret);
    auto again = c.fetch(sid, result2, std::chrono::seconds(3)); // a repeat: held, nothing applied
    (void)again;
    BOOST_TEST(env.sp.callback_count(op) == 1u);
    BOOST_TEST(env.sp.callback_count(op2) == 1u);
    check_nowhere_in_clear(env, pin);
    check_nowhere_in_clear(env, secret);
    check_nowhere_in_clear(env, sealed.values_hex[0]);
}

BOOST_AUTO_TEST_CASE(long_poll_action_step) {
    tsm_env env;
    fidesmo_client c(env.tsmd->port());
    const std::string sid = c.deliver_ok(app_id, "demo");
    BOOST_REQUIRE(env.sp.wait_delivery());
    const std::string op = post_op(env, sid, "/user-action", R"({"actions":[{"name":"phonecall"}]})");
    auto step = c.fetch_loop(sid, std::chrono::seconds(20));
    BOOST_REQUIRE_EQUAL(step.reply.status, 200);
    auto reply = step.reply.json().as_object();
    BOOST_TEST(str(reply["operationType"]) == "action");
    BOOST_TEST(str(reply["actions"].as_array()[0].as_object()["name"]) == "phonecall");
    // The fetch carrying the acknowledgement is held until the next step (a transceive here).
    const std::string next = post_op(env, sid, "/transceive", R"({"commands":["00A4040000"]})");
    auto after = c.fetch(sid, boost::json::object{{"operationId", op}}, std::chrono::seconds(20));
    BOOST_REQUIRE_EQUAL(after.status, 200);
    BOOST_TEST(str(after.json().as_object()["operationId"]) == next);
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_TEST((*cb)["statusCode"].as_int64() == 200);
}

BOOST_AUTO_TEST_CASE(fidesmo_ws_cannot_prompt_and_the_session_goes_on) {
    tsm_env env;
    const std::string key = "404142434445464748494A4B4C4D4E4F";
    const std::string body = R"({"iin":"8A2C10","isd":"A000000151000000","scp":"03","kvn":48,"securityLevel":"03","enc":")"
                             + key + R"(","mac":")" + key + R"(","dek":")" + key + R"("})";
    BOOST_REQUIRE_EQUAL(http_call(env.tsmd->admin_port(), "PUT", "/admin/v1/cards/0E48800471400A", {}, body).status,
                        200);
    ws_client ws(env.tsmd->port(), "/v3/ws/apps/" + app_id + "/services/demo?cin=0E48800471400A");
    auto id = ws.read_json();
    BOOST_REQUIRE(id);
    const std::string sid = str((*id)["value"]);
    BOOST_REQUIRE(env.sp.wait_delivery());
    const std::string op = post_op(env, sid, "/user-interaction", pin_prompt);
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_TEST((*cb)["statusCode"].as_int64() == 501);
    BOOST_TEST(str((*cb)["error"].as_object()["code"]) == "not-supported-by-touch-point");
}

BOOST_AUTO_TEST_SUITE_END()
