// The Fidesmo client API's device endpoints (add_device_routes) over a real RocksDB device
// registry filled through the admin API: devices/{cin} and devices/identify answer from the
// records (both prefixes), follow replacements and deletions, and refuse bad input with 400 JSON
// errors; unknown devices are 404 unknown-device.
#include "tsm/transport/touch_point/fidesmo/devices.hpp"

#include "device_registry_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace tsm;
using tsm::test::device_registry_fixture;
using tsm::test::error_code_in;
using tsm::test::json_of;

namespace {

const std::string cin = "0E48800471400A";
const std::string cplc =
    "4790504047918102000000000000000000000000000000000000000000000000000000000000000000AA";
const std::string uid = "04A1B2C3D4E5F6";

std::string device_body(const std::string& extra = "") {
    return R"({"iin":"8A2C10","platformVersion":3)" + extra + "}";
}

void expect_error(const transport::http_response& r, int status, const std::string& code,
                  const std::string& what) {
    BOOST_TEST(r.status == status, what << " -> " << r.status << " " << r.body);
    BOOST_TEST(r.content_type == "application/json", what);
    BOOST_TEST(error_code_in(r) == code, what);
}

} // namespace

BOOST_AUTO_TEST_SUITE(fidesmo_devices)

BOOST_AUTO_TEST_CASE(device_answers_iin_and_capabilities_under_every_prefix) {
    device_registry_fixture f;
    BOOST_TEST(f.admin_call("PUT", "/admin/v1/cards/" + cin,
                            device_body(R"(,"osTypeVersionName":"JCOP3SECIDCS","batchId":7,"cplc":")" + cplc
                                        + R"(","uid":")" + uid + "\""))
                   .status
               == 200);
    const std::string expected =
        R"({"iin":"8A2C10","description":{"capabilities":{"platformVersion":3,"osTypeVersionName":"JCOP3SECIDCS"}}})";
    for (const std::string& target :
         std::vector<std::string>{"/v3/devices/" + cin + "?batchId=7", "/devices/" + cin + "?batchId=7",
                                  "/v3/devices/0e48800471400a", "/v3/devices/" + cin + "?batchId=99",
                                  "/v3/devices/" + cin + "?batchId=-1&other=x"}) {
        auto r = f.client_call("GET", target);
        BOOST_TEST(r.status == 200, target);
        BOOST_TEST(r.body == expected, target);
    }
    // without an OS name, capabilities hold the platform version alone
    BOOST_TEST(f.admin_call("PUT", "/admin/v1/cards/0B02", device_body()).status == 200);
    auto r = f.client_call("GET", "/v3/devices/0B02");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body == R"({"iin":"8A2C10","description":{"capabilities":{"platformVersion":3}}})");
}

BOOST_AUTO_TEST_CASE(unknown_and_deleted_devices_are_404) {
    device_registry_fixture f;
    expect_error(f.client_call("GET", "/v3/devices/" + cin + "?batchId=1"), 404, "unknown-device",
                 "never registered");
    BOOST_TEST(f.admin_call("PUT", "/admin/v1/cards/" + cin, device_body(R"(,"cplc":")" + cplc + "\"")).status
               == 200);
    BOOST_TEST(f.client_call("GET", "/v3/devices/" + cin).status == 200);
    BOOST_TEST(f.client_call("GET", "/v3/devices/identify?cplc=" + cplc).status == 200);
    BOOST_TEST(f.admin_call("DELETE", "/admin/v1/cards/" + cin).status == 200);
    expect_error(f.client_call("GET", "/v3/devices/" + cin), 404, "unknown-device", "deleted");
    expect_error(f.client_call("GET", "/v3/devices/identify?cplc=" + cplc), 404, "unknown-device", "deleted");
    // an IIN master set is no device
    BOOST_TEST(f.admin_call("PUT", "/admin/v1/iins/8A2C10",
                            R"({"desfire":{"keyType":"AES","key":"5E1B9C3A7D20F4866B0C2E9A41D7F358"}})")
                   .status
               == 200);
    expect_error(f.client_call("GET", "/v3/devices/8A2C10"), 404, "unknown-device", "master set");
}

BOOST_AUTO_TEST_CASE(device_refuses_a_bad_cin_or_batch_id) {
    device_registry_fixture f;
    BOOST_TEST(f.admin_call("PUT", "/admin/v1/cards/" + cin, device_body()).status == 200);
    for (const std::string& target :
         std::vector<std::string>{"/v3/devices/XYZ", "/v3/devices/0E4", "/v3/devices/" + std::string(66, 'A'),
                                  "/v3/devices/" + cin + "?batchId=abc", "/v3/devices/" + cin + "?batchId=",
                                  "/v3/devices/" + cin + "?batchId", "/v3/devices/" + cin + "?batchId=1.5",
                                  "/v3/devices/" + cin + "?batchId=99999999999999999999",
                                  "/v3/devices/" + cin + "?batchId=1&batchId=2"}) {
        expect_error(f.client_call("GET", target), 400, "bad-request", target);
    }
    auto r = f.client_call("POST", "/v3/devices/" + cin);
    BOOST_TEST(r.status == 405);
    expect_error(f.client_call("GET", "/v3/devices/" + cin + "/more"), 404, "not-found", "longer path");
}

BOOST_AUTO_TEST_CASE(identify_finds_by_cplc_then_uid) {
    device_registry_fixture f;
    BOOST_TEST(f.admin_call("PUT", "/admin/v1/cards/" + cin,
                            device_body(R"(,"batchId":7,"cplc":")" + cplc + R"(","uid":")" + uid + "\""))
                   .status
               == 200);
    BOOST_TEST(f.admin_call("PUT", "/admin/v1/cards/0B02", device_body(R"(,"uid":"11223344")")).status
               == 200);
    struct row {
        std::string query;
        std::string body;
    };
    const row rows[] = {
        {"cplc=" + cplc, R"({"cin":"0E48800471400A","batchId":7})"},
        {"cplc=" + cplc + "&uid=11223344", R"({"cin":"0E48800471400A","batchId":7})"}, // CPLC first
        {"cplc=00&uid=" + uid, R"({"cin":"0E48800471400A","batchId":7})"},             // else the UID
        {"uid=11223344&cplc=AB", R"({"cin":"0B02","batchId":0})"},                     // none recorded: 0
        {"cplc=9F7F2A" + cplc, R"({"cin":"0E48800471400A","batchId":7})"},             // GET DATA tag
    };
    for (const auto& r : rows) {
        for (const char* prefix : {"/v3", ""}) {
            auto res = f.client_call("GET", std::string(prefix) + "/devices/identify?" + r.query);
            BOOST_TEST(res.status == 200, r.query);
            BOOST_TEST(res.body == r.body, r.query);
        }
    }
    // lower case is the same bytes
    std::string lower = cplc;
    for (char& c : lower) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    BOOST_TEST(json_of(f.client_call("GET", "/v3/devices/identify?cplc=" + lower)).at("cin").as_string()
               == cin);
    expect_error(f.client_call("GET", "/v3/devices/identify?cplc=00&uid=01020304"), 404, "unknown-device",
                 "none");
    expect_error(f.client_call("GET", "/v3/devices/identify?cplc=00"), 404, "unknown-device", "cplc only");
}

BOOST_AUTO_TEST_CASE(identify_follows_a_replaced_cplc) {
    device_registry_fixture f;
    BOOST_TEST(f.admin_call("PUT", "/admin/v1/cards/" + cin, device_body(R"(,"cplc":")" + cplc + "\"")).status
               == 200);
    BOOST_TEST(
        f.admin_call("PUT", "/admin/v1/cards/" + cin, device_body(R"(,"cplc":"AABB","uid":"01020304")"))
            .status
        == 200);
    expect_error(f.client_call("GET", "/v3/devices/identify?cplc=" + cplc), 404, "unknown-device",
                 "old cplc");
    BOOST_TEST(f.client_call("GET", "/v3/devices/identify?cplc=AABB").body
               == R"({"cin":"0E48800471400A","batchId":0})");
    BOOST_TEST(f.client_call("GET", "/v3/devices/identify?cplc=00&uid=01020304").body
               == R"({"cin":"0E48800471400A","batchId":0})");
}

BOOST_AUTO_TEST_CASE(identify_refuses_bad_input) {
    device_registry_fixture f;
    for (const std::string& q :
         std::vector<std::string>{"", "?", "?uid=01020304", "?cplc=", "?cplc", "?cplc=ABC", "?cplc=XYZW",
                                  "?cplc=" + std::string(136, 'A'), "?cplc=AA&uid=0102030", "?cplc=AA&uid=GG",
                                  "?cplc=AA&uid=" + std::string(34, '0'), "?cplc=AA&cplc=BB", "?cplc=%ZZ"}) {
        expect_error(f.client_call("GET", "/v3/devices/identify" + q), 400, "bad-request", "identify" + q);
    }
    BOOST_TEST(f.client_call("POST", "/v3/devices/identify?cplc=AA").status == 405);
}

BOOST_AUTO_TEST_SUITE_END()
