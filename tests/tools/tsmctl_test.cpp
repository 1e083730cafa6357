#include "tsmctl/admin_client.hpp"

#include "example_sp/http_listener.hpp"
#include "tsmctl/tsmctl_command.hpp"

#include "refused_port.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <mutex>
#include <sstream>

using namespace tsm::tools;
using namespace tsm::tools::tsmctl;
namespace json = boost::json;

namespace {

// A fake admin listener on 127.0.0.1:0 that records the last request and answers a set reply.
struct fake_admin {
    http_listener listener;
    std::mutex mutex;
    http_request_in last;
    http_reply reply{200, R"({"appId":"sp-1","deliveryMethod":"PUT"})"};

    fake_admin() {
        std::string error;
        bool ok = listener.start(
            "127.0.0.1", 0,
            [this](const http_request_in& r) {
                std::lock_guard lock(mutex);
                last = r;
                return reply;
            },
            error);
        BOOST_REQUIRE_MESSAGE(ok, error);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(listener.port()); }
};

tsmctl_command parse_ok(std::vector<std::string> args, const std::string& env_url = "",
                        const std::string& env_token = "") {
    auto r = parse_tsmctl_args(args, env_url, env_token);
    BOOST_REQUIRE_MESSAGE(r.command, r.error);
    return *r.command;
}

} // namespace

BOOST_AUTO_TEST_SUITE(tsmctl_suite)

BOOST_AUTO_TEST_CASE(apps_put_sends_method_path_token_and_body) {
    fake_admin admin;
    admin.reply = {201, R"({"appId":"sp 1","deliveryMethod":"POST"})"};
    auto cmd =
        parse_ok({"--admin", admin.url(), "apps", "put", "sp 1", "--key", "00112233", "--description-url",
                  "http://sp/description", "--delivery-url", "http://sp/delivery", "--delivery-method",
                  "POST", "--callback-prefix", "http://sp/cb/", "--callback-prefix", "http://sp/cb2/"},
                 "", "s3cret");
    std::ostringstream out, err;
    BOOST_TEST(run_admin_command(cmd, out, err) == 0);
    BOOST_TEST(admin.last.method == "PUT");
    BOOST_TEST(admin.last.target == "/admin/v1/apps/sp%201");
    BOOST_TEST(admin.last.header("Authorization") == "Bearer s3cret");
    BOOST_TEST(admin.last.header("Content-Type") == "application/json");
    auto body = json::parse(admin.last.body).as_object();
    BOOST_TEST(body.at("key").as_string() == "00112233");
    BOOST_TEST(body.at("descriptionUrl").as_string() == "http://sp/description");
    BOOST_TEST(body.at("deliveryUrl").as_string() == "http://sp/delivery");
    BOOST_TEST(body.at("deliveryMethod").as_string() == "POST");
    BOOST_TEST(body.at("callbackPrefixes").as_array().size() == 2u);
    BOOST_TEST(out.str().find("\"deliveryMethod\": \"POST\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(get_list_delete_use_the_right_requests) {
    fake_admin admin;
    std::ostringstream out, err;
    BOOST_TEST(run_admin_command(parse_ok({"apps", "get", "sp-1"}, admin.url()), out, err) == 0);
    BOOST_TEST(admin.last.method == "GET");
    BOOST_TEST(admin.last.target == "/admin/v1/apps/sp-1");
    BOOST_TEST(admin.last.header("Authorization").empty());

    admin.reply = {200, R"({"apps":[]})"};
    BOOST_TEST(run_admin_command(parse_ok({"apps", "list", "--admin", admin.url() + "/"}), out, err) == 0);
    BOOST_TEST(admin.last.target == "/admin/v1/apps");

    admin.reply = {204, ""};
    BOOST_TEST(run_admin_command(parse_ok({"apps", "delete", "sp-1"}, admin.url()), out, err) == 0);
    BOOST_TEST(admin.last.method == "DELETE");
    BOOST_TEST(admin.last.body.empty());
}

BOOST_AUTO_TEST_CASE(http_error_exits_1_with_the_message) {
    fake_admin admin;
    admin.reply = {404, R"({"error":{"code":"not_found","message":"no app sp-9"}})"};
    std::ostringstream out, err;
    BOOST_TEST(run_admin_command(parse_ok({"apps", "delete", "sp-9"}, admin.url()), out, err) == 1);
    BOOST_TEST(err.str().find("HTTP 404: not_found: no app sp-9") != std::string::npos, err.str());
    BOOST_TEST(out.str().empty());
}

BOOST_AUTO_TEST_CASE(connection_failure_exits_1) {
    const tsm::test::refused_port nobody; // bound, never listening: the connection is refused
    std::ostringstream out, err;
    BOOST_TEST(run_admin_command(parse_ok({"apps", "list"}, nobody.url()), out, err) == 1);
    BOOST_TEST(!err.str().empty());
    BOOST_TEST(out.str().empty());
}

BOOST_AUTO_TEST_CASE(rejects_bad_usage) {
    auto bad = [](std::vector<std::string> a) { return !parse_tsmctl_args(a, "", "").command; };
    BOOST_TEST(bad({}));
    BOOST_TEST(bad({"apps"}));
    BOOST_TEST(bad({"apps", "frobnicate", "x"}));
    BOOST_TEST(bad({"apps", "get"}));
    BOOST_TEST(bad({"apps", "list", "extra"}));
    BOOST_TEST(bad({"apps", "get", "x", "--key", "00"}));
    BOOST_TEST(bad({"apps", "put", "x", "--key", "0G", "--description-url", "http://a", "--delivery-url",
                    "http://b", "--callback-prefix", "http://c/"}));
    BOOST_TEST(bad(
        {"apps", "put", "x", "--key", "00", "--description-url", "http://a", "--delivery-url", "http://b"}));
    BOOST_TEST(bad({"apps", "put", "x", "--key", "00", "--description-url", "http://a", "--delivery-url",
                    "http://b", "--callback-prefix", "http://c/", "--delivery-method", "GET"}));
    BOOST_TEST(bad({"--admin", "ftp://x", "apps", "list"}));
    BOOST_TEST(parse_tsmctl_args({"--help"}, "", "").help);
}

BOOST_AUTO_TEST_CASE(flags_override_environment) {
    auto cmd = parse_ok({"apps", "list"}, "http://env:1", "envtok");
    BOOST_TEST(cmd.admin_url == "http://env:1");
    BOOST_TEST(cmd.token == "envtok");
    cmd = parse_ok({"--admin", "http://flag:2", "--token", "t", "apps", "list"}, "http://env:1", "envtok");
    BOOST_TEST(cmd.admin_url == "http://flag:2");
    BOOST_TEST(cmd.token == "t");
}

BOOST_AUTO_TEST_SUITE_END()
