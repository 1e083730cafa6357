// The Fidesmo WebSocket dialect end to end, as fdsm's `--run ws://…` speaks it: real tsmd, the
// fake SP, a WebSocket client that opens the delivery URL, never speaks first, runs every command
// of each batch on the sandbox card whatever its status word and answers in lower-case hex.
#include "tsm_env.hpp"

#include "tsm/core/hex.hpp"
#include "tsm/sandbox/secure_element.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <memory>

using namespace tsm::test;
using tsm::core::from_hex;
using tsm::core::to_hex;

namespace {

const std::string test_key = "404142434445464748494A4B4C4D4E4F";
const std::string cin = "0E48800471400A";

std::string delivery_url(const std::string& service = "demo", const std::string& device = cin) {
    return "/v3/ws/apps/" + app_id + "/services/" + service + "?cin=" + device;
}

/// Registers the card in the device registry (with its GP keys, as the CCM services need).
void register_device(tsm_env& env) {
    const std::string body = R"({"iin":"8A2C10","isd":"A000000151000000","scp":"03","kvn":48,)"
                             R"("securityLevel":"03","enc":")"
                             + test_key + R"(","mac":")" + test_key + R"(","dek":")" + test_key + R"("})";
    auto r = http_call(env.tsmd->admin_port(), "PUT", "/admin/v1/cards/" + cin, {}, body);
    BOOST_REQUIRE_EQUAL(r.status, 200);
}

std::string read_cap(const std::string& name) {
    std::ifstream in(std::string(TSM_TEST_DATA_DIR) + "/cap/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string post_op(tsm_env& env, const std::string& session, const std::string& path,
                    const std::string& body) {
    auto r =
        http_call(env.tsmd->port(), "POST", path, env.sp_headers(session, env.callback_url(session)), body);
    BOOST_REQUIRE_MESSAGE(r.status == 200, path << " -> " << r.status << " " << r.body);
    return str(r.json().as_object()["operationId"]);
}

/// A Fidesmo WebSocket touch point holding the sandbox card.
struct fidesmo_ws_client {
    std::unique_ptr<ws_client> ws;
    tsm::sandbox::secure_element card;
    std::string session_id;
    std::vector<std::string> frames;                 ///< every server frame, as text
    std::vector<std::vector<std::string>> exchanges; ///< per commands frame: the card's answers
    std::optional<boost::json::object> status;       ///< the final status frame, once read

    /// Opens `target` and reads the id frame; the SP then has the delivery request.
    void open(tsm_env& env, const std::string& target) {
        ws = std::make_unique<ws_client>(env.tsmd->port(), target);
        auto id = next();
        BOOST_REQUIRE_MESSAGE(id, "no frame after the upgrade");
        BOOST_REQUIRE_MESSAGE(str((*id)["type"]) == "id", boost::json::serialize(*id));
        session_id = str((*id)["value"]);
        auto delivery = env.sp.wait_delivery();
        BOOST_REQUIRE_MESSAGE(delivery, "the SP got no delivery request");
        BOOST_REQUIRE_EQUAL(str((*delivery)["sessionId"]), session_id);
    }

    std::optional<boost::json::object> next(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        auto text = ws->read(timeout);
        if (!text) {
            return std::nullopt;
        }
        frames.push_back(*text);
        auto v = boost::json::parse(*text);
        BOOST_REQUIRE(v.is_object());
        return v.as_object();
    }

    /// Runs every command of a commands frame on the card and answers with all the responses.
    void answer(const boost::json::object& f) {
        BOOST_REQUIRE(!f.contains("batch"));
        BOOST_REQUIRE(!f.contains("stopOnError"));
        boost::json::array responses;
        std::vector<std::string> answers;
        for (const auto& c : f.at("commands").as_array()) {
            answers.push_back(to_hex(card.transceive(*from_hex(str(c)))));
            responses.emplace_back(lower(answers.back()));
        }
        exchanges.push_back(std::move(answers));
        ws->send_json(boost::json::object{{"type", "responses"}, {"responses", responses}});
    }

    /// Answers commands frames until the SP has the callback of `op` (bounded: 40 polls of up to
    /// 5 s); returns the round trips it took.
    int run_until_done(fake_sp& sp, const std::string& op) {
        int rounds = 0;
        for (int guard = 0; guard < 40; ++guard) {
            if (sp.wait_callback(op, std::chrono::milliseconds(50))) {
                return rounds;
            }
            auto f = next();
            if (!f) {
                continue;
            }
            if (str((*f)["type"]) == "status") {
                status = *f;
                return rounds;
            }
            BOOST_REQUIRE_MESSAGE(str((*f)["type"]) == "commands", boost::json::serialize(*f));
            ++rounds;
            answer(*f);
        }
        return rounds;
    }

    /// Reads up to the final status and the server's close.
    boost::json::object wait_status() {
        for (int guard = 0; guard < 20 && !status; ++guard) {
            auto f = next();
            if (f && str((*f)["type"]) == "status") {
                status = *f;
            }
        }
        BOOST_REQUIRE_MESSAGE(status, "no status frame");
        BOOST_CHECK(!ws->read(std::chrono::seconds(5))); // then the close
        BOOST_CHECK(ws->closed());
        BOOST_CHECK_EQUAL(ws->close_code(), 1000u);
        return *status;
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(fidesmo_ws)

BOOST_AUTO_TEST_CASE(a_transceive_service_runs_end_to_end) {
    tsm_env env;
    register_device(env);
    fidesmo_ws_client tp;
    tp.open(env, delivery_url() + "&color=blue");
    const std::string op = env.transceive_ok(tp.session_id, {"00A4040000", "80CA9F7F00"});
    BOOST_CHECK_EQUAL(tp.run_until_done(env.sp, op), 1);
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 200);
    const auto& responses = (*cb)["responses"].as_array();
    BOOST_REQUIRE_EQUAL(responses.size(), 2u);
    BOOST_REQUIRE_EQUAL(tp.exchanges.size(), 1u);
    BOOST_CHECK_EQUAL(str(responses[0]), tp.exchanges[0][0]); // the card's answers, upper case
    BOOST_CHECK_EQUAL(str(responses[1]), tp.exchanges[0][1]);
    BOOST_CHECK_EQUAL(env.complete(tp.session_id, true, "Delivered").status, 200);
    const auto status = tp.wait_status();
    BOOST_CHECK_EQUAL(str(status.at("code")), "OK");
    BOOST_CHECK_EQUAL(str(status.at("message")), "Delivered");
    // One delivery request for the one session.
    BOOST_CHECK_EQUAL(env.sp.delivery_count(), 1u);
}

BOOST_AUTO_TEST_CASE(the_delivery_request_carries_the_registry_device_and_the_url_fields) {
    tsm_env env;
    register_device(env);
    auto ws = std::make_unique<ws_client>(env.tsmd->port(),
                                          "/ws/apps/" + app_id + "/services/demo?cin=" + lower(cin) + "&n=7");
    auto id = ws->read_json(std::chrono::seconds(10));
    BOOST_REQUIRE(id);
    BOOST_CHECK_EQUAL(str((*id)["type"]), "id");
    auto delivery = env.sp.wait_delivery();
    BOOST_REQUIRE(delivery);
    BOOST_CHECK_EQUAL(str((*delivery)["sessionId"]), str((*id)["value"]));
    auto& card = (*delivery)["cardId"].as_object();
    BOOST_CHECK_EQUAL(str(card["cin"]), cin);
    BOOST_CHECK_EQUAL(str(card["iin"]), "8A2C10");
    BOOST_CHECK_EQUAL(str((*delivery)["fields"].as_object()["n"]), "7");
}

BOOST_AUTO_TEST_CASE(a_ccm_install_with_load_and_a_storedata_keep_the_secure_channel) {
    tsm_env env;
    register_device(env);
    auto up = http_call(env.tsmd->port(), "POST", "/v3/apps/" + app_id + "/capfiles",
                        {{"app_id", app_id}, {"app_key", app_key}}, read_cap("kaoh-helloworld.cap"));
    BOOST_REQUIRE_EQUAL(up.status, 200);
    fidesmo_ws_client tp;
    tp.open(env, delivery_url());

    std::string op = post_op(
        env, tp.session_id, "/ccm/install",
        R"({"executableLoadFile":"D0D1D2D3D4D501","executableModule":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101"})");
    // One round trip more than v1: the script goes out in parts that end at INSTALL [for load].
    BOOST_CHECK_EQUAL(tp.run_until_done(env.sp, op), 3);
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_MESSAGE((*cb)["statusCode"].as_int64() == 200, boost::json::serialize(*cb));
    BOOST_CHECK(tp.card.find_load_file(*from_hex("D0D1D2D3D4D501")).has_value());
    BOOST_CHECK(tp.card.find_application(*from_hex("D0D1D2D3D4D5010101")).has_value());
    tp.card.reset();

    // Personalization data crosses the touch point only encrypted.
    const std::string secret = "0101104A4F484E20534D49544820534543524554";
    const std::size_t before = tp.frames.size();
    op = post_op(env, tp.session_id, "/ccm/storedata",
                 R"({"application":"D0D1D2D3D4D5010101","tagType":"DGI","data":")" + secret + R"("})");
    BOOST_CHECK_GE(tp.run_until_done(env.sp, op), 2);
    cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_MESSAGE((*cb)["statusCode"].as_int64() == 200, boost::json::serialize(*cb));
    auto stored = tp.card.personalization_data(*from_hex("D0D1D2D3D4D5010101"));
    BOOST_REQUIRE(stored);
    BOOST_CHECK_EQUAL(to_hex(*stored), secret);
    BOOST_CHECK_GT(tp.frames.size(), before);
    for (const auto& f : tp.frames) {
        BOOST_CHECK_MESSAGE(f.find(secret) == std::string::npos, "plaintext seen at the touch point");
        BOOST_CHECK(f.find(secret.substr(8, 16)) == std::string::npos);
        BOOST_CHECK(lower(f).find(lower(secret.substr(8, 16))) == std::string::npos);
    }
    BOOST_CHECK_EQUAL(env.complete(tp.session_id, true).status, 200);
    BOOST_CHECK_EQUAL(str(tp.wait_status().at("code")), "OK");
}

BOOST_AUTO_TEST_CASE(a_failing_command_mid_script_is_reported_by_name_and_sw) {
    tsm_env env;
    register_device(env);
    fidesmo_ws_client tp;
    tp.open(env, delivery_url());
    // No such application: INSTALL [for personalization] fails, and the client still runs the
    // STORE DATA behind it in the same batch.
    const std::string op =
        post_op(env, tp.session_id, "/ccm/storedata",
                R"({"application":"A00000061700010101","tagType":"DGI","data":"0101021122"})");
    tp.run_until_done(env.sp, op);
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_NE((*cb)["statusCode"].as_int64(), 200);
    auto& e = (*cb)["error"].as_object();
    BOOST_CHECK_EQUAL(str(e["code"]), "card-error");
    BOOST_CHECK_EQUAL(str(e["command"]), "INSTALL [for personalization]");
    BOOST_CHECK_EQUAL(str(e["sw"]), "6A88");
    // The client answered every command of the batch that failed, the ones after the failure too.
    BOOST_REQUIRE(!tp.exchanges.empty());
    const auto& last = tp.exchanges.back();
    BOOST_CHECK_GE(last.size(), 2u);
    BOOST_CHECK(
        std::any_of(last.begin(), last.end(), [](const std::string& r) { return r.ends_with("6A88"); }));
    BOOST_CHECK(!last.back().ends_with("6A88")); // a later command's answer came back as well
    // The session goes on: the SP can still end it.
    BOOST_CHECK_EQUAL(env.complete(tp.session_id, false, "Failed").status, 200);
    const auto status = tp.wait_status();
    BOOST_CHECK_EQUAL(str(status.at("code")), "FAILED");
    BOOST_CHECK_EQUAL(str(status.at("message")), "Failed");
}

BOOST_AUTO_TEST_CASE(an_unknown_device_gets_a_status_and_a_close_and_no_session) {
    tsm_env env;
    ws_client ws(env.tsmd->port(), delivery_url("demo", "01020304050607"));
    auto status = ws.read_json(std::chrono::seconds(10));
    BOOST_REQUIRE(status);
    BOOST_CHECK_EQUAL(str((*status)["type"]), "status");
    BOOST_CHECK_EQUAL(str((*status)["code"]), "UNKNOWN_DEVICE");
    BOOST_CHECK(!str((*status)["message"]).empty());
    BOOST_CHECK(!ws.read(std::chrono::seconds(5)));
    BOOST_CHECK(ws.closed());
    BOOST_CHECK_EQUAL(ws.close_code(), 1000u);
    BOOST_CHECK_EQUAL(env.sp.delivery_count(), 0u);

    // A URL without cin: refused the same way.
    ws_client bad(env.tsmd->port(), "/v3/ws/apps/" + app_id + "/services/demo");
    auto refused = bad.read_json(std::chrono::seconds(10));
    BOOST_REQUIRE(refused);
    BOOST_CHECK_EQUAL(str((*refused)["code"]), "BAD_REQUEST");
    BOOST_CHECK(!bad.read(std::chrono::seconds(5)));
    BOOST_CHECK_EQUAL(bad.close_code(), 1000u);
}

BOOST_AUTO_TEST_CASE(client_error_fails_the_session_with_failure_callbacks) {
    tsm_env env;
    register_device(env);
    fidesmo_ws_client tp;
    tp.open(env, delivery_url());
    const std::string running = env.transceive_ok(tp.session_id, {"00A4040000"});
    const std::string queued = env.transceive_ok(tp.session_id, {"80CA9F7F00"});
    auto commands = tp.next();
    BOOST_REQUIRE(commands);
    BOOST_REQUIRE_EQUAL(str((*commands)["type"]), "commands");
    tp.ws->send(R"({"type":"status","code":"CLIENT_ERROR","message":"card removed"})");
    for (const auto& op : {running, queued}) {
        auto cb = env.sp.wait_callback(op);
        BOOST_REQUIRE_MESSAGE(cb, "no callback for " << op);
        BOOST_CHECK_NE((*cb)["statusCode"].as_int64(), 200);
        BOOST_CHECK_EQUAL(str((*cb)["error"].as_object()["code"]), "client-error");
    }
    BOOST_CHECK_EQUAL(str(tp.wait_status().at("code")), "FAILED");
    // The session has ended for the SP too.
    BOOST_CHECK_EQUAL(env.complete(tp.session_id, true).status, 409);
}

BOOST_AUTO_TEST_CASE(a_frame_out_of_protocol_closes_with_1002) {
    tsm_env env;
    register_device(env);
    fidesmo_ws_client tp;
    tp.open(env, delivery_url());
    tp.ws->send(R"({"type":"commands","commands":[]})");
    auto status = tp.next();
    BOOST_REQUIRE(status);
    BOOST_CHECK_EQUAL(str((*status)["type"]), "status");
    BOOST_CHECK_EQUAL(str((*status)["code"]), "BAD_REQUEST");
    BOOST_CHECK(!tp.ws->read(std::chrono::seconds(5)));
    BOOST_CHECK_EQUAL(tp.ws->close_code(), 1002u);
}

BOOST_AUTO_TEST_CASE(more_answers_than_commands_end_the_exchange_and_fail_the_session_at_once) {
    tsm_env env;
    register_device(env);
    fidesmo_ws_client tp;
    tp.open(env, delivery_url());
    const std::string running = env.transceive_ok(tp.session_id, {"00A4040000"});
    const std::string queued = env.transceive_ok(tp.session_id, {"80CA9F7F00"});
    auto commands = tp.next();
    BOOST_REQUIRE(commands);
    BOOST_REQUIRE_EQUAL(str((*commands)["type"]), "commands");
    BOOST_REQUIRE_EQUAL((*commands)["commands"].as_array().size(), 1u);
    tp.ws->send(R"({"type":"responses","responses":["9000","9000"]})");
    // The server's status frame ends the exchange for the client, which closes and goes away.
    const auto status = tp.wait_status();
    BOOST_CHECK_EQUAL(str(status.at("code")), "BAD_REQUEST");
    // The SP hears at once (its session would otherwise only expire, 15 minutes later).
    for (const auto& op : {running, queued}) {
        auto cb = env.sp.wait_callback(op, std::chrono::seconds(10));
        BOOST_REQUIRE_MESSAGE(cb, "no callback for " << op);
        BOOST_CHECK_NE((*cb)["statusCode"].as_int64(), 200);
        auto& e = (*cb)["error"].as_object();
        BOOST_CHECK_EQUAL(str(e["code"]), "client-error");
        BOOST_CHECK_MESSAGE(str(e["message"]).find("the server ended the exchange") != std::string::npos,
                            str(e["message"]));
    }
    BOOST_CHECK_EQUAL(env.complete(tp.session_id, true).status, 409);
}

BOOST_AUTO_TEST_SUITE_END()
