// tsmd reaches Service Providers over HTTPS: description, delivery and callbacks.
#include "tls_front.hpp"
#include "tsm_env.hpp"

#include <boost/test/unit_test.hpp>

using namespace tsm::test;

BOOST_AUTO_TEST_SUITE(https)

BOOST_AUTO_TEST_CASE(sp_urls_over_https_with_a_trusted_ca) {
    fake_sp backend;
    tls_front front(backend.port());
    {
        tsm_env env(2, "[callbacks]\ninitial_backoff_ms = 50\nca_file = \"" + front.ca_file() + "\"\n");
        BOOST_REQUIRE_EQUAL(env.register_app("feed0001", app_key, {}, front.base()).status, 200);
        ws_client ws(env.tsmd->port());
        ws.send(R"({"type":"describe","appId":"feed0001","serviceId":"demo"})");
        auto d = ws.read_type("description", std::chrono::seconds(10));
        BOOST_REQUIRE(d);
        ws.send(
            R"({"type":"deliver","appId":"feed0001","serviceId":"demo","cardId":{"iin":"8A2C","cin":"0E48","platformVersion":2}})");
        auto s = ws.read_type("session", std::chrono::seconds(10));
        BOOST_REQUIRE(s);
        const std::string session_id = str((*s)["sessionId"]);
        auto delivery = backend.wait_delivery();
        BOOST_REQUIRE(delivery);
        BOOST_CHECK_EQUAL(str((*delivery)["sessionId"]), session_id);
        auto r = http_call(env.tsmd->port(), "POST", "/transceive",
                           {{"app_id", "feed0001"},
                            {"app_key", app_key},
                            {"sessionId", session_id},
                            {"callbackUrl", front.base() + "/cb/1"}},
                           R"({"commands":["00A4040000"]})");
        BOOST_REQUIRE_EQUAL(r.status, 200);
        const std::string op = str(r.json().as_object()["operationId"]);
        BOOST_CHECK_EQUAL(answer_batch(ws), op);
        auto cb = backend.wait_callback(op);
        BOOST_REQUIRE(cb);
        BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 200);
        env.tsmd->kill(); // closes its pooled TLS connections so the front can stop
    }
}

BOOST_AUTO_TEST_CASE(untrusted_sp_certificate_is_refused) {
    fake_sp backend;
    tls_front front(backend.port());
    {
        tsm_env env; // no ca_file: the test certificate is not trusted
        BOOST_REQUIRE_EQUAL(env.register_app("feed0002", app_key, {}, front.base()).status, 200);
        ws_client ws(env.tsmd->port());
        ws.send(R"({"type":"describe","appId":"feed0002","serviceId":"demo"})");
        auto e = ws.read_type("error", std::chrono::seconds(10));
        BOOST_REQUIRE(e);
        BOOST_CHECK_EQUAL(str((*e)["code"]), "unavailable");
        env.tsmd->kill();
    }
}

BOOST_AUTO_TEST_SUITE_END()
