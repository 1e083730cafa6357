// /secure-transceive end to end: SP -> tsmd -> WebSocket touch point -> sandbox secure element.
// The sandbox card verifies the C-MACs, removes C-DEC and records what reached each application
// (received_commands); the touch point's frames, tsmd's log and its database never hold the
// SP's commands in clear.
#include "card_touch_point.hpp"
#include "file_scan.hpp"
#include "tsm_env.hpp"

#include "tsm/core/hex.hpp"
#include "tsm/sandbox/secure_element.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>

using namespace tsm::test;
using tsm::core::from_hex;
using tsm::core::to_hex;

namespace {

const std::string test_key = "404142434445464748494A4B4C4D4E4F";
const std::string cin = "0E48800471400A";
const std::string instance = "D0D1D2D3D4D5010101";
// "SECURE-TRANSCEIVE-SECRET" in a proprietary command's data.
const std::string secret = "5345435552452D5452414E5343454956452D534543524554";
const std::string secret_command = "80100000" + to_hex(std::string(1, char(secret.size() / 2))) + secret;

std::string read_cap(const std::string& name) {
    std::ifstream in(std::string(TSM_TEST_DATA_DIR) + "/cap/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void put_card_keys(tsm_env& env, const std::string& level) {
    const std::string body =
        R"({"iin":"8A2C10","isd":"A000000151000000","scp":"03","kvn":48,"securityLevel":")" + level
        + R"(","enc":")" + test_key + R"(","mac":")" + test_key + R"(","dek":")" + test_key + R"("})";
    auto r = http_call(env.tsmd->admin_port(), "PUT", "/admin/v1/cards/" + cin, {}, body);
    BOOST_REQUIRE_EQUAL(r.status, 200);
}

std::string post_op(tsm_env& env, const std::string& session, const std::string& path,
                    const std::string& body) {
    auto r =
        http_call(env.tsmd->port(), "POST", path, env.sp_headers(session, env.callback_url(session)), body);
    BOOST_REQUIRE_MESSAGE(r.status == 200, path << " -> " << r.status << " " << r.body);
    return str(r.json().as_object()["operationId"]);
}

void install_helloworld(tsm_env& env, const std::string& session, card_touch_point& tp) {
    auto up = http_call(env.tsmd->port(), "POST", "/v3/apps/" + app_id + "/capfiles",
                        {{"app_id", app_id}, {"app_key", app_key}}, read_cap("kaoh-helloworld.cap"));
    BOOST_REQUIRE_EQUAL(up.status, 200);
    std::string op =
        post_op(env, session, "/ccm/install",
                R"({"executableLoadFile":"D0D1D2D3D4D501","executableModule":"D0D1D2D3D4D50101",)"
                R"("application":")"
                    + instance + R"("})");
    tp.run_until_done(env.sp, op);
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_REQUIRE_MESSAGE((*cb)["statusCode"].as_int64() == 200, boost::json::serialize(*cb));
}

bool frames_hold(const card_touch_point& tp, const std::string& hex) {
    const std::string lower = boost::algorithm::to_lower_copy(hex);
    for (const auto& f : tp.frames_seen) {
        for (std::size_t off = 0; off + 16 <= hex.size(); off += 2) {
            if (f.find(hex.substr(off, 16)) != std::string::npos
                || f.find(lower.substr(off, 16)) != std::string::npos) {
                return true;
            }
        }
    }
    return false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(secure_transceive)

BOOST_AUTO_TEST_CASE(commands_reach_the_application_and_never_cross_the_touch_point_in_clear) {
    for (const std::string level : {"03", "33"}) {
        BOOST_TEST_CONTEXT("level " << level) {
            tsm_env env;
            put_card_keys(env, level);
            tsm::sandbox::secure_element card;
            ws_client ws(env.tsmd->port());
            auto s = env.deliver(ws);
            card_touch_point tp{ws, card, {}};
            install_helloworld(env, s.session_id, tp);
            card.reset();

            tp.frames_seen.clear();
            std::string op = post_op(env, s.session_id, "/secure-transceive",
                                     R"({"application":")" + instance + R"(","commands":[")" + secret_command
                                         + R"(","80CA00FE00"]})");
            BOOST_CHECK_EQUAL(tp.run_until_done(env.sp, op), 2); // SELECT+INIT UPDATE, then the rest
            auto cb = env.sp.wait_callback(op);
            BOOST_REQUIRE(cb);
            BOOST_CHECK_MESSAGE((*cb)["statusCode"].as_int64() == 200, boost::json::serialize(*cb));
            BOOST_CHECK((*cb)["responses"].as_array().empty()); // no answers relayed, as Fidesmo

            const auto got = card.received_commands(*from_hex(instance));
            BOOST_REQUIRE_EQUAL(got.size(), 2u);
            BOOST_CHECK_EQUAL(to_hex(got[0]), secret_command);
            BOOST_CHECK_EQUAL(to_hex(got[1]), "80CA00FE00");
            BOOST_CHECK_EQUAL(card.security_level(), std::stoi(level, nullptr, 16));
            BOOST_CHECK(!frames_hold(tp, secret));
            BOOST_CHECK_EQUAL(env.complete(s.session_id, true).status, 200);

            // Stored sealed, never logged.
            const std::string log = env.tsmd->log();
            BOOST_REQUIRE_EQUAL(env.tsmd->terminate(), 0);
            const std::string db = env.dir.path() + "/data/db";
            BOOST_CHECK(!tree_contains(db, secret));
            BOOST_CHECK(!tree_contains(db, *from_hex(secret)));
            BOOST_CHECK(log.find(secret) == std::string::npos);
            BOOST_CHECK(log.find(boost::algorithm::to_lower_copy(secret)) == std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(commands_for_the_isd_run_in_the_isd) {
    tsm_env env;
    put_card_keys(env, "03");
    tsm::sandbox::secure_element card;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    card_touch_point tp{ws, card, {}};
    std::string op = post_op(env, s.session_id, "/secure-transceive",
                             R"({"application":"A000000151000000","commands":["80CA006600"]})");
    tp.run_until_done(env.sp, op);
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_MESSAGE((*cb)["statusCode"].as_int64() == 200, boost::json::serialize(*cb));
    const auto got = card.received_commands(*from_hex("A000000151000000"));
    BOOST_REQUIRE(!got.empty());
    BOOST_CHECK_EQUAL(to_hex(got.back()), "80CA006600");
    BOOST_CHECK(tp.frames_seen.size() == 2u);
    BOOST_CHECK(tp.frames_seen[1].find("84E620") == std::string::npos); // no INSTALL [for perso]
}

BOOST_AUTO_TEST_CASE(card_errors_name_the_failing_command) {
    tsm_env env;
    put_card_keys(env, "03");
    tsm::sandbox::secure_element card;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    card_touch_point tp{ws, card, {}};
    auto error_of = [&](const std::string& body) {
        std::string op = post_op(env, s.session_id, "/secure-transceive", body);
        tp.run_until_done(env.sp, op);
        auto cb = env.sp.wait_callback(op);
        BOOST_REQUIRE(cb);
        card.reset();
        return (*cb)["error"].as_object();
    };
    // An application the card does not have: INSTALL [for personalization] answers 6A88.
    auto e = error_of(R"({"application":")" + instance + R"(","commands":["80CA00FE00"]})");
    BOOST_CHECK_EQUAL(str(e["code"]), "card-error");
    BOOST_CHECK_EQUAL(str(e["command"]), "INSTALL [for personalization]");
    BOOST_CHECK_EQUAL(str(e["sw"]), "6A88");
    // The ISD does not know INS 10: the second command fails, named by its index.
    e = error_of(R"({"application":"A000000151000000","commands":["80CA006600",")" + secret_command
                 + R"("]})");
    BOOST_CHECK_EQUAL(str(e["code"]), "card-error");
    BOOST_CHECK_EQUAL(str(e["command"]), "commands[1]");
    BOOST_CHECK_EQUAL(str(e["sw"]), "6D00");
}

BOOST_AUTO_TEST_CASE(bad_requests_are_refused_before_anything_is_queued) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    auto refused = [&](const std::string& body, const std::string& words) {
        auto r = http_call(env.tsmd->port(), "POST", "/secure-transceive",
                           env.sp_headers(s.session_id, env.callback_url()), body);
        BOOST_CHECK_MESSAGE(r.status == 400, body << " -> " << r.status);
        BOOST_CHECK_MESSAGE(r.body.find(words) != std::string::npos, r.body << " lacks " << words);
    };
    refused(R"({"commands":["80CA006600"]})", "application is required");
    refused(R"({"application":"A000","commands":["80CA006600"]})", "application must be an AID");
    refused(R"({"application":"A000000151000000"})", "missing commands");
    refused(R"({"application":"A000000151000000","commands":[]})", "commands must not be empty");
    refused(R"({"application":"A000000151000000","commands":["80CA","80CA006600"]})", "commands[0]");
    refused(R"({"application":"A000000151000000","commands":["80CA006600","84CA006600"]})",
            "commands[1]: CLA 84 already has secure messaging bits");
    refused(R"({"application":"A000000151000000","commands":["zz"]})", "commands");
    require_no_frame_pending(ws, std::chrono::milliseconds(200));
}

BOOST_AUTO_TEST_SUITE_END()
