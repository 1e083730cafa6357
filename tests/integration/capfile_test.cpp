// CAP upload, listing and deletion through the SP API.
#include "tsm_env.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>

using namespace tsm::test;

namespace {

std::string read_cap(const std::string& name) {
    std::ifstream in(std::string(TSM_TEST_DATA_DIR) + "/cap/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

header_list auth() {
    return {{"app_id", app_id}, {"app_key", app_key}, {"Content-Type", "application/json"}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(capfiles)

BOOST_AUTO_TEST_CASE(upload_list_delete_scoped_per_app) {
    tsm_env env;
    const auto port = env.tsmd->port();
    const std::string cap = read_cap("kaoh-helloworld.cap");
    BOOST_REQUIRE_GT(cap.size(), 1000u);
    // fdsm claims application/json for a raw CAP body: the content type is ignored.
    auto h = auth();
    h.emplace_back("Java-Card-Version", "3.0.4");
    h.emplace_back("Global-Platform-Version", "2.2");
    auto up = http_call(port, "POST", "/v3/apps/" + app_id + "/capfiles", h, cap);
    BOOST_REQUIRE_EQUAL(up.status, 200);
    auto j = up.json().as_object();
    const std::string id = str(j["id"]);
    BOOST_CHECK_EQUAL(id, "60a16fea3d7baf74dfe112abf645972d6869edee8a46f4109ce78f40d33e57b5");
    BOOST_CHECK_EQUAL(str(j["elfAid"]), "D0D1D2D3D4D501");
    BOOST_CHECK_EQUAL(str(j["executableModules"].as_array()[0]), "D0D1D2D3D4D50101");

    auto legacy = http_call(port, "POST", "/executableLoadFiles", auth(),
                            read_cap("gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap"));
    BOOST_REQUIRE_EQUAL(legacy.status, 200);
    BOOST_CHECK_EQUAL(str(legacy.json().as_object()["executableLoadFile"]), "0102030405");

    auto list = http_call(port, "GET", "/v3/apps/" + app_id + "/capfiles", auth());
    BOOST_CHECK_EQUAL(list.status, 200);
    BOOST_CHECK_EQUAL(list.json().as_array().size(), 2u);
    BOOST_CHECK(list.body.find("\"javaCardVersion\":\"3.0.4\"") != std::string::npos);
    // Unversioned and /v2 aliases list the same files.
    BOOST_CHECK_EQUAL(
        http_call(port, "GET", "/apps/" + app_id + "/capfiles", auth()).json().as_array().size(), 2u);
    auto v2 = http_call(port, "GET", "/v2/apps/" + app_id + "/capfiles", auth());
    BOOST_CHECK_EQUAL(v2.status, 200);
    BOOST_CHECK(v2.json() == list.json());

    // Another app sees none of them.
    BOOST_REQUIRE_EQUAL(env.register_app("0badc0de", "ffeeddccbbaa99887766554433221100").status, 200);
    header_list other = {{"app_id", "0badc0de"}, {"app_key", "ffeeddccbbaa99887766554433221100"}};
    BOOST_CHECK_EQUAL(http_call(port, "GET", "/v3/apps/" + app_id + "/capfiles", other).status, 404);
    BOOST_CHECK_EQUAL(http_call(port, "GET", "/v3/apps/0badc0de/capfiles", other).json().as_array().size(),
                      0u);
    BOOST_CHECK_EQUAL(http_call(port, "DELETE", "/v3/apps/0badc0de/capfiles/" + id, other).status, 404);

    BOOST_CHECK_EQUAL(http_call(port, "DELETE", "/v3/apps/" + app_id + "/capfiles/" + id, auth()).status,
                      200);
    BOOST_CHECK_EQUAL(http_call(port, "DELETE", "/v3/apps/" + app_id + "/capfiles/" + id, auth()).status,
                      404);
    BOOST_CHECK_EQUAL(
        http_call(port, "GET", "/v3/apps/" + app_id + "/capfiles", auth()).json().as_array().size(), 1u);
    BOOST_CHECK_EQUAL(http_call(port, "GET", "/v3/apps/" + app_id + "/capfiles").status, 401);
}

BOOST_AUTO_TEST_CASE(bad_cap_files_are_refused_with_a_reason) {
    tsm_env env;
    const auto port = env.tsmd->port();
    auto garbage = http_call(port, "POST", "/v3/apps/" + app_id + "/capfiles", auth(), "this is not a zip");
    BOOST_CHECK_EQUAL(garbage.status, 400);
    BOOST_CHECK_EQUAL(str(garbage.json().as_object()["error"].as_object()["code"]), "bad-cap");
    std::string cap = read_cap("kaoh-helloworld.cap");
    auto truncated = http_call(port, "POST", "/executableLoadFiles", auth(), cap.substr(0, cap.size() / 2));
    BOOST_CHECK_EQUAL(truncated.status, 400);
    BOOST_CHECK(!str(truncated.json().as_object()["error"].as_object()["message"]).empty());
    // Nothing was stored.
    BOOST_CHECK_EQUAL(
        http_call(port, "GET", "/v3/apps/" + app_id + "/capfiles", auth()).json().as_array().size(), 0u);
}

BOOST_AUTO_TEST_SUITE_END()
