// Recipes end to end: an app stores a recipe (PUT …/services/{id}/recipe), a touch point in each
// dialect (v1, Fidesmo long poll, Fidesmo WebSocket) asks for the service and tsmd runs the
// actions on the sandbox card by itself — no SP description or delivery request. Install by LFDB
// hash from an uploaded CAP, storedata, secure-transceive, delete; a failing action ends with failureMessage and
// scriptStatus and no later action reaches the card; the serviceResultUri gets the summary once;
// fdsm's temporary recipe (UUID service id) PUT → deliver → DELETE; a restart mid-recipe resumes.
#include "card_touch_point.hpp"
#include "fidesmo_client.hpp"
#include "tsm_env.hpp"

#include "tsm/core/hex.hpp"
#include "tsm/core/ids.hpp"
#include "tsm/sandbox/secure_element.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <thread>

using namespace tsm::test;
using tsm::core::from_hex;
using tsm::core::to_hex;

namespace {

const std::string test_key = "404142434445464748494A4B4C4D4E4F";
const std::string cin = "0E48800471400A";
const std::string hello_lfdb = "60a16fea3d7baf74dfe112abf645972d6869edee8a46f4109ce78f40d33e57b5";
const std::string hello_elf = "D0D1D2D3D4D501";
const std::string hello_module = "D0D1D2D3D4D50101";
const std::string hello_instance = "D0D1D2D3D4D5010101";
const std::string secret = "0101104A4F484E20534D49544820534543524554";

header_list auth() {
    return {{"app_id", app_id}, {"app_key", app_key}};
}

std::string read_cap(const std::string& name) {
    std::ifstream in(std::string(TSM_TEST_DATA_DIR) + "/cap/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The card in the device registry with its GP keys (the WebSocket dialect names only the CIN).
void register_card(tsm_env& env) {
    const std::string body = R"({"iin":"8A2C10","isd":"A000000151000000","scp":"03","kvn":48,)"
                             R"("securityLevel":"03","enc":")"
                             + test_key + R"(","mac":")" + test_key + R"(","dek":")" + test_key + R"("})";
    auto r = http_call(env.tsmd->admin_port(), "PUT", "/admin/v1/cards/" + cin, {}, body);
    BOOST_REQUIRE_EQUAL(r.status, 200);
}

void upload_hello(tsm_env& env) {
    auto up = http_call(env.tsmd->port(), "POST", "/v3/apps/" + app_id + "/capfiles", auth(),
                        read_cap("kaoh-helloworld.cap"));
    BOOST_REQUIRE_EQUAL(up.status, 200);
    BOOST_REQUIRE_EQUAL(str(up.json().as_object()["id"]), hello_lfdb);
}

std::string install_by_hash() {
    return R"({"endpoint":"/ccm/install","content":{"id":")" + hello_lfdb + R"(","module":")" + hello_module
           + R"(","application":")" + hello_instance + R"(","searchBy":"lfdbh","parameters":""}})";
}
std::string storedata() {
    return R"({"endpoint":"/ccm/storedata","content":{"application":")" + hello_instance
           + R"(","tagType":"DGI","data":")" + secret + R"("}})";
}
/// A command for the applet that only the secure channel may carry (the sandbox records it).
const std::string secure_command = "8001000004C0DE5EC2";
std::string secure_transceive() {
    return R"({"endpoint":"/secure-transceive","content":{"application":")" + hello_instance
           + R"(","commands":[")" + secure_command + R"("]}})";
}
std::string delete_of(const std::string& aid) {
    return R"({"endpoint":"/ccm/delete","content":{"application":")" + aid + R"(","withRelated":true}})";
}

std::string recipe_body(const std::vector<std::string>& actions, const std::string& result_uri = {}) {
    std::string body = R"({"description":{"title":{"en":"Hello applet"}},"actions":[)";
    for (std::size_t i = 0; i < actions.size(); ++i) {
        body += (i == 0 ? "" : ",") + actions[i];
    }
    body += R"(],"successMessage":{"en":"Installed"},"failureMessage":{"en":"Could not install"})";
    if (!result_uri.empty()) {
        body += R"(,"serviceResultUri":")" + result_uri + "\"";
    }
    return body + "}";
}

void put_recipe(tsm_env& env, const std::string& service, const std::string& body) {
    auto r = http_call(env.tsmd->port(), "PUT", "/v3/apps/" + app_id + "/services/" + service + "/recipe",
                       auth(), body);
    BOOST_REQUIRE_MESSAGE(r.status == 200, "PUT recipe -> " << r.status << " " << r.body);
}

http_reply delete_recipe(tsm_env& env, const std::string& service) {
    return http_call(env.tsmd->port(), "DELETE", "/v3/apps/" + app_id + "/services/" + service + "/recipe",
                     auth());
}

/// The summaries the fake SP received at the result URI (bounded wait for the first one; then a
/// pause so that a second one would have arrived).
std::vector<boost::json::object> summaries(tsm_env& env, std::size_t expect_at_least) {
    std::vector<boost::json::object> out;
    for (int i = 0; i < 100; ++i) {
        out.clear();
        for (auto& [path, body] : env.sp.callbacks()) {
            if (path.ends_with("recipe-result")) {
                out.push_back(body);
            }
        }
        if (out.size() >= expect_at_least) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    out.clear();
    for (auto& [path, body] : env.sp.callbacks()) {
        if (path.ends_with("recipe-result")) {
            out.push_back(body);
        }
    }
    return out;
}

std::string result_uri(tsm_env& env) {
    return env.callback_url("recipe-result");
}

/// A v1 touch point holding the sandbox card: asks for the service, delivers, and answers every
/// commands frame until the final status.
struct v1_touch_point {
    v1_touch_point(tsm_env& e, tsm::sandbox::secure_element& c)
        : env(e), card(c), ws(std::make_unique<ws_client>(e.tsmd->port())) {}
    tsm_env& env;
    tsm::sandbox::secure_element& card;
    std::unique_ptr<ws_client> ws;
    std::string session_id;
    std::string resume_token;
    int batches = 0;
    std::vector<std::string> operations; ///< distinct operation ids, in the order they came

    boost::json::object describe(const std::string& service) {
        ws->send_json(boost::json::object{{"type", "describe"}, {"appId", app_id}, {"serviceId", service}});
        auto d = ws->read_type("description", std::chrono::seconds(10));
        BOOST_REQUIRE(d);
        return (*d)["description"].as_object();
    }
    void deliver(const std::string& service) {
        ws->send_json(boost::json::object{
            {"type", "deliver"},
            {"appId", app_id},
            {"serviceId", service},
            {"cardId", boost::json::object{{"iin", "8A2C10"}, {"cin", cin}, {"platformVersion", 2}}}});
        auto s = ws->read_type("session", std::chrono::seconds(10));
        BOOST_REQUIRE_MESSAGE(s, "no session frame; log: " << env.tsmd->log());
        session_id = str((*s)["sessionId"]);
        resume_token = str((*s)["resumeToken"]);
    }
    /// Answers commands until the status frame, or until `stop_before_operation` commands frames
    /// of a new operation arrive (returned unanswered: nullopt status).
    std::optional<boost::json::object> run(std::size_t stop_at_operation = 1000) {
        card_touch_point tp{*ws, card, {}};
        for (int guard = 0; guard < 200; ++guard) {
            auto f = ws->read_json(std::chrono::seconds(10));
            BOOST_REQUIRE_MESSAGE(f, "no frame; log: " << env.tsmd->log());
            const std::string type = str((*f)["type"]);
            BOOST_REQUIRE_MESSAGE(type != "error", boost::json::serialize(*f));
            if (type == "status") {
                return *f;
            }
            if (type != "commands") {
                continue;
            }
            const std::string op = str((*f)["operationId"]);
            if (operations.empty() || operations.back() != op) {
                operations.push_back(op);
                if (operations.size() > stop_at_operation) {
                    return std::nullopt;
                }
            }
            ++batches;
            tp.answer(*f);
        }
        BOOST_FAIL("no final status");
        return std::nullopt;
    }
};

/// A Fidesmo WebSocket touch point holding the sandbox card.
struct ws_touch_point {
    explicit ws_touch_point(tsm::sandbox::secure_element& c) : card(c) {}
    tsm::sandbox::secure_element& card;
    std::unique_ptr<ws_client> ws;
    int batches = 0;

    boost::json::object run(tsm_env& env, const std::string& service) {
        ws = std::make_unique<ws_client>(env.tsmd->port(),
                                         "/v3/ws/apps/" + app_id + "/services/" + service + "?cin=" + cin);
        for (int guard = 0; guard < 200; ++guard) {
            auto f = ws->read_json(std::chrono::seconds(10));
            BOOST_REQUIRE_MESSAGE(f, "no frame; log: " << env.tsmd->log());
            const std::string type = str((*f)["type"]);
            if (type == "status") {
                return *f;
            }
            if (type != "commands") {
                continue;
            }
            boost::json::array responses;
            for (const auto& c : (*f)["commands"].as_array()) {
                responses.emplace_back(to_hex(card.transceive(*from_hex(str(c)))));
            }
            ++batches;
            ws->send_json(boost::json::object{{"type", "responses"}, {"responses", responses}});
        }
        BOOST_FAIL("no final status");
        return {};
    }
};

std::function<std::string(const std::string&)> sandbox(tsm::sandbox::secure_element& card) {
    return [&card](const std::string& apdu) { return to_hex(card.transceive(*from_hex(apdu))); };
}

/// fdsm's long-poll loop over a recipe delivery: every transceive step run on the card, until
/// the end. Returns the final `status` object.
boost::json::object run_long_poll(tsm_env& env, fidesmo_client& c, const std::string& sid,
                                  tsm::sandbox::secure_element& card, int* operations = nullptr) {
    for (int guard = 0; guard < 20; ++guard) {
        auto out = c.fetch_loop(sid, std::chrono::seconds(20));
        BOOST_REQUIRE_MESSAGE(out.reply.status == 200, "fetch -> " << out.reply.status << " "
                                                                   << out.reply.body
                                                                   << "; log: " << env.tsmd->log());
        auto o = out.reply.json().as_object();
        if (o["completed"] == true) {
            return o["status"].as_object();
        }
        BOOST_REQUIRE_EQUAL(str(o["operationType"]), "transceive");
        auto ex = c.run_operation(str(o["operationId"]), sandbox(card));
        BOOST_REQUIRE(ex.ended);
        if (operations != nullptr) {
            ++*operations;
        }
    }
    BOOST_FAIL("no end");
    return {};
}

} // namespace

BOOST_AUTO_TEST_SUITE(recipes)

BOOST_AUTO_TEST_CASE(v1_install_by_lfdb_hash_and_storedata_then_the_summary_once_and_no_sp_call) {
    tsm_env env;
    register_card(env);
    upload_hello(env);
    put_recipe(env, "hello", recipe_body({install_by_hash(), storedata()}, result_uri(env)));
    tsm::sandbox::secure_element card;
    v1_touch_point tp{env, card};
    auto d = tp.describe("hello");
    BOOST_CHECK_EQUAL(str(d["title"].as_object()["en"]), "Hello applet");
    tp.deliver("hello");
    auto st = tp.run();
    BOOST_REQUIRE(st);
    BOOST_CHECK_MESSAGE((*st)["success"].as_bool(), boost::json::serialize(*st));
    BOOST_CHECK_EQUAL(str((*st)["message"].as_object()["en"]), "Installed");
    BOOST_CHECK(!st->contains("scriptStatus"));
    BOOST_CHECK_EQUAL(tp.operations.size(), 2u);
    BOOST_CHECK(card.find_load_file(*from_hex(hello_elf)).has_value());
    BOOST_CHECK(card.find_application(*from_hex(hello_instance)).has_value());
    auto stored = card.personalization_data(*from_hex(hello_instance));
    BOOST_REQUIRE(stored);
    BOOST_CHECK_EQUAL(to_hex(*stored), secret);

    auto sums = summaries(env, 1);
    BOOST_REQUIRE_EQUAL(sums.size(), 1u);
    auto& s = sums[0];
    BOOST_CHECK_EQUAL(str(s["sessionId"]), tp.session_id);
    BOOST_CHECK_EQUAL(str(s["appId"]), app_id);
    BOOST_CHECK_EQUAL(str(s["serviceId"]), "hello");
    BOOST_CHECK_EQUAL(str(s["cardId"].as_object()["cin"]), cin);
    BOOST_CHECK(s["success"].as_bool());
    BOOST_REQUIRE_EQUAL(s["actions"].as_array().size(), 2u);
    BOOST_CHECK_EQUAL(str(s["actions"].as_array()[0].as_object()["endpoint"]), "/ccm/install");
    BOOST_CHECK_EQUAL(s["actions"].as_array()[1].as_object()["statusCode"].as_int64(), 200);
    // The service ran without its SP: no description or delivery request, no other callback.
    BOOST_CHECK_EQUAL(env.sp.delivery_count(), 0u);
    BOOST_CHECK_EQUAL(env.sp.callbacks().size(), 1u);
    // The ended session takes no SP call either.
    BOOST_CHECK_EQUAL(env.transceive(tp.session_id, {"00A4040000"}).status, 409);
    // The storedata data never appears in tsmd's log.
    BOOST_CHECK(env.tsmd->log().find(secret) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(v1_a_failing_action_ends_with_failure_message_and_no_later_action_runs) {
    tsm_env env;
    register_card(env);
    upload_hello(env);
    // Action 1 deletes a load file the card does not have (6A88); action 2 would personalise.
    put_recipe(env, "broken",
               recipe_body({install_by_hash(), delete_of("A0000006170001"), storedata()}, result_uri(env)));
    tsm::sandbox::secure_element card;
    v1_touch_point tp{env, card};
    tp.deliver("broken");
    auto st = tp.run();
    BOOST_REQUIRE(st);
    BOOST_CHECK(!(*st)["success"].as_bool());
    BOOST_CHECK_EQUAL(str((*st)["message"].as_object()["en"]), "Could not install");
    BOOST_REQUIRE_MESSAGE(st->contains("scriptStatus"), boost::json::serialize(*st));
    auto& ss = (*st)["scriptStatus"].as_object();
    BOOST_CHECK_EQUAL(ss["action"].as_int64(), 1);
    BOOST_CHECK_EQUAL(str(ss["endpoint"]), "/ccm/delete");
    BOOST_CHECK_EQUAL(str(ss["code"]), "card-error");
    BOOST_CHECK_EQUAL(str(ss["sw"]), "6A88");
    BOOST_CHECK_EQUAL(tp.operations.size(), 2u); // the third action never reached the touch point
    BOOST_CHECK(card.find_application(*from_hex(hello_instance)).has_value());
    BOOST_CHECK(!card.personalization_data(*from_hex(hello_instance)).has_value());
    BOOST_CHECK(summaries(env, 0).empty()); // no summary for a failed recipe
}

BOOST_AUTO_TEST_CASE(fidesmo_long_poll_runs_a_recipe_and_reports_script_status) {
    tsm_env env;
    register_card(env);
    upload_hello(env);
    put_recipe(env, "hello", recipe_body({install_by_hash(), storedata()}, result_uri(env)));
    put_recipe(env, "broken", recipe_body({delete_of("A0000006170001"), install_by_hash()}));
    tsm::sandbox::secure_element card;
    fidesmo_client c(env.tsmd->port());
    auto d = c.describe(app_id, "hello");
    BOOST_REQUIRE_EQUAL(d.status, 200);
    BOOST_CHECK(d.body.find("Hello applet") != std::string::npos);

    const std::string sid = c.deliver_ok(app_id, "hello");
    BOOST_REQUIRE(!sid.empty());
    int ops = 0;
    auto st = run_long_poll(env, c, sid, card, &ops);
    BOOST_CHECK_MESSAGE(st["success"].as_bool(), boost::json::serialize(st));
    BOOST_CHECK_EQUAL(str(st["message"].as_object()["en"]), "Installed");
    BOOST_CHECK_EQUAL(ops, 2);
    auto stored = card.personalization_data(*from_hex(hello_instance));
    BOOST_REQUIRE(stored);
    BOOST_CHECK_EQUAL(to_hex(*stored), secret);
    BOOST_CHECK_EQUAL(summaries(env, 1).size(), 1u);

    // A failing first action: the install after it never runs.
    tsm::sandbox::secure_element fresh;
    const std::string sid2 = c.deliver_ok(app_id, "broken");
    BOOST_REQUIRE(!sid2.empty());
    ops = 0;
    auto st2 = run_long_poll(env, c, sid2, fresh, &ops);
    BOOST_CHECK(!st2["success"].as_bool());
    BOOST_CHECK_EQUAL(str(st2["message"].as_object()["en"]), "Could not install");
    BOOST_REQUIRE_MESSAGE(st2.contains("scriptStatus"), boost::json::serialize(st2));
    BOOST_CHECK_EQUAL(st2["scriptStatus"].as_object()["action"].as_int64(), 0);
    BOOST_CHECK_EQUAL(str(st2["scriptStatus"].as_object()["sw"]), "6A88");
    BOOST_CHECK_EQUAL(ops, 1);
    BOOST_CHECK(!fresh.find_load_file(*from_hex(hello_elf)).has_value());
    BOOST_CHECK_EQUAL(env.sp.delivery_count(), 0u);
}

BOOST_AUTO_TEST_CASE(fidesmo_websocket_runs_a_recipe_and_names_the_failure_in_its_message) {
    tsm_env env;
    register_card(env);
    upload_hello(env);
    put_recipe(env, "hello", recipe_body({install_by_hash(), storedata()}, result_uri(env)));
    put_recipe(env, "broken", recipe_body({delete_of("A0000006170001"), install_by_hash()}));
    tsm::sandbox::secure_element card;
    ws_touch_point tp{card};
    auto st = tp.run(env, "hello");
    BOOST_CHECK_MESSAGE(str(st["code"]) == "OK", boost::json::serialize(st));
    BOOST_CHECK(card.find_application(*from_hex(hello_instance)).has_value());
    BOOST_CHECK(card.personalization_data(*from_hex(hello_instance)).has_value());
    BOOST_CHECK_EQUAL(summaries(env, 1).size(), 1u);

    tsm::sandbox::secure_element fresh;
    ws_touch_point broken{fresh};
    auto st2 = broken.run(env, "broken");
    BOOST_CHECK_EQUAL(str(st2["code"]), "FAILED");
    const std::string text = str(st2["message"]);
    BOOST_CHECK_MESSAGE(text.find("Could not install") != std::string::npos, text);
    BOOST_CHECK_MESSAGE(text.find("6A88") != std::string::npos, text);
    BOOST_CHECK(!fresh.find_load_file(*from_hex(hello_elf)).has_value());
}

BOOST_AUTO_TEST_CASE(fdsm_temporary_recipe_put_deliver_delete) {
    // fdsm --install: PUT a recipe under a fresh UUID service id, deliver it, DELETE it.
    tsm_env env;
    register_card(env);
    upload_hello(env);
    const std::string service = tsm::core::new_uuid();
    put_recipe(env, service, recipe_body({install_by_hash()}));
    auto list = http_call(env.tsmd->port(), "GET", "/v3/apps/" + app_id + "/recipe-services", auth());
    BOOST_REQUIRE_EQUAL(list.status, 200);
    BOOST_CHECK(list.body.find(service) != std::string::npos);
    tsm::sandbox::secure_element card;
    fidesmo_client c(env.tsmd->port());
    const std::string sid = c.deliver_ok(app_id, service);
    BOOST_REQUIRE(!sid.empty());
    auto st = run_long_poll(env, c, sid, card);
    BOOST_CHECK(st["success"].as_bool());
    BOOST_CHECK(card.find_application(*from_hex(hello_instance)).has_value());
    BOOST_CHECK_EQUAL(delete_recipe(env, service).status, 200);
    BOOST_CHECK_EQUAL(delete_recipe(env, service).status, 404);
    // Gone: the service is the SP's again (the fake SP does not know it either way).
    auto after = http_call(env.tsmd->port(), "GET", "/v3/apps/" + app_id + "/recipe-services", auth());
    BOOST_CHECK(after.body.find(service) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_recipe_deleted_mid_delivery_and_a_restart_mid_recipe_do_not_break_it) {
    tsm_env env;
    register_card(env);
    upload_hello(env);
    put_recipe(env, "hello", recipe_body({install_by_hash(), storedata()}, result_uri(env)));
    tsm::sandbox::secure_element card;
    v1_touch_point tp{env, card};
    tp.deliver("hello");
    BOOST_REQUIRE(!tp.run(1).has_value()); // the install ran; the storedata's first batch is here
    BOOST_CHECK(card.find_application(*from_hex(hello_instance)).has_value());
    BOOST_CHECK_EQUAL(delete_recipe(env, "hello").status, 200);
    // The running recipe's session belongs to no SP: its operations and completion are refused.
    auto op = env.transceive(tp.session_id, {"00A4040000"});
    BOOST_CHECK_EQUAL(op.status, 409);
    BOOST_CHECK_MESSAGE(op.body.find("recipe-session") != std::string::npos, op.body);
    auto done = env.complete(tp.session_id, true);
    BOOST_CHECK_EQUAL(done.status, 409);
    BOOST_CHECK_MESSAGE(done.body.find("recipe-session") != std::string::npos, done.body);

    env.restart_after_kill();
    card.reset();
    v1_touch_point again{env, card};
    again.ws->send_json(boost::json::object{{"type", "resume"},
                                            {"sessionId", tp.session_id},
                                            {"resumeToken", tp.resume_token}});
    BOOST_REQUIRE(again.ws->read_type("resumed", std::chrono::seconds(10)));
    auto st = again.run();
    BOOST_REQUIRE(st);
    BOOST_CHECK_MESSAGE((*st)["success"].as_bool(), boost::json::serialize(*st));
    BOOST_CHECK_EQUAL(again.operations.size(), 1u); // only the storedata was left
    auto stored = card.personalization_data(*from_hex(hello_instance));
    BOOST_REQUIRE(stored);
    BOOST_CHECK_EQUAL(to_hex(*stored), secret);
    BOOST_CHECK_EQUAL(summaries(env, 1).size(), 1u);
}

BOOST_AUTO_TEST_CASE(every_dialect_installs_personalises_sends_secure_commands_then_deletes) {
    // The whole life of an applet by recipes alone: install by LFDB hash, storedata and
    // secure-transceive in one recipe, delete in another, in each of the three dialects.
    tsm_env env;
    register_card(env);
    upload_hello(env);
    put_recipe(env, "hello-full",
               recipe_body({install_by_hash(), storedata(), secure_transceive()}, result_uri(env)));
    put_recipe(env, "bye", recipe_body({delete_of(hello_elf)}));
    auto installed = [](tsm::sandbox::secure_element& card, const std::string& dialect) {
        BOOST_TEST_CONTEXT(dialect) {
            BOOST_CHECK(card.find_application(*from_hex(hello_instance)).has_value());
            auto stored = card.personalization_data(*from_hex(hello_instance));
            BOOST_REQUIRE(stored);
            BOOST_CHECK_EQUAL(to_hex(*stored), secret);
            auto got = card.received_commands(*from_hex(hello_instance));
            BOOST_CHECK(std::any_of(got.begin(), got.end(),
                                    [](const auto& c) { return to_hex(c) == secure_command; }));
        }
    };
    auto deleted = [](tsm::sandbox::secure_element& card, const std::string& dialect) {
        BOOST_TEST_CONTEXT(dialect) {
            BOOST_CHECK(!card.find_application(*from_hex(hello_instance)).has_value());
            BOOST_CHECK(!card.find_load_file(*from_hex(hello_elf)).has_value());
        }
    };
    {
        tsm::sandbox::secure_element card;
        v1_touch_point tp{env, card};
        tp.deliver("hello-full");
        auto st = tp.run();
        BOOST_REQUIRE(st);
        BOOST_CHECK_MESSAGE((*st)["success"].as_bool(), boost::json::serialize(*st));
        installed(card, "v1");
        v1_touch_point bye{env, card};
        bye.deliver("bye");
        auto st2 = bye.run();
        BOOST_REQUIRE(st2);
        BOOST_CHECK_MESSAGE((*st2)["success"].as_bool(), boost::json::serialize(*st2));
        deleted(card, "v1");
    }
    {
        tsm::sandbox::secure_element card;
        fidesmo_client c(env.tsmd->port());
        auto st = run_long_poll(env, c, c.deliver_ok(app_id, "hello-full"), card);
        BOOST_CHECK_MESSAGE(st["success"].as_bool(), boost::json::serialize(st));
        installed(card, "long poll");
        auto st2 = run_long_poll(env, c, c.deliver_ok(app_id, "bye"), card);
        BOOST_CHECK_MESSAGE(st2["success"].as_bool(), boost::json::serialize(st2));
        deleted(card, "long poll");
    }
    {
        tsm::sandbox::secure_element card;
        ws_touch_point tp{card};
        auto st = tp.run(env, "hello-full");
        BOOST_CHECK_MESSAGE(str(st["code"]) == "OK", boost::json::serialize(st));
        installed(card, "websocket");
        ws_touch_point bye{card};
        auto st2 = bye.run(env, "bye");
        BOOST_CHECK_MESSAGE(str(st2["code"]) == "OK", boost::json::serialize(st2));
        deleted(card, "websocket");
    }
    BOOST_CHECK_EQUAL(summaries(env, 3).size(), 3u); // one per successful hello-full
    // The secure command never crossed a touch point in clear, nor reached tsmd's log.
    BOOST_CHECK(env.tsmd->log().find(secure_command) == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
