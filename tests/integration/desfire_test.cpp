// DESFire end to end: SP → tsmd (/desfire/ev1/*) → WebSocket touch point → the sandbox card's
// DESFire emulation (behind SELECT D2760000850100).
#include "card_touch_point.hpp"
#include "file_scan.hpp"
#include "tsm_env.hpp"

#include "tsm/core/desfire/authentication.hpp"
#include "tsm/core/desfire/crypto.hpp"
#include "tsm/core/hex.hpp"
#include "tsm/sandbox/secure_element.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace tsm::test;
using tsm::core::from_hex;
using tsm::core::to_hex;

namespace {

const std::string cin = "0E48800471400A"; // the card tsm_env::deliver announces
const std::string picc_key = "00112233445566778899AABBCCDDEEFF";
// Application keys: none of them may ever cross the touch point in clear.
const std::string app_key0 = "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF";
const std::string app_key1 = "B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF";

/// A sandbox card whose PICC master key is the AES key `key`.
tsm::sandbox::secure_element make_card(const std::string& key = picc_key) {
    auto cfg = tsm::sandbox::secure_element_config::with_test_keys();
    cfg.desfire.picc_master_key = {tsm::core::desfire::key_type::aes,
                                   *tsm::core::gp::secret_key::from_hex(key), 0};
    return tsm::sandbox::secure_element(std::move(cfg));
}

/// GetApplicationIDs asked of the card directly (PICC level; the default PICC key settings allow
/// listing without authentication), as API AIDs ("F1A2B3").
std::vector<std::string> card_aids(tsm::sandbox::secure_element& card) {
    card.reset();
    BOOST_REQUIRE(to_hex(card.transceive(*from_hex("00A4040007D276000085010000"))).ends_with("9000"));
    std::string data;
    std::string r = card.transceive(*from_hex("906A000000"));
    for (int guard = 0; guard < 10; ++guard) {
        BOOST_REQUIRE(r.size() >= 2 && static_cast<unsigned char>(r[r.size() - 2]) == 0x91);
        data += r.substr(0, r.size() - 2);
        if (static_cast<unsigned char>(r.back()) != 0xAF) {
            break;
        }
        r = card.transceive(*from_hex("90AF000000"));
    }
    BOOST_REQUIRE_EQUAL(static_cast<unsigned char>(r.back()), 0x00);
    BOOST_REQUIRE_EQUAL(data.size() % 3, 0U);
    std::vector<std::string> aids;
    for (std::size_t i = 0; i < data.size(); i += 3) {
        const std::string lsb_first = data.substr(i, 3);
        aids.push_back(to_hex(std::string(lsb_first.rbegin(), lsb_first.rend())));
    }
    card.reset();
    return aids;
}

/// ISO-wraps a native DESFire command: 90 INS 00 00 [Lc data] 00.
std::string wrap(const std::string& native) {
    std::string apdu = std::string("\x90", 1) + native[0] + std::string(2, '\0');
    if (native.size() > 1) {
        apdu += static_cast<char>(native.size() - 1);
        apdu += native.substr(1);
    }
    return apdu + std::string(1, '\0');
}

/// Whether AES key `key_no` of application `aid` (API spelling) is `key_hex` on the card:
/// SelectApplication then AuthenticateAES run directly against the card.
bool authenticates(tsm::sandbox::secure_element& card, const std::string& aid, std::uint8_t key_no,
                   const std::string& key_hex) {
    namespace desfire = tsm::core::desfire;
    card.reset();
    BOOST_REQUIRE(to_hex(card.transceive(*from_hex("00A4040007D276000085010000"))).ends_with("9000"));
    const std::string aid_bytes = *from_hex(aid);
    std::string select(1, '\x5A'); // SelectApplication, AID LSB first
    select.append(aid_bytes.rbegin(), aid_bytes.rend());
    BOOST_REQUIRE_EQUAL(to_hex(card.transceive(wrap(select))), "9100");
    desfire::desfire_key key{desfire::key_type::aes, *tsm::core::gp::secret_key::from_hex(key_hex), 0};
    desfire::host_authentication auth(std::move(key), key_no, *from_hex("0102030405060708090A0B0C0D0E0F10"));
    std::string r = card.transceive(wrap(auth.command()));
    bool ok = false;
    if (r.size() > 2 && to_hex(r.substr(r.size() - 2)) == "91AF") {
        auto token = auth.answer(r.substr(0, r.size() - 2));
        BOOST_REQUIRE(token.has_value());
        r = card.transceive(wrap(*token));
        ok = r.size() > 2 && to_hex(r.substr(r.size() - 2)) == "9100"
             && auth.finish(r.substr(0, r.size() - 2)).has_value();
    }
    card.reset();
    return ok;
}

/// Whether the card has application `aid`: asked with GetApplicationIDs, and checked against the
/// sandbox's own state.
bool card_has(tsm::sandbox::secure_element& card, const std::string& aid) {
    const auto aids = card_aids(card);
    const bool listed = std::find(aids.begin(), aids.end(), aid) != aids.end();
    BOOST_CHECK_EQUAL(listed, card.desfire_application(std::stoul(aid, nullptr, 16)).has_value());
    return listed;
}

void put_desfire_key(tsm_env& env, const std::string& key, const std::string& type = "AES") {
    const std::string body =
        R"({"desfire":{"keyType":")" + type + R"(","key":")" + key + R"(","version":0}})";
    auto r = http_call(env.tsmd->admin_port(), "PUT", "/admin/v1/cards/" + cin, {}, body);
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.status << " " << r.body);
}

std::string post_op(tsm_env& env, const std::string& session, const std::string& path,
                    const std::string& body, const std::string& method = "POST") {
    auto r =
        http_call(env.tsmd->port(), method, path, env.sp_headers(session, env.callback_url(session)), body);
    BOOST_REQUIRE_MESSAGE(r.status == 200, path << " -> " << r.status << " " << r.body);
    return str(r.json().as_object()["operationId"]);
}

std::string create_app_body(const std::string& aid, bool with_keys) {
    std::string body = R"({"aid":")" + aid + R"(","keySettings":"0F","numberOfKeys":2,"keyType":"AES")";
    if (with_keys) {
        body += R"(,"keys":[")" + app_key0 + R"(",")" + app_key1 + R"("],"keyVersion":1)";
    }
    return body + "}";
}

boost::json::object run_op(tsm_env& env, card_touch_point& tp, const std::string& op, int* rounds = nullptr) {
    const int n = tp.run_until_done(env.sp, op);
    if (rounds != nullptr) {
        *rounds = n;
    }
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE_MESSAGE(cb, "no callback for " << op);
    return *cb;
}

} // namespace

BOOST_AUTO_TEST_SUITE(desfire)

BOOST_AUTO_TEST_CASE(create_app_with_keys_write_read_a_file_and_delete_it_on_the_sandbox_card) {
    tsm_env env;
    put_desfire_key(env, picc_key);
    auto card = make_card();
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    card_touch_point tp{ws, card, {}};

    // createApp with two AES keys (PUT works as well as POST).
    std::string op =
        post_op(env, s.session_id, "/desfire/ev1/createApp", create_app_body("F1A2B3", true), "PUT");
    // Accepted means durable: the operation is on disk, its application keys only sealed.
    const std::string data_dir = env.store_files();
    BOOST_CHECK(tree_contains(data_dir, "desfire-create-app")); // the record is there...
    for (const auto& k : {app_key0, app_key1}) {
        BOOST_CHECK_MESSAGE(!tree_contains(data_dir, *from_hex(k)), "an application key stored in clear");
        BOOST_CHECK(!tree_contains(data_dir, k));
    }
    int rounds = 0;
    auto cb = run_op(env, tp, op, &rounds);
    BOOST_REQUIRE_MESSAGE(cb["statusCode"].as_int64() == 200, boost::json::serialize(cb));
    // SELECT + SelectApplication + Authenticate, its answer, CreateApplication + SelectApplication
    // + Authenticate(key 0), its answer, ChangeKey x 2.
    BOOST_CHECK_EQUAL(rounds, 5);
    BOOST_CHECK(card_has(card, "F1A2B3"));
    BOOST_CHECK(cb["responses"].is_array());

    // Plaintext application keys never crossed the touch point (ChangeKey sends them enciphered).
    for (const auto& f : tp.frames_seen) {
        for (const auto& k : {app_key0, app_key1, picc_key}) {
            BOOST_CHECK_MESSAGE(f.find(k) == std::string::npos, "a key in clear at the touch point");
            BOOST_CHECK_MESSAGE(f.find(k.substr(4, 16)) == std::string::npos,
                                "part of a key at the touch point");
        }
    }
    // The application's keys are the SP's now: both authenticate, the default key 0 no longer does.
    BOOST_CHECK(authenticates(card, "F1A2B3", 0, app_key0));
    BOOST_CHECK(authenticates(card, "F1A2B3", 1, app_key1));
    BOOST_CHECK(!authenticates(card, "F1A2B3", 0, "00000000000000000000000000000000"));

    // commands: a standard data file (plain, free access), written and read back.
    const std::string data = "48656C6C6F2C2044455346697265210A"; // 16 bytes
    card.reset();
    op = post_op(env, s.session_id, "/desfire/ev1/commands",
                 R"({"aid":"F1A2B3","commands":["CD0100EEEE200000","3D01000000100000)" + data
                     + R"(","BD01000000100000"]})");
    cb = run_op(env, tp, op, &rounds);
    BOOST_REQUIRE_MESSAGE(cb["statusCode"].as_int64() == 200, boost::json::serialize(cb));
    BOOST_CHECK_EQUAL(rounds, 2); // CreateStdDataFile with the selects; WriteData + ReadData
    auto& responses = cb["responses"].as_array();
    BOOST_REQUIRE_EQUAL(responses.size(), 3U);
    BOOST_CHECK_EQUAL(str(responses[0]), "9100");
    BOOST_CHECK_EQUAL(str(responses[1]), "9100");
    BOOST_CHECK_EQUAL(str(responses[2]), data + "9100");

    // deleteApp: the card no longer lists it.
    card.reset();
    cb =
        run_op(env, tp, post_op(env, s.session_id, "/desfire/ev1/deleteApp", R"({"aid":"F1A2B3"})"), &rounds);
    BOOST_REQUIRE_MESSAGE(cb["statusCode"].as_int64() == 200, boost::json::serialize(cb));
    BOOST_CHECK_EQUAL(rounds, 3);
    BOOST_CHECK(!card_has(card, "F1A2B3"));
    BOOST_CHECK_EQUAL(env.complete(s.session_id, true).status, 200);

    // Keys are never logged.
    const std::string log = env.tsmd->log();
    for (const auto& k : {app_key0, app_key1, picc_key}) {
        BOOST_CHECK(log.find(k) == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(a_wrong_picc_key_reports_authentication_failed_and_creates_nothing) {
    tsm_env env;
    put_desfire_key(env, "000102030405060708090A0B0C0D0E0F"); // not the card's PICC key
    auto card = make_card();
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    card_touch_point tp{ws, card, {}};
    int rounds = 0;
    auto cb =
        run_op(env, tp, post_op(env, s.session_id, "/desfire/ev1/createApp", create_app_body("F1A2B3", true)),
               &rounds);
    BOOST_CHECK_EQUAL(cb["statusCode"].as_int64(), 500);
    BOOST_CHECK_LE(rounds, 2);
    auto& e = cb["error"].as_object();
    BOOST_CHECK_EQUAL(str(e["code"]), "authentication-failed");
    BOOST_CHECK(!str(e["message"]).empty());
    // Nothing after the failed authentication: no CreateApplication (90 CA) went out.
    for (const auto& f : tp.frames_seen) {
        BOOST_CHECK(f.find("\"90CA") == std::string::npos);
    }
    BOOST_CHECK(!card_has(card, "F1A2B3"));
}

BOOST_AUTO_TEST_CASE(a_duplicate_aid_reports_the_desfire_status) {
    tsm_env env;
    put_desfire_key(env, picc_key);
    auto card = make_card();
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    card_touch_point tp{ws, card, {}};
    auto cb = run_op(env, tp,
                     post_op(env, s.session_id, "/desfire/ev1/createApp", create_app_body("123456", false)));
    BOOST_REQUIRE_MESSAGE(cb["statusCode"].as_int64() == 200, boost::json::serialize(cb));
    card.reset();
    cb = run_op(env, tp,
                post_op(env, s.session_id, "/desfire/ev1/createApp", create_app_body("123456", false)));
    BOOST_CHECK_EQUAL(cb["statusCode"].as_int64(), 500);
    auto& e = cb["error"].as_object();
    BOOST_CHECK_EQUAL(str(e["code"]), "desfire-error");
    BOOST_CHECK_EQUAL(str(e["command"]), "CreateApplication");
    BOOST_CHECK_EQUAL(str(e["status"]), "DE");
    BOOST_CHECK_EQUAL(str(e["message"]), "duplicate application");
    BOOST_CHECK(!e.contains("sw"));
}

BOOST_AUTO_TEST_CASE(a_card_removed_mid_operation_fails_it) {
    tsm_env env;
    put_desfire_key(env, picc_key);
    auto card = make_card();
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    card_touch_point tp{ws, card, {}};
    std::string op = post_op(env, s.session_id, "/desfire/ev1/createApp", create_app_body("F1A2B3", true));
    // The first round trip (authentication challenge) is answered, then the card is gone.
    auto f = ws.read_type("commands", std::chrono::seconds(5));
    BOOST_REQUIRE(f);
    tp.answer(*f);
    BOOST_REQUIRE(ws.read_type("commands", std::chrono::seconds(5)));
    ws.send(R"({"type":"status","code":"CLIENT_ERROR","message":"card removed"})");
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 500);
    BOOST_CHECK_EQUAL(str((*cb)["error"].as_object()["code"]), "client-error");
    BOOST_CHECK_EQUAL(str((*cb)["error"].as_object()["message"]), "card removed");
    BOOST_CHECK(!card_has(card, "F1A2B3"));
}

BOOST_AUTO_TEST_CASE(bad_bodies_are_refused_and_nothing_is_stored) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    auto bad = [&](const std::string& path, const std::string& body, const std::string& field) {
        auto r =
            http_call(env.tsmd->port(), "POST", path, env.sp_headers(s.session_id, env.callback_url()), body);
        BOOST_CHECK_MESSAGE(r.status == 400, path << " " << body << " -> " << r.status);
        auto j = r.json();
        BOOST_REQUIRE(j.is_object());
        const std::string message = str(j.as_object()["error"].as_object()["message"]);
        BOOST_CHECK_MESSAGE(message.find(field) != std::string::npos,
                            body << ": '" << message << "' does not name " << field);
        // Key material is never echoed back.
        BOOST_CHECK(message.find(app_key0) == std::string::npos);
    };
    const std::string create = "/desfire/ev1/createApp";
    bad(create, "not json", "JSON");
    bad(create, "[]", "object");
    bad(create, R"({"keySettings":"0F","numberOfKeys":1,"keyType":"AES"})", "aid");
    bad(create, R"({"aid":"F1A2","keySettings":"0F","numberOfKeys":1,"keyType":"AES"})", "aid");
    bad(create, R"({"aid":"F1A2B3ZZ","keySettings":"0F","numberOfKeys":1,"keyType":"AES"})", "aid");
    bad(create, R"({"aid":7,"keySettings":"0F","numberOfKeys":1,"keyType":"AES"})", "aid");
    bad(create, R"({"aid":"F1A2B3","keySettings":"0F0F","numberOfKeys":1,"keyType":"AES"})", "keySettings");
    bad(create, R"({"aid":"F1A2B3","numberOfKeys":1,"keyType":"AES"})", "keySettings");
    bad(create, R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":0,"keyType":"AES"})", "numberOfKeys");
    bad(create, R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":15,"keyType":"AES"})", "numberOfKeys");
    bad(create, R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":"2","keyType":"AES"})", "numberOfKeys");
    bad(create, R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":2,"keyType":"RSA"})", "keyType");
    bad(create, R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":2})", "keyType");
    bad(create, R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":2,"keyType":"AES","isoFileId":"E1"})",
        "isoFileId");
    bad(create, R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":2,"keyType":"AES","isoDfName":"XY"})",
        "isoDfName");
    bad(create,
        R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":2,"keyType":"AES","isoDfName":"000102030405060708090A0B0C0D0E0F10"})",
        "isoDfName");
    bad(create,
        R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":2,"keyType":"AES","keys":[")" + app_key0
            + R"("]})",
        "keys");
    bad(create, R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":1,"keyType":"AES","keys":["0011"]})",
        "keys");
    bad(create,
        R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":1,"keyType":"3K3DES","keys":[")" + app_key0
            + R"("]})",
        "keys");
    bad(create, R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":1,"keyType":"AES","keys":"00"})",
        "keys");
    bad(create,
        R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":1,"keyType":"AES","keys":[")" + app_key0
            + R"("],"keyVersion":256})",
        "keyVersion");
    const std::string commands = "/desfire/ev1/commands";
    bad(commands, R"({"commands":["6A"]})", "aid");
    bad(commands, R"({"aid":"F1A2B3"})", "commands");
    bad(commands, R"({"aid":"F1A2B3","commands":[]})", "commands");
    bad(commands, R"({"aid":"F1A2B3","commands":["6A",""]})", "commands");
    bad(commands, R"({"aid":"F1A2B3","commands":["XX"]})", "commands");
    bad(commands, R"({"aid":"F1A2B3","commands":"6A"})", "commands");
    bad("/desfire/ev1/deleteApp", R"({})", "aid");
    bad("/desfire/ev1/deleteApp", R"({"aid":"1234567"})", "aid");

    // Other methods and paths.
    auto get = http_call(env.tsmd->port(), "GET", "/desfire/ev1/createApp",
                         env.sp_headers(s.session_id, env.callback_url()));
    BOOST_CHECK_EQUAL(get.status, 405);
    auto other = http_call(env.tsmd->port(), "POST", "/desfire/ev1/formatPicc",
                           env.sp_headers(s.session_id, env.callback_url()), "{}");
    BOOST_CHECK_EQUAL(other.status, 404);
    auto unauth = http_call(env.tsmd->port(), "POST", create, {{"sessionId", s.session_id}},
                            create_app_body("F1A2B3", true));
    BOOST_CHECK_EQUAL(unauth.status, 401);

    // Nothing was stored: no operation reached the touch point, no callback was sent.
    require_no_frame_pending(ws, std::chrono::milliseconds(300));
    BOOST_CHECK(env.sp.callbacks().empty());
}

BOOST_AUTO_TEST_CASE(create_and_delete_need_a_picc_key_commands_do_not) {
    tsm_env env;
    auto card = make_card();
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    card_touch_point tp{ws, card, {}};
    // No DESFire key registered for the card or its IIN: 412, no APDU sent.
    for (const auto& [path, body] :
         {std::pair<std::string, std::string>{"/desfire/ev1/createApp", create_app_body("F1A2B3", true)},
          {"/desfire/ev1/deleteApp", R"({"aid":"F1A2B3"})"}}) {
        std::string op = post_op(env, s.session_id, path, body);
        auto cb = env.sp.wait_callback(op);
        BOOST_REQUIRE(cb);
        BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 412);
        BOOST_CHECK_EQUAL(str((*cb)["error"].as_object()["code"]), "no-card-keys");
    }
    require_no_frame_pending(ws, std::chrono::milliseconds(200));
    // commands run without any key; a missing application is the card's answer (A0).
    auto cb =
        run_op(env, tp,
               post_op(env, s.session_id, "/desfire/ev1/commands", R"({"aid":"F1A2B3","commands":["6F"]})"));
    BOOST_CHECK_EQUAL(cb["statusCode"].as_int64(), 500);
    auto& e = cb["error"].as_object();
    BOOST_CHECK_EQUAL(str(e["code"]), "desfire-error");
    BOOST_CHECK_EQUAL(str(e["command"]), "SelectApplication");
    BOOST_CHECK_EQUAL(str(e["status"]), "A0");
}

BOOST_AUTO_TEST_CASE(the_default_sandbox_card_takes_its_des_picc_key_and_3k3des_application_keys) {
    // The card as tsm-touchpoint --card virtual runs it: PICC master key DES 00 x 8.
    tsm_env env;
    put_desfire_key(env, "0000000000000000", "DES");
    tsm::sandbox::secure_element card;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    card_touch_point tp{ws, card, {}};
    const std::vector<std::string> keys = {"101112131415161718191A1B1C1D1E1F2021222324252627",
                                           "303132333435363738393A3B3C3D3E3F4041424344454647",
                                           "505152535455565758595A5B5C5D5E5F6061626364656667"};
    const std::string body =
        R"({"aid":"0A0B0C","keySettings":"0F","numberOfKeys":3,"keyType":"3K3DES","isoFileId":"E110",)"
        R"("isoDfName":"D2760000850101","keys":[")"
        + keys[0] + R"(",")" + keys[1] + R"(",")" + keys[2] + R"("]})";
    int rounds = 0;
    auto cb = run_op(env, tp, post_op(env, s.session_id, "/desfire/ev1/createApp", body), &rounds);
    BOOST_REQUIRE_MESSAGE(cb["statusCode"].as_int64() == 200, boost::json::serialize(cb));
    BOOST_CHECK_EQUAL(rounds, 5);
    auto app = card.desfire_application(0x0A0B0C);
    BOOST_REQUIRE(app);
    BOOST_CHECK(app->iso_file_id == std::optional<std::uint16_t>(0xE110));
    BOOST_CHECK_EQUAL(to_hex(app->iso_df_name), "D2760000850101");
    BOOST_REQUIRE_EQUAL(app->keys.size(), 3U);
    for (std::size_t i = 0; i < keys.size(); ++i) {
        BOOST_CHECK(app->keys[i].type == tsm::core::desfire::key_type::tdes3);
        BOOST_CHECK_EQUAL(to_hex(app->keys[i].value.view()), keys[i]);
    }
    for (const auto& f : tp.frames_seen) {
        for (const auto& k : keys) {
            BOOST_CHECK(f.find(k.substr(8, 16)) == std::string::npos);
        }
    }
    card.reset();
    cb = run_op(env, tp, post_op(env, s.session_id, "/desfire/ev1/deleteApp", R"({"aid":"0A0B0C"})"));
    BOOST_CHECK_MESSAGE(cb["statusCode"].as_int64() == 200, boost::json::serialize(cb));
    BOOST_CHECK(!card_has(card, "0A0B0C"));
}

BOOST_AUTO_TEST_CASE(an_iin_master_key_is_diversified_per_card_with_an10922) {
    namespace desfire = tsm::core::desfire;
    tsm_env env;
    const std::string master_hex = "F0E1D2C3B4A5968778695A4B3C2D1E0F";
    const std::string system_id = "4F70656E54534D"; // "OpenTSM"
    // M = CIN || 000000 (the PICC AID) || system identifier.
    auto master = *tsm::core::gp::secret_key::from_hex(master_hex);
    auto card_key =
        desfire::diversify_an10922(desfire::key_type::aes, master, *from_hex(cin + "000000" + system_id));
    BOOST_REQUIRE(card_key.has_value());
    auto card = make_card(to_hex(card_key->view()));
    auto put =
        http_call(env.tsmd->admin_port(), "PUT", "/admin/v1/iins/8A2C", {},
                  R"({"desfire":{"keyType":"AES","key":")" + master_hex
                      + R"(","diversification":"an10922","systemIdentifier":")" + system_id + R"("}})");
    BOOST_REQUIRE_MESSAGE(put.status == 200, put.status << " " << put.body);
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws); // iin 8A2C, cin 0E48800471400A: no card record
    card_touch_point tp{ws, card, {}};
    auto cb = run_op(env, tp,
                     post_op(env, s.session_id, "/desfire/ev1/createApp", create_app_body("ABCDEF", false)));
    BOOST_CHECK_MESSAGE(cb["statusCode"].as_int64() == 200, boost::json::serialize(cb));
    BOOST_CHECK(card_has(card, "ABCDEF"));
}

BOOST_AUTO_TEST_SUITE_END()
