// tsm-touchpoint --protocol fidesmo against a scripted HTTP server on 127.0.0.1 port 0: the
// requests fdsm sends in order (headers on GETs too), 204 retried with the same body at most
// five times, 503 retried until the bound, connector/json running every command,
// service/error on a client-side failure, and a lost connection retried only for requests a
// repeat cannot change. The end-to-end runs against tsmd are in
// tests/integration/fidesmo_touchpoint_test.cpp.
#include "touchpoint/card_error.hpp"
#include "touchpoint/fidesmo_long_poll_driver.hpp"
#include "touchpoint/virtual_card.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

using namespace tsm::tools::touchpoint;
namespace net = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;

namespace {

struct recorded {
    std::string method;
    std::string target;
    std::string body;
    std::string content_type;
    std::string capabilities;
};

// One request per connection (the client sends Connection: close); answers from `script`
// (status 0: close the connection without an answer).
class scripted_server {
public:
    using script_fn = std::function<std::pair<int, std::string>(const recorded&)>;

    explicit scripted_server(script_fn script) : script_(std::move(script)) {
        thread_ = std::thread([this] { serve(); });
    }
    ~scripted_server() {
        stopping_ = true;
        boost::system::error_code ec;
        tcp::socket poke(ioc_);
        poke.connect(acceptor_.local_endpoint(), ec); // wakes the blocking accept
        thread_.join();
    }
    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    std::vector<recorded> requests() {
        std::lock_guard lock(mu_);
        return requests_;
    }

private:
    void serve() {
        // Bounded: a test makes a few dozen requests at most.
        for (int i = 0; i < 10000 && !stopping_; ++i) {
            tcp::socket s(ioc_);
            boost::system::error_code ec;
            acceptor_.accept(s, ec);
            if (ec || stopping_) {
                return;
            }
            boost::beast::flat_buffer buf;
            http::request<http::string_body> req;
            http::read(s, buf, req, ec);
            if (ec) {
                continue;
            }
            recorded r{std::string(req.method_string()), std::string(req.target()), req.body(),
                       std::string(req[http::field::content_type]),
                       std::string(req["Fidesmo-Client-Capabilities"])};
            {
                std::lock_guard lock(mu_);
                requests_.push_back(r);
            }
            auto [status, body] = script_(r);
            if (status == 0) {
                s.close(ec); // the connection lost after the request arrived: no answer at all
                continue;
            }
            http::response<http::string_body> res{static_cast<http::status>(status), 11};
            res.body() = body;
            if (!body.empty()) {
                res.set(http::field::content_type, "application/json");
            }
            res.keep_alive(false);
            res.prepare_payload();
            http::write(s, res, ec);
            s.shutdown(tcp::socket::shutdown_both, ec);
        }
    }

    script_fn script_;
    net::io_context ioc_;
    tcp::acceptor acceptor_{ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    std::mutex mu_;
    std::vector<recorded> requests_;
};

touchpoint_options options(unsigned short port) {
    touchpoint_options o;
    o.protocol = "fidesmo";
    o.url = "http://127.0.0.1:" + std::to_string(port) + "/v3";
    o.app_id = "a1b2c3d4";
    o.service_id = "demo";
    o.fields = {{"pin", "1234"}, {"email", "a@b.c"}};
    o.fetch_retry_ms = 300;
    o.max_reconnects = 0;
    return o;
}

struct run_result {
    int code;
    std::string out;
    std::string err;
};

run_result run_driver(const touchpoint_options& o, card& c) {
    std::string error;
    auto http = fidesmo_http_client::make(o.url, error);
    BOOST_REQUIRE_MESSAGE(http, error);
    std::ostringstream out, err;
    fidesmo_long_poll_driver d(o, c, std::move(*http), out, err);
    d.set_not_ready_pause(std::chrono::milliseconds(10));
    int code = d.run();
    return {code, out.str(), err.str()};
}

// The steps before the fetch loop, as a Fidesmo server answers them.
std::optional<std::pair<int, std::string>> setup_step(const recorded& r) {
    if (r.target == "/v3/devices/0E48800471400A?batchId=1") {
        return std::pair{200, R"({"iin":"8A2C10","description":{"capabilities":{"platformVersion":2}}})"};
    }
    if (r.target == "/v3/apps/a1b2c3d4/services/demo?cin=0E48800471400A") {
        return std::pair{200, R"({"description":{"title":{"en":"Demo"},"emailRequired":{"en":"Email"}}})"};
    }
    if (r.target == "/v3/service/deliver") {
        return std::pair{200, R"({"sessionId":"s-1"})"};
    }
    if (r.target == "/v3/service/error") {
        return std::pair{204, std::string()};
    }
    return std::nullopt;
}

std::vector<recorded> with_target(const std::vector<recorded>& all, const std::string& target) {
    std::vector<recorded> out;
    for (const auto& r : all) {
        if (r.target == target) {
            out.push_back(r);
        }
    }
    return out;
}

virtual_card sandbox(const touchpoint_options& o) {
    std::string error;
    auto cfg = virtual_card_config(o, error);
    BOOST_REQUIRE_MESSAGE(cfg, error);
    return virtual_card(std::move(*cfg));
}

} // namespace

BOOST_AUTO_TEST_SUITE(fidesmo_long_poll_driver_tests)

BOOST_AUTO_TEST_CASE(delivers_as_fdsm_does_with_204_retries_and_every_command_run) {
    std::mutex mu;
    int fetches = 0;
    int connector = 0;
    scripted_server server([&](const recorded& r) -> std::pair<int, std::string> {
        if (auto s = setup_step(r)) {
            return *s;
        }
        std::lock_guard lock(mu);
        if (r.target == "/v3/service/fetch") {
            ++fetches;
            if (fetches <= 2) {
                return {204, ""};
            }
            if (fetches == 3) {
                return {200, R"({"completed":false,"operationId":"op-1","operationType":"transceive"})"};
            }
            return {200, R"({"completed":true,"status":{"success":true,"message":{"en":"Done"}}})"};
        }
        if (r.target == "/v3/connector/json") {
            ++connector;
            return connector == 1
                       ? std::pair{200,
                                   std::string(R"({"commands":["00A4040000","00B0000010","80CA004500"]})")}
                       : std::pair{200, std::string(R"({"commands":[]})")};
        }
        return {404, R"({"error":{"code":"not-found","message":"no"}})"};
    });
    auto o = options(server.port());
    auto card = sandbox(o);
    auto r = run_driver(o, card);
    BOOST_CHECK_MESSAGE(r.code == exit_ok, "exit " << r.code << " " << r.err);
    BOOST_CHECK(r.out.find("status: success=true message=Done") != std::string::npos);

    const auto all = server.requests();
    BOOST_REQUIRE_GE(all.size(), 8u);
    BOOST_CHECK_EQUAL(all[0].method, "GET");
    BOOST_CHECK_EQUAL(all[0].target, "/v3/devices/0E48800471400A?batchId=1"); // no devices/identify
    BOOST_CHECK_EQUAL(all[1].target, "/v3/apps/a1b2c3d4/services/demo?cin=0E48800471400A");
    for (const auto& q : all) {
        BOOST_CHECK_EQUAL(q.content_type, "application/json; charset=UTF-8"); // GETs too
        BOOST_CHECK_EQUAL(q.capabilities, "se-access,payment-aid-access,accounts");
    }
    auto deliver = json::parse(all[2].body).as_object();
    BOOST_CHECK_EQUAL(deliver["cardId"].as_object()["iin"].as_string(), "8A2C10");
    BOOST_CHECK_EQUAL(deliver["cardId"].as_object()["cin"].as_string(), "0E48800471400A");
    BOOST_CHECK_EQUAL(deliver["cardId"].as_object()["platformVersion"].as_int64(), 2);
    BOOST_CHECK_EQUAL(deliver["fields"].as_object()["pin"].as_string(), "1234");
    BOOST_CHECK(!deliver["fields"].as_object().contains("email")); // emailRequired: beside the fields
    BOOST_CHECK_EQUAL(deliver["email"].as_string(), "a@b.c");

    auto fetch = with_target(all, "/v3/service/fetch");
    BOOST_REQUIRE_EQUAL(fetch.size(), 4u);
    BOOST_CHECK_EQUAL(fetch[0].body, R"({"sessionId":"s-1"})");
    BOOST_CHECK_EQUAL(fetch[1].body, fetch[0].body); // after a 204: the same body again
    BOOST_CHECK_EQUAL(fetch[2].body, fetch[0].body);
    BOOST_CHECK_EQUAL(fetch[3].body, R"({"sessionId":"s-1"})");
    auto conn = with_target(all, "/v3/connector/json");
    BOOST_REQUIRE_EQUAL(conn.size(), 2u);
    BOOST_CHECK_EQUAL(conn[0].body, R"({"uuid":"op-1","open":true,"responses":[]})");
    auto second = json::parse(conn[1].body).as_object();
    const auto& responses = second["responses"].as_array();
    BOOST_REQUIRE_EQUAL(responses.size(), 3u); // the 6D00 did not stop the batch
    BOOST_CHECK_EQUAL(responses[1].as_string(), "6D00");
    BOOST_CHECK_EQUAL(responses[2].as_string(), "45070E48800471400A9000");
    BOOST_CHECK(with_target(all, "/v3/service/error").empty());
}

BOOST_AUTO_TEST_CASE(six_answers_204_give_up_and_report_service_error) {
    scripted_server server([&](const recorded& r) -> std::pair<int, std::string> {
        if (auto s = setup_step(r)) {
            return *s;
        }
        return {204, ""};
    });
    auto o = options(server.port());
    auto card = sandbox(o);
    auto r = run_driver(o, card);
    BOOST_CHECK_EQUAL(r.code, exit_failed);
    BOOST_CHECK(r.err.find("after all retries (204)") != std::string::npos);
    const auto all = server.requests();
    BOOST_CHECK_EQUAL(with_target(all, "/v3/service/fetch").size(), 6u); // the first and five retries
    auto errors = with_target(all, "/v3/service/error");
    BOOST_REQUIRE_EQUAL(errors.size(), 1u);
    auto e = json::parse(errors[0].body).as_object();
    BOOST_CHECK_EQUAL(e["sessionId"].as_string(), "s-1");
    BOOST_CHECK_EQUAL(e["fatal"].as_bool(), true);
    BOOST_CHECK(!e["message"].as_string().empty());
}

BOOST_AUTO_TEST_CASE(answers_503_are_retried_at_once_until_the_bound) {
    scripted_server server([&](const recorded& r) -> std::pair<int, std::string> {
        if (auto s = setup_step(r)) {
            return *s;
        }
        return {503, R"({"error":{"code":"unavailable","message":"held"}})"};
    });
    auto o = options(server.port()); // the bound is 300 ms
    auto card = sandbox(o);
    auto r = run_driver(o, card);
    BOOST_CHECK_EQUAL(r.code, exit_failed);
    BOOST_CHECK(r.err.find("service/fetch: the server answered 503") != std::string::npos);
    const auto all = server.requests();
    BOOST_CHECK_GT(with_target(all, "/v3/service/fetch").size(), 1u);
    BOOST_CHECK_EQUAL(with_target(all, "/v3/service/error").size(), 1u);
}

BOOST_AUTO_TEST_CASE(a_lost_card_fails_the_session_with_service_error) {
    struct losing_card final : card {
        virtual_card inner;
        int left;
        losing_card(virtual_card c, int n) : inner(std::move(c)), left(n) {}
        std::string transceive(std::string_view apdu) override {
            if (left-- <= 0) {
                throw card_lost_error("card removed from the reader");
            }
            return inner.transceive(apdu);
        }
    };
    scripted_server server([&](const recorded& r) -> std::pair<int, std::string> {
        if (auto s = setup_step(r)) {
            return *s;
        }
        if (r.target == "/v3/service/fetch") {
            return {200, R"({"completed":false,"operationId":"op-1","operationType":"transceive"})"};
        }
        return {200, R"({"commands":["00A4040000","80CA004500"]})"};
    });
    auto o = options(server.port());
    losing_card c(sandbox(o), 7); // identification (6 APDUs) and one command
    auto r = run_driver(o, c);
    BOOST_CHECK_EQUAL(r.code, exit_connection);
    auto errors = with_target(server.requests(), "/v3/service/error");
    BOOST_REQUIRE_EQUAL(errors.size(), 1u);
    auto e = json::parse(errors[0].body).as_object();
    BOOST_CHECK_EQUAL(e["message"].as_string(), "card removed from the reader");
    BOOST_CHECK_EQUAL(e["fatal"].as_bool(), true);
}

BOOST_AUTO_TEST_CASE(an_unsuccessful_status_exits_1_without_service_error) {
    scripted_server server([&](const recorded& r) -> std::pair<int, std::string> {
        if (auto s = setup_step(r)) {
            return *s;
        }
        return {
            200,
            R"({"completed":true,"status":{"success":false,"message":"SP said no","scriptStatus":"6A80"}})"};
    });
    auto o = options(server.port());
    auto card = sandbox(o);
    auto r = run_driver(o, card);
    BOOST_CHECK_EQUAL(r.code, exit_failed);
    BOOST_CHECK(r.out.find("status: success=false message=SP said no scriptStatus=6A80")
                != std::string::npos);
    BOOST_CHECK(with_target(server.requests(), "/v3/service/error").empty());
}

BOOST_AUTO_TEST_CASE(a_card_without_batch_id_is_identified_by_the_server) {
    scripted_server server([&](const recorded& r) -> std::pair<int, std::string> {
        if (r.target.starts_with("/v3/devices/identify?")) {
            return {200, R"({"cin":"0E48800471400A","batchId":1})"};
        }
        if (auto s = setup_step(r)) {
            return *s;
        }
        return {200, R"({"completed":true,"status":{"success":true,"message":"ok"}})"};
    });
    auto o = options(server.port());
    std::string error;
    auto cfg = virtual_card_config(o, error);
    BOOST_REQUIRE(cfg);
    cfg->fidesmo.enabled = false; // no platform applet: CIN from GET DATA, no batch id
    virtual_card card(std::move(*cfg));
    auto r = run_driver(o, card);
    BOOST_CHECK_MESSAGE(r.code == exit_ok, r.err);
    const auto all = server.requests();
    BOOST_REQUIRE(!all.empty());
    BOOST_CHECK_EQUAL(all[0].target,
                      "/v3/devices/identify?cplc=" + tsm::core::to_hex(card.element().config().cplc)
                          + "&uid=045A3D72212C80");
    BOOST_CHECK_EQUAL(all[1].target, "/v3/devices/0E48800471400A?batchId=1");
}

BOOST_AUTO_TEST_CASE(responses_lost_with_the_connection_are_not_posted_again) {
    std::mutex mu;
    int fetches = 0;
    scripted_server server([&](const recorded& r) -> std::pair<int, std::string> {
        if (auto s = setup_step(r)) {
            return *s;
        }
        std::lock_guard lock(mu);
        if (r.target == "/v3/service/fetch") {
            ++fetches;
            return {200, R"({"completed":false,"operationId":"op-1","operationType":"transceive"})"};
        }
        if (r.target == "/v3/connector/json") {
            if (json::parse(r.body).as_object()["responses"].as_array().empty()) {
                return {200, R"({"commands":["00A4040000","80CA004500"]})"};
            }
            return {0, ""}; // applied or not, the client cannot know: it must not re-post
        }
        return {404, R"({"error":{"code":"not-found","message":"no"}})"};
    });
    auto o = options(server.port());
    o.max_reconnects = 3; // retries are allowed, but not for this request
    auto card = sandbox(o);
    auto r = run_driver(o, card);
    BOOST_CHECK_EQUAL(r.code, exit_connection);
    BOOST_CHECK_MESSAGE(r.err.find("not repeated") != std::string::npos, r.err);
    const auto all = server.requests();
    auto conn = with_target(all, "/v3/connector/json");
    BOOST_REQUIRE_EQUAL(conn.size(), 2u); // the opening request and the responses, once
    BOOST_CHECK_EQUAL(json::parse(conn[1].body).as_object()["responses"].as_array().size(), 2u);
    BOOST_CHECK_EQUAL(with_target(all, "/v3/service/fetch").size(), 1u); // no fetch after the loss
    auto errors = with_target(all, "/v3/service/error");
    BOOST_REQUIRE_EQUAL(errors.size(), 1u);
    auto e = json::parse(errors[0].body).as_object();
    BOOST_CHECK_EQUAL(e["sessionId"].as_string(), "s-1");
    BOOST_CHECK_EQUAL(e["fatal"].as_bool(), true);
    // The service/error is the last request: nothing was sent for the session after it.
    BOOST_CHECK_EQUAL(all.back().target, "/v3/service/error");
}

BOOST_AUTO_TEST_CASE(a_deliver_lost_with_the_connection_is_not_posted_again) {
    scripted_server server([&](const recorded& r) -> std::pair<int, std::string> {
        if (r.target == "/v3/service/deliver") {
            return {0, ""}; // a session may have been created: a second deliver would make another
        }
        if (auto s = setup_step(r)) {
            return *s;
        }
        return {404, R"({"error":{"code":"not-found","message":"no"}})"};
    });
    auto o = options(server.port());
    o.max_reconnects = 3;
    auto card = sandbox(o);
    auto r = run_driver(o, card);
    BOOST_CHECK_EQUAL(r.code, exit_connection);
    const auto all = server.requests();
    BOOST_CHECK_EQUAL(with_target(all, "/v3/service/deliver").size(), 1u);
    BOOST_CHECK(with_target(all, "/v3/service/error").empty()); // no session id to report
    BOOST_CHECK(with_target(all, "/v3/service/fetch").empty());
}

BOOST_AUTO_TEST_CASE(gets_and_the_opening_connector_request_are_retried_after_a_lost_connection) {
    std::mutex mu;
    int devices = 0;
    int opening = 0;
    int fetches = 0;
    scripted_server server([&](const recorded& r) -> std::pair<int, std::string> {
        std::lock_guard lock(mu);
        if (r.target == "/v3/devices/0E48800471400A?batchId=1" && ++devices == 1) {
            return {0, ""};
        }
        if (auto s = setup_step(r)) {
            return *s;
        }
        if (r.target == "/v3/service/fetch") {
            if (++fetches == 1) {
                return {200, R"({"completed":false,"operationId":"op-1","operationType":"transceive"})"};
            }
            return {200, R"({"completed":true,"status":{"success":true,"message":"ok"}})"};
        }
        if (r.target == "/v3/connector/json") {
            if (!json::parse(r.body).as_object()["responses"].as_array().empty()) {
                return {200, R"({"commands":[]})"};
            }
            return ++opening == 1 ? std::pair{0, std::string()}
                                  : std::pair{200, std::string(R"({"commands":["00A4040000"]})")};
        }
        return {404, R"({"error":{"code":"not-found","message":"no"}})"};
    });
    auto o = options(server.port());
    o.max_reconnects = 1;
    auto card = sandbox(o);
    auto r = run_driver(o, card);
    BOOST_CHECK_MESSAGE(r.code == exit_ok, "exit " << r.code << " " << r.err);
    const auto all = server.requests();
    BOOST_CHECK_EQUAL(with_target(all, "/v3/devices/0E48800471400A?batchId=1").size(), 2u);
    auto conn = with_target(all, "/v3/connector/json");
    BOOST_REQUIRE_EQUAL(conn.size(), 3u); // the opening request twice, then the responses
    BOOST_CHECK_EQUAL(conn[0].body, conn[1].body);
    BOOST_CHECK(with_target(all, "/v3/service/error").empty());
}

BOOST_AUTO_TEST_SUITE_END()

// User input in the long poll: the fetch's user-interaction step is answered by the next fetch's
// operationResult (encrypted under the description's certificate: the SP's key opens it), a
// repeated step gets the same answer, an action step is acknowledged, --decline answers 400.
#include "example_sp/sp_key.hpp"

BOOST_AUTO_TEST_SUITE(fidesmo_long_poll_user_steps_tests)

BOOST_AUTO_TEST_CASE(user_steps_are_answered_by_the_next_fetch) {
    std::string error;
    auto key = tsm::tools::example_sp::sp_key::generate(error);
    BOOST_REQUIRE_MESSAGE(key, error);
    std::mutex mu;
    int fetches = 0;
    const std::string prompt =
        R"({"completed":false,"operationId":"ui-1","operationType":"user-interaction","fields":[{"id":"pin","type":"edit","label":{"en":"Choose a PIN"}}],"encrypted":true})";
    scripted_server server([&](const recorded& r) -> std::pair<int, std::string> {
        if (r.target == "/v3/apps/a1b2c3d4/services/demo?cin=0E48800471400A") {
            return {200, R"({"description":{"title":"PIN","fieldsRequired":[],"certificate":")"
                             + key->certificate_hex() + "\"}}"};
        }
        if (auto s = setup_step(r)) {
            return *s;
        }
        std::lock_guard lock(mu);
        if (r.target == "/v3/service/fetch") {
            ++fetches;
            if (fetches <= 2) {
                return {200, prompt}; // the second time: the same step again (asked once)
            }
            if (fetches == 3) {
                return {
                    200,
                    R"({"completed":false,"operationId":"act-1","operationType":"action","actions":[{"name":"phonecall","description":"Call","parameters":{"number":"1"}}]})"};
            }
            return {200, R"({"completed":true,"status":{"success":true,"message":"PIN set"}})"};
        }
        return {404, ""};
    });
    auto o = options(server.port());
    o.fields = {{"pin", "1234"}};
    auto card = sandbox(o);
    auto r = run_driver(o, card);
    BOOST_CHECK_MESSAGE(r.code == exit_ok, "exit " << r.code << " " << r.err);

    auto fetch = with_target(server.requests(), "/v3/service/fetch");
    BOOST_REQUIRE_EQUAL(fetch.size(), 4u);
    BOOST_CHECK_EQUAL(fetch[0].body, R"({"sessionId":"s-1"})");
    auto answer = json::parse(fetch[1].body).as_object();
    const auto& result = answer.at("operationResult").as_object();
    BOOST_CHECK_EQUAL(result.at("operationId").as_string(), "ui-1");
    BOOST_CHECK_EQUAL(result.at("statusCode").as_int64(), 200);
    auto aes = key->unwrap(std::string(result.at("ephemeralKey").as_string()));
    BOOST_REQUIRE(aes);
    BOOST_CHECK_EQUAL(tsm::tools::example_sp::sp_key::decrypt_value(
                          *aes, std::string(result.at("fields").at("pin").as_string()))
                          .value_or("?"),
                      "1234");
    BOOST_CHECK_EQUAL(fetch[2].body, fetch[1].body); // the repeated step: the same answer
    BOOST_CHECK_EQUAL(fetch[3].body,
                      R"({"sessionId":"s-1","operationResult":{"operationId":"act-1","statusCode":200}})");
    BOOST_CHECK(r.out.find("phonecall: Call") != std::string::npos);
    BOOST_CHECK(r.out.find("1234") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(decline_answers_status_400_and_an_unanswerable_step_reports_service_error) {
    for (const bool decline : {true, false}) {
        std::mutex mu;
        int fetches = 0;
        scripted_server server([&](const recorded& r) -> std::pair<int, std::string> {
            if (auto s = setup_step(r)) {
                return *s;
            }
            std::lock_guard lock(mu);
            if (r.target == "/v3/service/fetch") {
                ++fetches;
                return fetches == 1
                           ? std::
                               pair{200,
                                    std::string(
                                        R"({"completed":false,"operationId":"ui-2","operationType":"user-interaction","fields":[{"id":"color","type":"edit"}],"encrypted":false})")}
                           : std::pair{200, std::string(R"({"completed":true,"status":{"success":false}})")};
            }
            return {404, ""};
        });
        auto o = options(server.port());
        o.decline = decline;
        auto card = sandbox(o);
        auto r = run_driver(o, card);
        BOOST_CHECK_EQUAL(r.code, exit_failed);
        const auto all = server.requests();
        if (decline) {
            auto fetch = with_target(all, "/v3/service/fetch");
            BOOST_REQUIRE_EQUAL(fetch.size(), 2u);
            BOOST_CHECK_EQUAL(
                fetch[1].body,
                R"({"sessionId":"s-1","operationResult":{"operationId":"ui-2","statusCode":400}})");
        } else {
            // No --fields value for "color" and no terminal: the delivery fails as fdsm's would.
            auto errors = with_target(all, "/v3/service/error");
            BOOST_REQUIRE_EQUAL(errors.size(), 1u);
            BOOST_CHECK(errors[0].body.find("no answer for field color") != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
