// Card content management end to end: SP → tsmd → WebSocket touch point → sandbox secure element.
#include "card_touch_point.hpp"
#include "file_scan.hpp"
#include "tsm_env.hpp"

#include "tsm/core/gp/initialize_update.hpp"
#include "tsm/core/gp/key_diversification.hpp"
#include "tsm/core/gp/scp03.hpp"
#include "tsm/core/gp/scp03_session.hpp"
#include "tsm/core/hex.hpp"
#include "tsm/sandbox/secure_element.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>

using namespace tsm::test;
using tsm::core::from_hex;
using tsm::core::to_hex;

namespace {

const std::string test_key = "404142434445464748494A4B4C4D4E4F";
const std::string cin = "0E48800471400A";

std::string read_cap(const std::string& name) {
    std::ifstream in(std::string(TSM_TEST_DATA_DIR) + "/cap/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

header_list auth() {
    return {{"app_id", app_id}, {"app_key", app_key}};
}

/// GET STATUS run on the card directly over a fresh SCP03 channel (as a second host would):
/// the status word for applications (P1 40) and for load files (P1 20).
std::pair<std::string, std::string> card_get_status(tsm::sandbox::secure_element& card) {
    namespace gp = tsm::core::gp;
    card.reset();
    BOOST_REQUIRE(to_hex(card.transceive(*from_hex("00A4040008A00000015100000000"))).ends_with("9000"));
    const std::string challenge = *from_hex("0011223344556677");
    auto iu = card.transceive(*gp::initialize_update_command(0x30, challenge));
    auto parsed = gp::parse_scp03_init_response(std::string_view(iu).substr(0, iu.size() - 2));
    BOOST_REQUIRE(parsed.has_value());
    auto k = *gp::secret_key::from_hex(test_key);
    gp::static_keys keys{k, k, k};
    auto session = gp::scp03_session::open(keys, challenge, *parsed, 0x01);
    BOOST_REQUIRE(session.has_value());
    BOOST_REQUIRE(to_hex(card.transceive(*session->external_authenticate())).ends_with("9000"));
    auto sw = [&](const std::string& cmd) {
        auto w = session->wrap(*from_hex(cmd));
        BOOST_REQUIRE(w.has_value());
        return to_hex(card.transceive(w->apdu));
    };
    const std::string apps = sw("80F24002024F0000");
    const std::string files = sw("80F22002024F0000");
    card.reset();
    return {apps.substr(apps.size() - 4), files.substr(files.size() - 4)};
}

std::string put_card_keys(tsm_env& env, const std::string& key, const std::string& level = "03") {
    const std::string body =
        R"({"iin":"8A2C10","isd":"A000000151000000","scp":"03","kvn":48,"securityLevel":")" + level
        + R"(","enc":")" + key + R"(","mac":")" + key + R"(","dek":")" + key + R"("})";
    auto r = http_call(env.tsmd->admin_port(), "PUT", "/admin/v1/cards/" + cin, {}, body);
    BOOST_REQUIRE_EQUAL(r.status, 200);
    return r.body;
}

std::string post_op(tsm_env& env, const std::string& session, const std::string& path,
                    const std::string& body) {
    auto r =
        http_call(env.tsmd->port(), "POST", path, env.sp_headers(session, env.callback_url(session)), body);
    BOOST_REQUIRE_MESSAGE(r.status == 200, path << " -> " << r.status << " " << r.body);
    return str(r.json().as_object()["operationId"]);
}

} // namespace

BOOST_AUTO_TEST_SUITE(ccm)

BOOST_AUTO_TEST_CASE(install_personalize_and_delete_on_the_sandbox_card) {
    tsm_env env;
    put_card_keys(env, test_key);
    for (const char* cap : {"kaoh-helloworld.cap", "gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap"}) {
        auto up =
            http_call(env.tsmd->port(), "POST", "/v3/apps/" + app_id + "/capfiles", auth(), read_cap(cap));
        BOOST_REQUIRE_EQUAL(up.status, 200);
    }
    tsm::sandbox::secure_element card;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    card_touch_point tp{ws, card, {}};

    struct applet {
        std::string elf, module, instance;
    };
    for (const applet& a : {applet{"D0D1D2D3D4D501", "D0D1D2D3D4D50101", "D0D1D2D3D4D5010101"},
                            applet{"0102030405", "0102030405060708", "010203040506070801"}}) {
        std::string op =
            post_op(env, s.session_id, "/ccm/install",
                    R"({"executableLoadFile":")" + a.elf + R"(","executableModule":")" + a.module
                        + R"(","application":")" + a.instance + R"(","parameters":"","privileges":"00"})");
        const int rounds = tp.run_until_done(env.sp, op);
        auto cb = env.sp.wait_callback(op);
        BOOST_REQUIRE(cb);
        BOOST_CHECK_MESSAGE((*cb)["statusCode"].as_int64() == 200, boost::json::serialize(*cb));
        BOOST_CHECK_EQUAL(rounds, 2); // an install with its load: two round trips
        BOOST_CHECK(card.find_load_file(*from_hex(a.elf)).has_value());
        BOOST_CHECK(card.find_application(*from_hex(a.instance)).has_value());

        // The new instance answers SELECT.
        std::string sel =
            env.transceive_ok(s.session_id, {"00A40400" + to_hex(std::string(1, char(a.instance.size() / 2)))
                                             + a.instance + "00"});
        tp.run_until_done(env.sp, sel);
        auto sel_cb = env.sp.wait_callback(sel);
        BOOST_REQUIRE(sel_cb);
        BOOST_CHECK(str((*sel_cb)["responses"].as_array()[0]).ends_with("9000"));
        card.reset();
    }

    // Personalization data crosses the touch point only encrypted.
    const std::string secret = "0101104A4F484E20534D49544820534543524554";
    tp.frames_seen.clear();
    std::string op =
        post_op(env, s.session_id, "/ccm/storedata",
                R"({"application":"D0D1D2D3D4D5010101","tagType":"DGI","data":")" + secret + R"("})");
    BOOST_CHECK_EQUAL(tp.run_until_done(env.sp, op), 2);
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 200);
    auto stored = card.personalization_data(*from_hex("D0D1D2D3D4D5010101"));
    BOOST_REQUIRE(stored);
    BOOST_CHECK_EQUAL(to_hex(*stored), secret);
    for (const auto& f : tp.frames_seen) {
        BOOST_CHECK_MESSAGE(f.find(secret) == std::string::npos, "plaintext seen at the touch point");
        BOOST_CHECK(f.find(secret.substr(8, 16)) == std::string::npos);
    }
    card.reset();

    // Before the delete GET STATUS lists them (so the 6A88 below means something).
    BOOST_CHECK_EQUAL(card_get_status(card).first, "9000");
    BOOST_CHECK_EQUAL(card_get_status(card).second, "9000");

    // Delete each load file with its related objects: the card has neither left.
    for (const std::string elf : {"D0D1D2D3D4D501", "0102030405"}) {
        std::string del = post_op(env, s.session_id, "/ccm/delete",
                                  R"({"application":")" + elf + R"(","withRelated":true})");
        BOOST_CHECK_EQUAL(tp.run_until_done(env.sp, del), 2);
        auto dcb = env.sp.wait_callback(del);
        BOOST_REQUIRE(dcb);
        BOOST_CHECK_EQUAL((*dcb)["statusCode"].as_int64(), 200);
        card.reset();
    }
    BOOST_CHECK(card.load_files().empty());
    // GET STATUS, asked of the card itself, finds neither applications nor load files.
    const auto [apps_sw, files_sw] = card_get_status(card);
    BOOST_CHECK_EQUAL(apps_sw, "6A88");
    BOOST_CHECK_EQUAL(files_sw, "6A88");
    BOOST_CHECK(!card.find_application(*from_hex("D0D1D2D3D4D5010101")));
    BOOST_CHECK(!card.find_application(*from_hex("010203040506070801")));
    BOOST_CHECK_EQUAL(env.complete(s.session_id, true).status, 200);

    // The personalization data was stored sealed (ccm.md §7.6): neither the database (tables,
    // WAL) nor the log holds it, in hex or binary.
    const std::string log = env.tsmd->log();
    BOOST_REQUIRE_EQUAL(env.tsmd->terminate(), 0);
    const std::string db = env.store_files();
    BOOST_CHECK(!tree_contains(db, secret));
    BOOST_CHECK(!tree_contains(db, *from_hex(secret)));
    BOOST_CHECK(!tree_contains(db, from_hex(secret)->substr(3))); // the value without its DGI header
    BOOST_CHECK(log.find(secret) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(response_mac_and_encryption_level_works_end_to_end) {
    tsm_env env;
    put_card_keys(env, test_key, "33"); // C-MAC, C-DEC, R-MAC, R-ENC
    BOOST_REQUIRE_EQUAL(http_call(env.tsmd->port(), "POST", "/v3/apps/" + app_id + "/capfiles", auth(),
                                  read_cap("kaoh-helloworld.cap"))
                            .status,
                        200);
    tsm::sandbox::secure_element card;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    card_touch_point tp{ws, card, {}};
    std::string op = post_op(
        env, s.session_id, "/ccm/install",
        R"({"executableLoadFile":"D0D1D2D3D4D501","executableModule":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101"})");
    tp.run_until_done(env.sp, op);
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_MESSAGE((*cb)["statusCode"].as_int64() == 200, boost::json::serialize(*cb));
    BOOST_CHECK_EQUAL(card.security_level(), 0x33);
    BOOST_CHECK(card.find_application(*from_hex("D0D1D2D3D4D5010101")).has_value());
}

BOOST_AUTO_TEST_CASE(iin_master_keys_are_diversified_per_card_from_its_kdd) {
    namespace gp = tsm::core::gp;
    tsm_env env;
    // Master keys for the IIN; the card holds keys diversified with KDF3 from its own KDD.
    const std::string master_hex = "00112233445566778899AABBCCDDEEFF";
    auto cfg = tsm::sandbox::secure_element_config::with_test_keys();
    const std::string kdd = *from_hex("0102030405060708090A");
    cfg.kdd = kdd;
    auto master = *gp::secret_key::from_hex(master_hex);
    auto card_keys = gp::diversify_keys(master, gp::diversification::kdf3, kdd);
    BOOST_REQUIRE(card_keys.has_value());
    for (auto& set : cfg.scp03) {
        set.keys = *card_keys;
    }
    tsm::sandbox::secure_element card(cfg);
    auto put =
        http_call(env.tsmd->admin_port(), "PUT", "/admin/v1/iins/8A2C", {},
                  R"({"isd":"A000000151000000","scp":"03","kvn":48,"diversification":"kdf3","enc":")"
                      + master_hex + R"(","mac":")" + master_hex + R"(","dek":")" + master_hex + R"("})");
    BOOST_REQUIRE_EQUAL(put.status, 200);
    BOOST_REQUIRE_EQUAL(http_call(env.tsmd->port(), "POST", "/v3/apps/" + app_id + "/capfiles", auth(),
                                  read_cap("kaoh-helloworld.cap"))
                            .status,
                        200);
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws); // cardId iin 8A2C, cin 0E48800471400A: no keys for this CIN
    card_touch_point tp{ws, card, {}};
    std::string op = post_op(
        env, s.session_id, "/ccm/install",
        R"({"executableLoadFile":"D0D1D2D3D4D501","executableModule":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101"})");
    tp.run_until_done(env.sp, op);
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_MESSAGE((*cb)["statusCode"].as_int64() == 200, boost::json::serialize(*cb));
    BOOST_CHECK(card.find_application(*from_hex("D0D1D2D3D4D5010101")).has_value());
}

BOOST_AUTO_TEST_CASE(wrong_card_keys_fail_cleanly_before_external_authenticate) {
    tsm_env env;
    put_card_keys(env, "000102030405060708090A0B0C0D0E0F"); // not the card's keys
    tsm::sandbox::secure_element card;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    card_touch_point tp{ws, card, {}};
    std::string op =
        post_op(env, s.session_id, "/ccm/delete", R"({"application":"D0D1D2D3D4D501","withRelated":true})");
    BOOST_CHECK_EQUAL(tp.run_until_done(env.sp, op), 1); // only SELECT + INITIALIZE UPDATE went out
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_NE((*cb)["statusCode"].as_int64(), 200);
    BOOST_CHECK_EQUAL(str((*cb)["error"].as_object()["code"]), "authentication-failed");
    BOOST_CHECK(!str((*cb)["error"].as_object()["message"]).empty());
    for (const auto& f : tp.frames_seen) {
        BOOST_CHECK(f.find("\"8482") == std::string::npos); // no EXTERNAL AUTHENTICATE
    }
}

BOOST_AUTO_TEST_CASE(card_errors_name_the_command_and_status_word) {
    tsm_env env;
    put_card_keys(env, test_key);
    tsm::sandbox::secure_element card;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    card_touch_point tp{ws, card, {}};
    // No load file uploaded and none on the card: INSTALL [for install] cannot find it.
    std::string op = post_op(
        env, s.session_id, "/ccm/install",
        R"({"executableLoadFile":"A0000006170001","executableModule":"A000000617000101","application":"A00000061700010101"})");
    tp.run_until_done(env.sp, op);
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    auto& e = (*cb)["error"].as_object();
    BOOST_CHECK_EQUAL(str(e["code"]), "card-error");
    BOOST_CHECK_EQUAL(str(e["command"]), "INSTALL [for install]");
    BOOST_CHECK_EQUAL(str(e["sw"]), "6A88");
}

BOOST_AUTO_TEST_CASE(ccm_requests_are_validated_and_card_keys_required) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    auto bad = [&](const std::string& path, const std::string& body) {
        auto r =
            http_call(env.tsmd->port(), "POST", path, env.sp_headers(s.session_id, env.callback_url()), body);
        BOOST_CHECK_MESSAGE(r.status == 400, path << " " << body << " -> " << r.status);
    };
    bad("/ccm/install",
        R"({"executableLoadFile":"D0D1","executableModule":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101"})");
    bad("/ccm/install", R"({"executableModule":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101"})");
    bad("/ccm/install",
        R"({"executableLoadFile":"D0D1D2D3D4D501","executableModule":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101","privileges":"ZZ"})");
    bad("/ccm/delete", R"({"withRelated":true})");
    bad("/ccm/delete", R"({"application":"D0D1D2D3D4D501","withRelated":"yes"})");
    bad("/ccm/storedata", R"({"application":"D0D1D2D3D4D5010101","tagType":"XML","data":"00"})");
    bad("/ccm/storedata", R"({"application":"D0D1D2D3D4D5010101","tagType":"DGI"})");
    // A card without registered keys: the operation fails with a clear error, no APDU sent.
    std::string op = post_op(env, s.session_id, "/ccm/delete", R"({"application":"D0D1D2D3D4D501"})");
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL(str((*cb)["error"].as_object()["code"]), "no-card-keys");
    require_no_frame_pending(ws, std::chrono::milliseconds(200));
}

BOOST_AUTO_TEST_CASE(storedata_beyond_256_blocks_is_data_too_large) {
    tsm_env env;
    put_card_keys(env, test_key);
    tsm::sandbox::secure_element card;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    card_touch_point tp{ws, card, {}};
    // 257 blocks of 239 bytes (ccm.md §3.3) and then some.
    const std::string data = to_hex(std::string(257 * 239 + 100, '\x5A'));
    std::string op =
        post_op(env, s.session_id, "/ccm/storedata",
                R"({"application":"D0D1D2D3D4D5010101","tagType":"DGI","data":")" + data + R"("})");
    BOOST_CHECK_EQUAL(tp.run_until_done(env.sp, op), 1); // checked after round 1, before anything else
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 413);
    BOOST_CHECK_EQUAL(str((*cb)["error"].as_object()["code"]), "data-too-large");
    BOOST_CHECK(!str((*cb)["error"].as_object()["message"]).empty());
    for (const auto& f : tp.frames_seen) {
        BOOST_CHECK(f.find("\"8482") == std::string::npos); // no EXTERNAL AUTHENTICATE
    }
}

BOOST_AUTO_TEST_SUITE_END()
