// Card keys through the admin API: validated, sealed at rest, never returned.
#include "tsm_env.hpp"

#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
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

bool data_dir_contains(const std::string& dir, const std::string& needle) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file()) {
            continue;
        }
        std::ifstream in(e.path(), std::ios::binary);
        std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (content.find(needle) != std::string::npos) {
            return true;
        }
    }
    return false;
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
        BOOST_CHECK(!data_dir_contains(env.dir.path() + "/data/db", k));
        BOOST_CHECK(!data_dir_contains(env.dir.path() + "/data/db", *tsm::core::from_hex(k)));
    }
    // They survive a restart (the KEK in the data dir opens them again: GET still works).
    env.start();
    BOOST_CHECK_EQUAL(http_call(env.tsmd->admin_port(), "GET", "/admin/v1/cards/0E48800471400A").status, 200);
    BOOST_CHECK_EQUAL(http_call(env.tsmd->admin_port(), "DELETE", "/admin/v1/cards/0E48800471400A").status, 200);
    BOOST_CHECK_EQUAL(http_call(env.tsmd->admin_port(), "GET", "/admin/v1/cards/0E48800471400A").status, 404);
    BOOST_CHECK_EQUAL(http_call(env.tsmd->admin_port(), "DELETE", "/admin/v1/cards/0E48800471400A").status, 404);
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
    expect_400("/admin/v1/cards/0E48", R"({"isd":"A000","scp":"03","kvn":1,"enc":")" + enc + R"(","mac":")" + mac + R"(","dek":")" + dek + R"("})");
    expect_400("/admin/v1/cards/0E48", card_body("04"));
    expect_400("/admin/v1/cards/0E48", card_body("02").replace(card_body("02").find(enc), enc.size(), enc.substr(0, 30)));
    expect_400("/admin/v1/cards/0E48", R"({"isd":"A000000151000000","scp":"03","kvn":300,"enc":")" + enc + R"(","mac":")" + mac + R"(","dek":")" + dek + R"("})");
    expect_400("/admin/v1/cards/0E48", R"({"isd":"A000000151000000","scp":"03","kvn":1,"enc":")" + enc + R"(","mac":"00","dek":")" + dek + R"("})");
    expect_400("/admin/v1/cards/0E48", R"({"isd":"A000000151000000","scp":"03","kvn":1,"diversification":"kdf3","enc":")" + enc + R"(","mac":")" + mac + R"(","dek":")" + dek + R"("})");
    expect_400("/admin/v1/cards/0E48", R"({"isd":"A000000151000000","scp":"03","kvn":1,"securityLevel":"07","enc":")" + enc + R"(","mac":")" + mac + R"(","dek":")" + dek + R"("})");
    expect_400("/admin/v1/cards/0E48", R"({"isd":"A000000151000000","scp":"02","kvn":1,"securityLevel":"33","enc":")" + enc + R"(","mac":")" + mac + R"(","dek":")" + dek + R"("})");
    expect_400("/admin/v1/iins/8A2C", R"({"isd":"A000000151000000","scp":"02","kvn":1,"diversification":"kdf3","enc":")" + enc + R"(","mac":")" + mac + R"(","dek":")" + dek + R"("})");
    BOOST_CHECK_EQUAL(http_call(port, "GET", "/admin/v1/cards/0E48").status, 404); // nothing half-written
}

BOOST_AUTO_TEST_CASE(iin_master_keys_with_diversification) {
    tsm_env env;
    const auto port = env.tsmd->admin_port();
    auto put = http_call(port, "PUT", "/admin/v1/iins/8a2c10", {},
                         R"({"isd":"A000000151000000","scp":"02","kvn":1,"diversification":"emv","enc":")" + enc
                             + R"(","mac":")" + mac + R"(","dek":")" + dek + R"("})");
    BOOST_REQUIRE_EQUAL(put.status, 200);
    auto got = http_call(port, "GET", "/admin/v1/iins/8A2C10");
    BOOST_CHECK_EQUAL(got.status, 200);
    BOOST_CHECK_EQUAL(str(got.json().as_object()["diversification"]), "emv");
    BOOST_CHECK_EQUAL(str(got.json().as_object()["scp"]), "02");
    BOOST_CHECK(got.body.find(enc) == std::string::npos);
    auto bad = http_call(port, "PUT", "/admin/v1/iins/8A2C10", {},
                         R"({"isd":"A000000151000000","scp":"02","kvn":1,"diversification":"rot13","enc":")" + enc
                             + R"(","mac":")" + mac + R"(","dek":")" + dek + R"("})");
    BOOST_CHECK_EQUAL(bad.status, 400);
}

BOOST_AUTO_TEST_CASE(kek_from_the_environment_is_required_when_configured) {
    temp_dir dir;
    const std::string cfg = dir.path() + "/c.toml";
    {
        std::ofstream f(cfg);
        f << "[keys]\nkek_env = \"OPENTSM_TEST_KEK_UNSET\"\n";
    }
    BOOST_CHECK_THROW(tsmd_process(dir.path() + "/data", 1, {"--config", cfg}), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
