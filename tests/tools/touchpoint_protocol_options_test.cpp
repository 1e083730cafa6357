// tsm-touchpoint's --protocol and its URLs: which base URL each dialect takes, how the
// fidesmo-ws URL is built from the delivery, and the long-poll base path as fdsm forms it.
#include "touchpoint/fidesmo_http_client.hpp"
#include "touchpoint/fidesmo_ws_driver.hpp"
#include "touchpoint/touchpoint_options.hpp"

#include <boost/test/unit_test.hpp>

using namespace tsm::tools::touchpoint;

namespace {

touchpoint_parse_result parse(std::vector<std::string> args) {
    return parse_touchpoint_args(args);
}

std::vector<std::string> with(std::string protocol, std::string url, std::vector<std::string> extra = {}) {
    std::vector<std::string> a{"--protocol", protocol,   "--url",     url,
                               "--app",      "a1b2c3d4", "--service", "demo"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

} // namespace

BOOST_AUTO_TEST_SUITE(touchpoint_protocol_options)

BOOST_AUTO_TEST_CASE(v1_stays_the_default_and_each_dialect_checks_its_url) {
    auto v1 = parse({"--url", "ws://h:1/touchpoint/v1", "--app", "a", "--service", "s"});
    BOOST_REQUIRE(v1.options);
    BOOST_CHECK_EQUAL(v1.options->protocol, "v1");
    BOOST_CHECK_EQUAL(v1.options->fetch_retry_ms, 15LL * 60 * 1000);

    auto lp =
        parse(with("fidesmo", "http://127.0.0.1:8080/v3/", {"--fetch-retry-ms", "1500", "--batch-id", "7"}));
    BOOST_REQUIRE_MESSAGE(lp.options, lp.error);
    BOOST_CHECK_EQUAL(lp.options->protocol, "fidesmo");
    BOOST_CHECK_EQUAL(lp.options->fetch_retry_ms, 1500);
    BOOST_CHECK_EQUAL(lp.options->batch_id, 7u);
    BOOST_CHECK(parse(with("fidesmo-ws", "ws://127.0.0.1:8080/v3/")).options);
    BOOST_CHECK(parse(with("fidesmo-ws", "http://127.0.0.1:8080/")).options);

    auto bad = parse(with("fidesmo", "ws://127.0.0.1:8080/v3/"));
    BOOST_CHECK(!bad.options);
    BOOST_CHECK(bad.error.find("--protocol fidesmo needs --url http://") != std::string::npos);
    BOOST_CHECK(!parse(with("v1", "http://127.0.0.1:8080/")).options);
    BOOST_CHECK(!parse(with("fidesmo-ws", "https://127.0.0.1/")).options);
    auto unknown = parse(with("fidesmo2", "http://h/"));
    BOOST_CHECK(!unknown.options);
    BOOST_CHECK_EQUAL(unknown.error, "--protocol must be v1, fidesmo or fidesmo-ws");
    BOOST_CHECK(!parse(with("fidesmo", "http://h/", {"--fetch-retry-ms", "-1"})).options);
    BOOST_CHECK(!parse(with("fidesmo", "http://h/", {"--batch-id", "4294967296"})).options);
}

BOOST_AUTO_TEST_CASE(fidesmo_ws_url_names_app_service_cin_and_encoded_fields) {
    touchpoint_options o;
    o.url = "ws://127.0.0.1:8080/v3";
    o.app_id = "a1b2c3d4";
    o.service_id = "demo";
    o.fields = {{"pin", "12 34"}, {"name", "a&b=c"}};
    std::string error;
    auto url = fidesmo_ws_url(o, "0E48800471400A", error);
    BOOST_REQUIRE_MESSAGE(url, error);
    BOOST_CHECK_EQUAL(*url, "ws://127.0.0.1:8080/v3/ws/apps/a1b2c3d4/services/"
                            "demo?cin=0E48800471400A&pin=12%2034&name=a%26b%3Dc");
    o.url = "http://127.0.0.1:8080/";
    o.fields.clear();
    BOOST_CHECK_EQUAL(fidesmo_ws_url(o, "01", error).value_or(""),
                      "ws://127.0.0.1:8080/ws/apps/a1b2c3d4/services/demo?cin=01");
    o.url = "wss://h/";
    BOOST_CHECK(!fidesmo_ws_url(o, "01", error));
    BOOST_CHECK(error.find("ws:// or http://") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(long_poll_base_gets_a_trailing_slash_like_fidesmo_api_url) {
    std::string error;
    auto c = fidesmo_http_client::make("http://127.0.0.1:8080/v3", error);
    BOOST_REQUIRE_MESSAGE(c, error);
    BOOST_CHECK_EQUAL(c->host(), "127.0.0.1");
    BOOST_CHECK_EQUAL(c->port(), "8080");
    BOOST_CHECK_EQUAL(c->base_path(), "/v3/");
    auto root = fidesmo_http_client::make("http://localhost", error);
    BOOST_REQUIRE(root);
    BOOST_CHECK_EQUAL(root->port(), "80");
    BOOST_CHECK_EQUAL(root->base_path(), "/");
    BOOST_CHECK(!fidesmo_http_client::make("https://h/v3/", error));
    BOOST_CHECK(!fidesmo_http_client::make("not a url", error));
}

BOOST_AUTO_TEST_CASE(every_request_carries_the_fdsm_headers) {
    const auto headers = fidesmo_client_headers();
    auto has = [&](const std::string& name, const std::string& value) {
        for (const auto& [n, v] : headers) {
            if (n == name && (value.empty() || v == value)) {
                return true;
            }
        }
        return false;
    };
    BOOST_CHECK(has("Content-Type", "application/json; charset=UTF-8"));
    BOOST_CHECK(has("Accept", "application/json; charset=UTF-8"));
    BOOST_CHECK(has("Fidesmo-Client-Capabilities", "se-access,payment-aid-access,accounts"));
    BOOST_CHECK(has("User-Agent", ""));
    BOOST_CHECK(has("Fidesmo-Client-Description", ""));
    BOOST_CHECK(has("Accept-Language", ""));
}

BOOST_AUTO_TEST_SUITE_END()
