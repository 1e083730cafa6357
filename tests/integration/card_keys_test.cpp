// Card keys through the admin API: validated, sealed at rest, never returned.
#include "card_touch_point.hpp"
#include "child_process.hpp"
#include "file_scan.hpp"
#include "tsm_env.hpp"

#include "tsm/core/gp/static_keys.hpp"
#include "tsm/core/hex.hpp"
#include "tsm/sandbox/secure_element.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>

using namespace tsm::test;

namespace {

// Random-looking (incompressible) test keys, so a plaintext copy would be visible on disk.
const std::string enc = "3C9A1F0E8D7B6A5948372615F4E3D2C1";
const std::string mac = "A1B2C3D4E5F60718293A4B5C6D7E8F90";
const std::string dek = "0F1E2D3C4B5A69788796A5B4C3D2E1F0";

std::string card_body(const std::string& scp = "03") {
    return R"({"iin":"8A2C10","isd":"A000000151000000","scp":")" + scp + R"(","kvn":48,"enc":")" + enc
           + R"(","mac":")" + mac + R"(","dek":")" + dek + R"("})";
}

// DESFire PICC master keys (also incompressible): AES 16, 3K3DES 24, 2K3DES 16, DES 8 bytes.
const std::string df_aes = "5E1B9C3A7D20F4866B0C2E9A41D7F358";
const std::string df_3k = "9D2E61B04A7C38F5E1D6A0B327C94F8E1B5D03A6C7E9F214";

std::string desfire_object(const std::string& type, const std::string& key, const std::string& extra = {}) {
    return R"("desfire":{"keyType":")" + type + R"(","key":")" + key + R"(","version":7)" + extra + "}";
}

/// A sandbox card whose SCP03 key set (kvn 30 = 48) holds enc, mac and dek: card_body()'s keys.
tsm::sandbox::secure_element card_with_body_keys() {
    namespace gp = tsm::core::gp;
    auto cfg = tsm::sandbox::secure_element_config::with_test_keys();
    for (auto& set : cfg.scp03) {
        set.keys = gp::static_keys{*gp::secret_key::from_hex(enc), *gp::secret_key::from_hex(mac),
                                   *gp::secret_key::from_hex(dek)};
    }
    return tsm::sandbox::secure_element(std::move(cfg));
}

std::string read_cap(const std::string& name) {
    std::ifstream in(std::string(TSM_TEST_DATA_DIR) + "/cap/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// POSTs a CCM operation for `session` and returns its operation id.
std::string post_ccm(tsm_env& env, const std::string& session, const std::string& path,
                     const std::string& body) {
    auto r =
        http_call(env.tsmd->port(), "POST", path, env.sp_headers(session, env.callback_url(session)), body);
    BOOST_REQUIRE_MESSAGE(r.status == 200, path << " -> " << r.status << " " << r.body);
    return str(r.json().as_object()["operationId"]);
}

} // namespace

BOOST_AUTO_TEST_SUITE(card_keys)

BOOST_AUTO_TEST_CASE(card_keys_are_stored_sealed_and_never_returned) {
    tsm_env env;
    const auto port = env.tsmd->admin_port();
    auto put = http_call(port, "PUT", "/admin/v1/cards/0e48800471400a", {}, card_body());
    BOOST_REQUIRE_EQUAL(put.status, 200);
    auto got = http_call(port, "GET", "/admin/v1/cards/0E48800471400A");
    BOOST_CHECK_EQUAL(got.status, 200);
    auto j = got.json().as_object();
    BOOST_CHECK_EQUAL(str(j["cin"]), "0E48800471400A");
    BOOST_CHECK_EQUAL(str(j["isd"]), "A000000151000000");
    BOOST_CHECK_EQUAL(str(j["scp"]), "03");
    BOOST_CHECK_EQUAL(j["kvn"].as_int64(), 48);
    BOOST_CHECK_EQUAL(str(j["securityLevel"]), "03");
    for (const auto& k : {enc, mac, dek}) {
        BOOST_CHECK(got.body.find(k) == std::string::npos);
        BOOST_CHECK(put.body.find(k) == std::string::npos);
    }
    // Neither the database nor the log holds a key in clear (hex or binary).
    const std::string log = env.tsmd->log();
    env.tsmd->terminate();
    for (const auto& k : {enc, mac, dek}) {
        BOOST_CHECK(log.find(k) == std::string::npos);
        BOOST_CHECK(!tree_contains(env.dir.path() + "/data/db", k));
        BOOST_CHECK(!tree_contains(env.dir.path() + "/data/db", *tsm::core::from_hex(k)));
    }
    // They survive a restart: the KEK in the data dir opens them again, so a real card
    // operation authenticates with them (GET alone never opens the keys).
    env.start();
    BOOST_CHECK_EQUAL(http_call(env.tsmd->admin_port(), "GET", "/admin/v1/cards/0E48800471400A").status, 200);
    BOOST_REQUIRE_EQUAL(http_call(env.tsmd->port(), "POST", "/v3/apps/" + app_id + "/capfiles",
                                  {{"app_id", app_id}, {"app_key", app_key}}, read_cap("kaoh-helloworld.cap"))
                            .status,
                        200);
    {
        auto card = card_with_body_keys();
        ws_client ws(env.tsmd->port());
        auto s = env.deliver(ws);
        card_touch_point tp{ws, card, {}};
        const std::string install = post_ccm(
            env, s.session_id, "/ccm/install",
            R"({"executableLoadFile":"D0D1D2D3D4D501","executableModule":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101"})");
        tp.run_until_done(env.sp, install);
        auto icb = env.sp.wait_callback(install);
        BOOST_REQUIRE(icb);
        BOOST_CHECK_MESSAGE((*icb)["statusCode"].as_int64() == 200, boost::json::serialize(*icb));
        BOOST_CHECK(card.find_application(*tsm::core::from_hex("D0D1D2D3D4D5010101")).has_value());
        card.reset();
        const std::string del = post_ccm(env, s.session_id, "/ccm/delete",
                                         R"({"application":"D0D1D2D3D4D501","withRelated":true})");
        tp.run_until_done(env.sp, del);
        auto dcb = env.sp.wait_callback(del);
        BOOST_REQUIRE(dcb);
        BOOST_CHECK_MESSAGE((*dcb)["statusCode"].as_int64() == 200, boost::json::serialize(*dcb));
        BOOST_CHECK(card.load_files().empty());
        BOOST_CHECK_EQUAL(env.complete(s.session_id, true).status, 200);
    }
    // Another KEK does not open them: an operation fails with key-error before any APDU
    // (ccm.md §5.1, §7.4).
    BOOST_REQUIRE_EQUAL(env.tsmd->terminate(), 0);
    const std::string other_kek = env.dir.path() + "/other.kek";
    std::ofstream(other_kek) << std::string(64, '5') << "\n";
    std::ofstream(env.config_path, std::ios::app) << "[keys]\nkek_file = \"" << other_kek << "\"\n";
    env.start();
    {
        ws_client ws(env.tsmd->port());
        auto s = env.deliver(ws);
        const std::string del = post_ccm(env, s.session_id, "/ccm/delete",
                                         R"({"application":"D0D1D2D3D4D501","withRelated":true})");
        auto cb = env.sp.wait_callback(del);
        BOOST_REQUIRE(cb);
        BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 500);
        BOOST_CHECK_EQUAL(str((*cb)["error"].as_object()["code"]), "key-error");
        BOOST_CHECK(!str((*cb)["error"].as_object()["message"]).empty());
        require_no_frame_pending(ws); // no commands frame went out
    }
    BOOST_CHECK_EQUAL(http_call(env.tsmd->admin_port(), "DELETE", "/admin/v1/cards/0E48800471400A").status,
                      200);
    BOOST_CHECK_EQUAL(http_call(env.tsmd->admin_port(), "GET", "/admin/v1/cards/0E48800471400A").status, 404);
    BOOST_CHECK_EQUAL(http_call(env.tsmd->admin_port(), "DELETE", "/admin/v1/cards/0E48800471400A").status,
                      404);
}

BOOST_AUTO_TEST_CASE(bad_card_keys_are_400) {
    tsm_env env;
    const auto port = env.tsmd->admin_port();
    auto expect_400 = [&](const std::string& target, const std::string& body) {
        auto r = http_call(port, "PUT", target, {}, body);
        BOOST_CHECK_MESSAGE(r.status == 400, target << " " << body << " -> " << r.status);
        BOOST_CHECK(r.body.find("bad-request") != std::string::npos);
    };
    expect_400("/admin/v1/cards/XYZ", card_body());
    expect_400("/admin/v1/cards/0E48", "{not json");
    expect_400("/admin/v1/cards/0E48", R"({"isd":"A000","scp":"03","kvn":1,"enc":")" + enc + R"(","mac":")"
                                           + mac + R"(","dek":")" + dek + R"("})");
    expect_400("/admin/v1/cards/0E48", card_body("04"));
    expect_400("/admin/v1/cards/0E48",
               card_body("02").replace(card_body("02").find(enc), enc.size(), enc.substr(0, 30)));
    expect_400("/admin/v1/cards/0E48", R"({"isd":"A000000151000000","scp":"03","kvn":300,"enc":")" + enc
                                           + R"(","mac":")" + mac + R"(","dek":")" + dek + R"("})");
    expect_400("/admin/v1/cards/0E48", R"({"isd":"A000000151000000","scp":"03","kvn":1,"enc":")" + enc
                                           + R"(","mac":"00","dek":")" + dek + R"("})");
    expect_400("/admin/v1/cards/0E48",
               R"({"isd":"A000000151000000","scp":"03","kvn":1,"diversification":"kdf3","enc":")" + enc
                   + R"(","mac":")" + mac + R"(","dek":")" + dek + R"("})");
    expect_400("/admin/v1/cards/0E48",
               R"({"isd":"A000000151000000","scp":"03","kvn":1,"securityLevel":"07","enc":")" + enc
                   + R"(","mac":")" + mac + R"(","dek":")" + dek + R"("})");
    expect_400("/admin/v1/cards/0E48",
               R"({"isd":"A000000151000000","scp":"02","kvn":1,"securityLevel":"33","enc":")" + enc
                   + R"(","mac":")" + mac + R"(","dek":")" + dek + R"("})");
    expect_400("/admin/v1/iins/8A2C",
               R"({"isd":"A000000151000000","scp":"02","kvn":1,"diversification":"kdf3","enc":")" + enc
                   + R"(","mac":")" + mac + R"(","dek":")" + dek + R"("})");
    BOOST_CHECK_EQUAL(http_call(port, "GET", "/admin/v1/cards/0E48").status, 404); // nothing half-written
}

BOOST_AUTO_TEST_CASE(iin_master_keys_with_diversification) {
    tsm_env env;
    const auto port = env.tsmd->admin_port();
    auto put = http_call(port, "PUT", "/admin/v1/iins/8a2c10", {},
                         R"({"isd":"A000000151000000","scp":"02","kvn":1,"diversification":"emv","enc":")"
                             + enc + R"(","mac":")" + mac + R"(","dek":")" + dek + R"("})");
    BOOST_REQUIRE_EQUAL(put.status, 200);
    auto got = http_call(port, "GET", "/admin/v1/iins/8A2C10");
    BOOST_CHECK_EQUAL(got.status, 200);
    BOOST_CHECK_EQUAL(str(got.json().as_object()["diversification"]), "emv");
    BOOST_CHECK_EQUAL(str(got.json().as_object()["scp"]), "02");
    BOOST_CHECK(got.body.find(enc) == std::string::npos);
    auto bad = http_call(port, "PUT", "/admin/v1/iins/8A2C10", {},
                         R"({"isd":"A000000151000000","scp":"02","kvn":1,"diversification":"rot13","enc":")"
                             + enc + R"(","mac":")" + mac + R"(","dek":")" + dek + R"("})");
    BOOST_CHECK_EQUAL(bad.status, 400);
}

BOOST_AUTO_TEST_CASE(desfire_only_card_record_is_sealed_and_never_returned) {
    tsm_env env;
    const auto port = env.tsmd->admin_port();
    auto put = http_call(port, "PUT", "/admin/v1/cards/04a1b2c3d4e5f6", {},
                         "{\"iin\":\"8A2C10\"," + desfire_object("AES", df_aes) + "}");
    BOOST_REQUIRE_MESSAGE(put.status == 200, put.body);
    auto got = http_call(port, "GET", "/admin/v1/cards/04A1B2C3D4E5F6");
    BOOST_REQUIRE_EQUAL(got.status, 200);
    auto j = got.json().as_object();
    BOOST_CHECK_EQUAL(str(j["cin"]), "04A1B2C3D4E5F6");
    BOOST_CHECK_EQUAL(str(j["iin"]), "8A2C10");
    BOOST_CHECK(!j.contains("isd")); // no GlobalPlatform part
    BOOST_CHECK(!j.contains("scp"));
    auto& d = j["desfire"].as_object();
    BOOST_CHECK_EQUAL(str(d["keyType"]), "AES");
    BOOST_CHECK_EQUAL(d["version"].as_int64(), 7);
    BOOST_CHECK(d["hasKey"].as_bool());
    BOOST_CHECK(!d.contains("key"));
    BOOST_CHECK(!d.contains("diversification")); // cards: the key is the card's own
    for (const auto* body : {&put.body, &got.body}) {
        BOOST_CHECK(body->find(df_aes) == std::string::npos);
    }
    const std::string log = env.tsmd->log();
    env.tsmd->terminate();
    BOOST_CHECK(log.find(df_aes) == std::string::npos);
    BOOST_CHECK(!tree_contains(env.dir.path() + "/data/db", df_aes));
    BOOST_CHECK(!tree_contains(env.dir.path() + "/data/db", *tsm::core::from_hex(df_aes)));
    env.start();
    const auto port2 = env.tsmd->admin_port();
    BOOST_CHECK_EQUAL(http_call(port2, "GET", "/admin/v1/cards/04A1B2C3D4E5F6").status, 200);
    BOOST_CHECK_EQUAL(http_call(port2, "DELETE", "/admin/v1/cards/04A1B2C3D4E5F6").status, 200);
    BOOST_CHECK_EQUAL(http_call(port2, "GET", "/admin/v1/cards/04A1B2C3D4E5F6").status, 404);
}

BOOST_AUTO_TEST_CASE(card_record_with_gp_and_desfire_parts) {
    tsm_env env;
    const auto port = env.tsmd->admin_port();
    std::string body = card_body();
    body.insert(body.size() - 1, "," + desfire_object("3K3DES", df_3k));
    auto put = http_call(port, "PUT", "/admin/v1/cards/0E48800471400A", {}, body);
    BOOST_REQUIRE_MESSAGE(put.status == 200, put.body);
    auto got = http_call(port, "GET", "/admin/v1/cards/0E48800471400A");
    BOOST_REQUIRE_EQUAL(got.status, 200);
    auto j = got.json().as_object();
    BOOST_CHECK_EQUAL(str(j["scp"]), "03");
    BOOST_CHECK_EQUAL(j["kvn"].as_int64(), 48);
    BOOST_CHECK_EQUAL(str(j["desfire"].as_object()["keyType"]), "3K3DES");
    BOOST_CHECK_EQUAL(j["desfire"].as_object()["version"].as_int64(), 7);
    const std::string log = env.tsmd->log();
    for (const auto& k : {enc, mac, dek, df_3k}) {
        BOOST_CHECK(got.body.find(k) == std::string::npos);
        BOOST_CHECK(put.body.find(k) == std::string::npos);
        BOOST_CHECK(log.find(k) == std::string::npos);
    }
    // Replacing the record with GP keys only drops the DESFire part.
    BOOST_REQUIRE_EQUAL(http_call(port, "PUT", "/admin/v1/cards/0E48800471400A", {}, card_body()).status,
                        200);
    auto again = http_call(port, "GET", "/admin/v1/cards/0E48800471400A").json().as_object();
    BOOST_CHECK(!again.contains("desfire"));
}

BOOST_AUTO_TEST_CASE(bad_desfire_keys_are_400) {
    tsm_env env;
    const auto port = env.tsmd->admin_port();
    auto expect_400 = [&](const std::string& target, const std::string& body, const std::string& says) {
        auto r = http_call(port, "PUT", target, {}, body);
        BOOST_CHECK_MESSAGE(r.status == 400, target << " " << body << " -> " << r.status);
        BOOST_CHECK_MESSAGE(r.body.find(says) != std::string::npos, r.body << " lacks " << says);
        BOOST_CHECK(r.body.find(df_aes) == std::string::npos && r.body.find(df_3k) == std::string::npos);
    };
    const std::string card = "/admin/v1/cards/04A1B2C3D4E5F6";
    const std::string iin = "/admin/v1/iins/8A2C10";
    expect_400(card, "{}", "desfire object");
    expect_400(card, R"({"iin":"8A2C10"})", "desfire object");
    // The key length must match the type.
    expect_400(card, "{" + desfire_object("AES", df_3k) + "}", "16 bytes for AES");
    expect_400(card, "{" + desfire_object("3K3DES", df_aes) + "}", "24 bytes for 3K3DES");
    expect_400(card, "{" + desfire_object("DES", df_aes) + "}", "8 bytes for DES");
    expect_400(card, "{" + desfire_object("2K3DES", df_aes.substr(0, 16)) + "}", "16 bytes for 2K3DES");
    expect_400(card, "{" + desfire_object("AES", "XYZ") + "}", "desfire.key");
    expect_400(card, "{" + desfire_object("AES", "") + "}", "desfire.key");
    expect_400(card, "{" + desfire_object("AES128", df_aes) + "}", "keyType");
    expect_400(card, "{" + desfire_object("aes", df_aes) + "}", "keyType");
    expect_400(card, R"({"desfire":{"key":")" + df_aes + R"("}})", "keyType");
    expect_400(card, R"({"desfire":{"keyType":"AES","key":")" + df_aes + R"(","version":256}})", "version");
    expect_400(card, R"({"desfire":{"keyType":"AES","key":")" + df_aes + R"(","version":"1"}})", "version");
    expect_400(card, R"({"desfire":"AES"})", "desfire must be an object");
    expect_400(card, R"({"desfire":{"keyType":"AES","key":")" + df_aes + R"(","kvn":1}})", "unknown member");
    // Diversification is for IIN master sets only.
    expect_400(card, "{" + desfire_object("AES", df_aes, R"(,"diversification":"an10922")") + "}",
               "master key sets only");
    expect_400(iin, "{" + desfire_object("AES", df_aes, R"(,"diversification":"kdf3")") + "}",
               "none or an10922");
    expect_400(iin,
               "{" + desfire_object("DES", df_aes.substr(0, 16), R"(,"diversification":"an10922")") + "}",
               "not DES");
    // AN10922: UID (7) || AID (3) || system identifier <= 31 bytes.
    expect_400(iin,
               "{"
                   + desfire_object("AES", df_aes,
                                    R"(,"diversification":"an10922","systemIdentifier":")"
                                        + std::string(44, 'A') + "\"")
                   + "}",
               "at most 21 bytes");
    expect_400(iin,
               "{" + desfire_object("AES", df_aes, R"(,"diversification":"an10922","systemIdentifier":"4E5")")
                   + "}",
               "systemIdentifier must be hex");
    expect_400(iin, "{" + desfire_object("AES", df_aes, R"(,"systemIdentifier":"4E58")") + "}",
               "an10922 diversification only");
    // A broken GP part is refused even with a good DESFire part.
    expect_400(card, R"({"scp":"03",)" + desfire_object("AES", df_aes) + "}", "isd");
    BOOST_CHECK_EQUAL(http_call(port, "GET", card).status, 404); // nothing half-written
    BOOST_CHECK_EQUAL(http_call(port, "GET", iin).status, 404);
    const std::string log = env.tsmd->log();
    BOOST_CHECK(log.find(df_aes) == std::string::npos);
    BOOST_CHECK(log.find(df_3k) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(iin_master_set_with_an10922_desfire_key) {
    tsm_env env;
    const auto port = env.tsmd->admin_port();
    auto put =
        http_call(port, "PUT", "/admin/v1/iins/8a2c10", {},
                  "{"
                      + desfire_object("AES", df_aes,
                                       R"(,"diversification":"an10922","systemIdentifier":"4e585020416275")")
                      + "}");
    BOOST_REQUIRE_MESSAGE(put.status == 200, put.body);
    auto got = http_call(port, "GET", "/admin/v1/iins/8A2C10");
    BOOST_REQUIRE_EQUAL(got.status, 200);
    auto j = got.json().as_object();
    BOOST_CHECK_EQUAL(str(j["iin"]), "8A2C10");
    BOOST_CHECK(!j.contains("scp"));
    auto& d = j["desfire"].as_object();
    BOOST_CHECK_EQUAL(str(d["keyType"]), "AES");
    BOOST_CHECK_EQUAL(str(d["diversification"]), "an10922");
    BOOST_CHECK_EQUAL(str(d["systemIdentifier"]), "4E585020416275");
    BOOST_CHECK(d["hasKey"].as_bool());
    BOOST_CHECK(got.body.find(df_aes) == std::string::npos);
    // The system identifier may be 21 bytes with AES, 5 with 2K3DES/3K3DES (M <= 31 / 15 bytes);
    // "none" is the default method.
    auto longest = http_call(port, "PUT", "/admin/v1/iins/8A2C11", {},
                             "{"
                                 + desfire_object("AES", df_aes,
                                                  R"(,"diversification":"an10922","systemIdentifier":")"
                                                      + std::string(42, 'A') + "\"")
                                 + "}");
    BOOST_CHECK_EQUAL(longest.status, 200);
    auto des_longest =
        http_call(port, "PUT", "/admin/v1/iins/8A2C11", {},
                  "{"
                      + desfire_object("2K3DES", df_aes,
                                       R"(,"diversification":"an10922","systemIdentifier":"4E58502041")")
                      + "}");
    BOOST_CHECK_EQUAL(des_longest.status, 200);
    auto des_too_long =
        http_call(port, "PUT", "/admin/v1/iins/8A2C11", {},
                  "{"
                      + desfire_object("2K3DES", df_aes,
                                       R"(,"diversification":"an10922","systemIdentifier":"4E585020416275")")
                      + "}");
    BOOST_CHECK_EQUAL(des_too_long.status, 400);
    BOOST_CHECK(des_too_long.body.find("at most 5 bytes for 2K3DES") != std::string::npos);
    auto plain = http_call(port, "PUT", "/admin/v1/iins/8A2C12", {},
                           "{" + desfire_object("DES", df_aes.substr(0, 16)) + "}");
    BOOST_REQUIRE_EQUAL(plain.status, 200);
    BOOST_CHECK_EQUAL(str(plain.json().as_object()["desfire"].as_object()["diversification"]), "none");
    BOOST_CHECK(env.tsmd->log().find(df_aes) == std::string::npos);
    BOOST_CHECK_EQUAL(http_call(port, "DELETE", "/admin/v1/iins/8A2C10").status, 200);
    BOOST_CHECK_EQUAL(http_call(port, "GET", "/admin/v1/iins/8A2C10").status, 404);
}

BOOST_AUTO_TEST_CASE(a_desfire_only_record_gives_no_gp_keys_to_ccm) {
    tsm_env env;
    // The card's own record has only a DESFire part: a CCM operation must fail cleanly.
    auto put = http_call(env.tsmd->admin_port(), "PUT", "/admin/v1/cards/0E48800471400A", {},
                         "{" + desfire_object("AES", df_aes) + "}");
    BOOST_REQUIRE_EQUAL(put.status, 200);
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    auto r = http_call(env.tsmd->port(), "POST", "/ccm/delete",
                       env.sp_headers(s.session_id, env.callback_url(s.session_id)),
                       R"({"application":"D0D1D2D3D4D501"})");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    auto cb = env.sp.wait_callback(str(r.json().as_object()["operationId"]));
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL(str((*cb)["error"].as_object()["code"]), "no-card-keys");
    require_no_frame_pending(ws, std::chrono::milliseconds(200));
}

BOOST_AUTO_TEST_CASE(kek_from_the_environment_is_required_when_configured) {
    temp_dir dir;
    const std::string cfg = dir.path() + "/c.toml";
    {
        std::ofstream f(cfg);
        f << "[keys]\nkek_env = \"OPENTSM_TEST_KEK_UNSET\"\n";
    }
    BOOST_CHECK_THROW(tsmd_process(dir.path() + "/data", 1, {"--config", cfg}), std::runtime_error);
    // Exit code 2 with a message that names the variable (ccm.md §7.4, operations.md §1).
    ::unsetenv("OPENTSM_TEST_KEK_UNSET");
    child_process tsmd({tsmd_process::binary(), "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
                        "--data-dir", dir.path() + "/data", "--config", cfg},
                       dir.path() + "/tsmd-run.log");
    auto code = tsmd.wait_exit(std::chrono::seconds(30));
    BOOST_REQUIRE(code.has_value());
    BOOST_CHECK_EQUAL(*code, 2);
    const std::string log = tsmd.log();
    BOOST_CHECK_MESSAGE(log.find("environment variable OPENTSM_TEST_KEK_UNSET (keys.kek_env) is not set")
                            != std::string::npos,
                        log);
}

BOOST_AUTO_TEST_SUITE_END()
