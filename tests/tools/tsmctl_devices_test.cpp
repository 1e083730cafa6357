// tsmctl cards put with the device description: the flags become the admin API's fields, a card
// without keys is accepted with --iin and --platform-version, bad values and iins put with device
// flags are usage errors (exit 2, nothing sent). Real sockets on 127.0.0.1 port 0 (fake admin API).
#include "tsmctl/admin_client.hpp"

#include "example_sp/http_listener.hpp"
#include "tsmctl/tsmctl_command.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <mutex>
#include <sstream>

using namespace tsm::tools;
using namespace tsm::tools::tsmctl;
namespace json = boost::json;

namespace {

const std::string cin = "0E48800471400A";
const std::string cplc =
    "4790504047918102000000000000000000000000000000000000000000000000000000000000000000AA";
const std::string enc_key = "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF";

struct fake_admin {
    http_listener listener;
    std::mutex mutex;
    http_request_in last;
    int requests = 0;

    fake_admin() {
        std::string error;
        bool ok = listener.start(
            "127.0.0.1", 0,
            [this](const http_request_in& r) {
                std::lock_guard lock(mutex);
                last = r;
                ++requests;
                return http_reply{200, R"({"cin":"0E48800471400A","iin":"8A2C10","platformVersion":3})"};
            },
            error);
        BOOST_REQUIRE_MESSAGE(ok, error);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(listener.port()); }
};

struct run_result {
    int code;
    std::string out;
    std::string err;
};

run_result run(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    int code = tsmctl_main(args, "", "", out, err);
    return {code, out.str(), err.str()};
}

} // namespace

BOOST_AUTO_TEST_SUITE(tsmctl_devices)

BOOST_AUTO_TEST_CASE(a_device_without_keys_sends_only_its_description) {
    fake_admin admin;
    auto r = run({"--admin", admin.url(), "cards", "put", cin, "--iin", "8A2C10", "--platform-version", "3",
                  "--os-type-version-name", "JCOP3SECIDCS", "--batch-id", "0", "--cplc", cplc, "--uid",
                  "04A1B2C3D4E5F6"});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(admin.last.method == "PUT");
    BOOST_TEST(admin.last.target == "/admin/v1/cards/" + cin);
    auto body = json::parse(admin.last.body).as_object();
    BOOST_TEST(body.size() == 6u, admin.last.body);
    BOOST_TEST(body.at("iin").as_string() == "8A2C10");
    BOOST_TEST(body.at("platformVersion").as_int64() == 3);
    BOOST_TEST(body.at("osTypeVersionName").as_string() == "JCOP3SECIDCS");
    BOOST_TEST(body.at("batchId").as_int64() == 0);
    BOOST_TEST(body.at("cplc").as_string() == cplc);
    BOOST_TEST(body.at("uid").as_string() == "04A1B2C3D4E5F6");
    BOOST_TEST(r.out.find("\"platformVersion\": 3") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(a_description_goes_with_the_keys) {
    fake_admin admin;
    auto r =
        run({"--admin", admin.url(), "cards", "put", cin, "--isd", "A000000151000000", "--kvn", "1", "--enc",
             enc_key, "--mac", enc_key, "--dek", enc_key, "--platform-version", "2", "--uid", "01020304"});
    BOOST_TEST(r.code == 0, r.err);
    auto body = json::parse(admin.last.body).as_object();
    BOOST_TEST(body.at("isd").as_string() == "A000000151000000");
    BOOST_TEST(body.at("platformVersion").as_int64() == 2);
    BOOST_TEST(body.at("uid").as_string() == "01020304");
    BOOST_TEST(!body.contains("cplc"));
    BOOST_TEST(!body.contains("batchId"));
    BOOST_TEST(r.out.find(enc_key) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_device_flags_are_usage_errors_and_send_nothing) {
    fake_admin admin;
    const std::vector<std::string> base{"--admin", admin.url(), "cards", "put", cin, "--iin", "8A2C10"};
    const std::vector<std::pair<std::vector<std::string>, std::string>> rows = {
        {{"--platform-version", "0"}, "--platform-version"},
        {{"--platform-version", "2147483648"}, "--platform-version"},
        {{"--platform-version", "3x"}, "--platform-version"},
        {{"--platform-version", "3", "--batch-id", "-1"}, "--batch-id"},
        {{"--platform-version", "3", "--cplc", "ABC"}, "--cplc"},
        {{"--platform-version", "3", "--uid", "010203"}, "--uid"},
        {{"--platform-version", "3", "--os-type-version-name", std::string(65, 'x')},
         "--os-type-version-name"},
        {{"--batch-id", "1"}, "--platform-version"}, // a device without keys needs it
    };
    for (const auto& [extra, says] : rows) {
        auto args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = run(args);
        BOOST_TEST(r.code == 2, says);
        BOOST_TEST(r.err.find(says) != std::string::npos, r.err);
    }
    auto no_iin = run({"--admin", admin.url(), "cards", "put", cin, "--platform-version", "3"});
    BOOST_TEST(no_iin.code == 2);
    BOOST_TEST(no_iin.err.find("--iin") != std::string::npos, no_iin.err);
    auto iins = run({"--admin", admin.url(), "iins", "put", "8A2C10", "--platform-version", "3"});
    BOOST_TEST(iins.code == 2);
    BOOST_TEST(iins.err.find("cards put") != std::string::npos, iins.err);
    auto get = run({"--admin", admin.url(), "cards", "get", cin, "--uid", "01020304"});
    BOOST_TEST(get.code == 2);
    BOOST_TEST(admin.requests == 0);
}

BOOST_AUTO_TEST_CASE(help_documents_the_device_flags) {
    auto r = run({"--help"});
    BOOST_TEST(r.code == 0);
    for (const char* s : {"--platform-version N", "--os-type-version-name S", "--batch-id N", "--cplc HEX",
                          "--uid HEX", "device without keys"}) {
        BOOST_TEST(r.out.find(s) != std::string::npos, s);
    }
}

BOOST_AUTO_TEST_SUITE_END()
