#include "example_sp/sp_app.hpp"

#include "example_sp/http_listener.hpp"
#include "touchpoint/sim_card.hpp"
#include "tsmctl/sync_http_client.hpp"

#include "refused_port.hpp"

#include "tsm/core/hex.hpp"
#include "tsm/core/json_writer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

using namespace tsm::tools;
using namespace tsm::tools::example_sp;
namespace json = boost::json;

namespace {

// A fake tsmd SP API on 127.0.0.1:0. /transceive runs the commands on a simulated card and
// POSTs the callback; /service/completed records the outcome.
struct fake_tsmd {
    http_listener listener;
    touchpoint::sim_card card{*tsm::core::from_hex("8A2C10"), *tsm::core::from_hex("0E48800471400A")};
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<http_request_in> transceives;
    std::optional<http_request_in> completed;
    std::vector<std::thread> callbacks;
    int fail_operation = 0;             ///< 1-based transceive whose callback reports statusCode 500
    bool callback_before_reply = false; ///< POST the callback before answering /transceive
    int next_op = 0;

    fake_tsmd() {
        std::string error;
        bool ok = listener.start(
            "127.0.0.1", 0, [this](const http_request_in& r) { return handle(r); }, error);
        BOOST_REQUIRE_MESSAGE(ok, error);
    }
    ~fake_tsmd() {
        listener.stop();
        for (auto& t : callbacks) {
            t.join();
        }
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(listener.port()); }

    http_reply handle(const http_request_in& r) {
        if (r.header("app_id") != "sp-1" || r.header("app_key") != "A1B2") {
            return {401, R"({"error":{"code":"unauthorized","message":"bad app credentials"}})"};
        }
        if (r.method == "POST" && r.target == "/service/completed") {
            std::lock_guard lock(mutex);
            completed = r;
            cv.notify_all();
            return {200, ""};
        }
        if (r.method != "POST" || r.target != "/transceive") {
            return {404, R"({"error":{"code":"not_found","message":"no"}})"};
        }
        std::string op_id;
        std::string callback_body;
        {
            std::lock_guard lock(mutex);
            transceives.push_back(r);
            cv.notify_all();
            op_id = "op-" + std::to_string(++next_op);
            tsm::core::json_writer w;
            w.begin_object().key("operationId").value(op_id);
            if (next_op == fail_operation) {
                w.key("statusCode").value(500);
                w.key("error")
                    .begin_object()
                    .key("code")
                    .value("card_lost")
                    .key("message")
                    .value("gone")
                    .end_object();
            } else {
                w.key("statusCode").value(200).key("responses").begin_array();
                json::value parsed = json::parse(r.body); // named: the loop must not outlive it
                for (const auto& c : parsed.at("commands").as_array()) {
                    w.hex_value(card.transceive(*tsm::core::from_hex(c.as_string())));
                }
                w.end_array();
            }
            w.end_object();
            callback_body = std::move(w).str();
        }
        std::string cb_url = r.header("callbackUrl");
        auto post = [cb_url, callback_body] {
            sync_http_request req;
            req.method = "POST";
            req.url = cb_url;
            req.body = callback_body;
            (void)http_call(req); // outcome checked through the SP's behaviour, not here
        };
        if (callback_before_reply) {
            post(); // the SP must park a callback that beats the operationId
        } else {
            std::lock_guard lock(mutex);
            callbacks.emplace_back(post);
        }
        return {200, R"({"operationId":")" + op_id + R"("})"};
    }

    bool wait_completed(std::chrono::seconds timeout) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, timeout, [&] { return completed.has_value(); });
    }
};

struct sp_under_test {
    std::ostringstream log;
    std::unique_ptr<sp_app> app;
    explicit sp_under_test(const std::string& tsm_url) {
        sp_options o;
        o.tsm_url = tsm_url;
        o.app_id = "sp-1";
        o.app_key = "A1B2";
        o.operation_timeout = std::chrono::seconds(10);
        app = std::make_unique<sp_app>(o, log);
        std::string error;
        BOOST_REQUIRE_MESSAGE(app->start(error), error);
    }
};

sync_http_response call(std::string method, std::string url, std::string body = "") {
    sync_http_request req;
    req.method = std::move(method);
    req.url = std::move(url);
    req.body = std::move(body);
    return http_call(req);
}

sync_http_response send_delivery(const std::string& sp_url, const std::string& method,
                                 const std::string& service) {
    sync_http_request req;
    req.method = method;
    req.url = sp_url + "/delivery";
    req.body =
        R"({"sessionId":"6f1c2d3e-0000-4000-8000-00000000abcd","serviceId":")" + service
        + R"(","description":{"title":"OpenTSM demo"},"cardId":{"iin":"8A2C10","cin":"0E48800471400A","platformVersion":2}})";
    return http_call(req);
}

} // namespace

BOOST_AUTO_TEST_SUITE(example_sp_suite)

BOOST_AUTO_TEST_CASE(serves_description_for_demo_only) {
    fake_tsmd tsmd;
    sp_under_test sp(tsmd.url());
    auto res = call("GET", sp.app->public_url() + "/description/demo");
    BOOST_TEST(res.status == 200);
    auto d = json::parse(res.body).as_object();
    BOOST_TEST(d.at("title").as_string() == "OpenTSM demo");
    BOOST_TEST(d.at("confirmationRequired").as_bool() == false);
    BOOST_TEST(call("GET", sp.app->public_url() + "/description/other").status == 404);
    BOOST_TEST(send_delivery(sp.app->public_url(), "PUT", "other").status == 404);
    BOOST_TEST(call("GET", sp.app->public_url() + "/nope").status == 404);
}

BOOST_AUTO_TEST_CASE(runs_the_demo_and_completes_with_success) {
    fake_tsmd tsmd;
    sp_under_test sp(tsmd.url());
    auto res = send_delivery(sp.app->public_url(), "PUT", "demo");
    BOOST_TEST(res.status == 200);
    BOOST_REQUIRE(tsmd.wait_completed(std::chrono::seconds(20)));
    std::lock_guard lock(tsmd.mutex);
    BOOST_REQUIRE_MESSAGE(tsmd.transceives.size() == 2u, tsmd.completed->body);
    const auto& t1 = tsmd.transceives[0];
    BOOST_TEST(t1.header("sessionId") == "6f1c2d3e-0000-4000-8000-00000000abcd");
    BOOST_TEST(t1.header("callbackUrl")
               == sp.app->public_url() + "/callback/6f1c2d3e-0000-4000-8000-00000000abcd");
    BOOST_TEST(t1.header("Content-Type") == "application/json");
    auto cmds = json::parse(t1.body).at("commands").as_array();
    BOOST_REQUIRE_EQUAL(cmds.size(), 2u);
    BOOST_TEST(cmds[0].as_string() == "00A4040000");
    BOOST_TEST(cmds[1].as_string() == "80CA9F7F00");
    BOOST_TEST(json::parse(tsmd.transceives[1].body).at("commands").as_array()[0].as_string()
               == "80CA004500");
    const auto& done = *tsmd.completed;
    BOOST_TEST(done.header("sessionId") == "6f1c2d3e-0000-4000-8000-00000000abcd");
    BOOST_TEST(done.header("callbackUrl").empty());
    auto body = json::parse(done.body).as_object();
    BOOST_TEST(body.at("success").as_bool() == true);
    BOOST_TEST(std::string(body.at("message").as_string()).find("0E48800471400A") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(handles_callback_that_arrives_before_the_operation_id) {
    fake_tsmd tsmd;
    tsmd.callback_before_reply = true;
    sp_under_test sp(tsmd.url());
    BOOST_TEST(send_delivery(sp.app->public_url(), "POST", "demo").status == 200);
    BOOST_REQUIRE(tsmd.wait_completed(std::chrono::seconds(20)));
    std::lock_guard lock(tsmd.mutex);
    BOOST_TEST(json::parse(tsmd.completed->body).at("success").as_bool() == true);
}

BOOST_AUTO_TEST_CASE(reports_failure_when_an_operation_fails) {
    fake_tsmd tsmd;
    tsmd.fail_operation = 2;
    sp_under_test sp(tsmd.url());
    BOOST_TEST(send_delivery(sp.app->public_url(), "PUT", "demo").status == 200);
    BOOST_REQUIRE(tsmd.wait_completed(std::chrono::seconds(20)));
    std::lock_guard lock(tsmd.mutex);
    auto body = json::parse(tsmd.completed->body).as_object();
    BOOST_TEST(body.at("success").as_bool() == false);
    BOOST_TEST(std::string(body.at("message").as_string()).find("500") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(stop_ends_waiting_sessions_with_failure) {
    fake_tsmd tsmd;
    // A public URL that goes nowhere: no callback arrives, so the session waits until stop().
    sp_options o;
    o.tsm_url = tsmd.url();
    o.app_id = "sp-1";
    o.app_key = "A1B2";
    const tsm::test::refused_port nowhere; // bound, never listening: callbacks never reach the SP
    o.public_url = nowhere.url();
    std::ostringstream log;
    sp_app lonely(o, log);
    std::string error;
    BOOST_REQUIRE(lonely.start(error));
    auto addr = "http://127.0.0.1:" + std::to_string(lonely.port());
    BOOST_TEST(send_delivery(addr, "PUT", "demo").status == 200);
    {
        std::unique_lock lock(tsmd.mutex);
        tsmd.cv.wait_for(lock, std::chrono::seconds(10), [&] { return !tsmd.transceives.empty(); });
    }
    lonely.stop();
    std::lock_guard lock(tsmd.mutex);
    BOOST_REQUIRE(tsmd.completed.has_value());
    BOOST_TEST(json::parse(tsmd.completed->body).at("success").as_bool() == false);
}

BOOST_AUTO_TEST_CASE(rejects_bad_delivery_bodies_and_methods) {
    fake_tsmd tsmd;
    sp_under_test sp(tsmd.url());
    BOOST_TEST(call("PUT", sp.app->public_url() + "/delivery", "not json").status == 400);
    BOOST_TEST(call("PUT", sp.app->public_url() + "/delivery", R"({"serviceId":"demo"})").status == 400);
    BOOST_TEST(call("GET", sp.app->public_url() + "/delivery").status == 405);
    BOOST_TEST(call("POST", sp.app->public_url() + "/callback/x", "{}").status == 400);
}

BOOST_AUTO_TEST_CASE(parses_command_line) {
    auto r = parse_sp_args({"--listen", "127.0.0.1:0", "--tsm", "http://127.0.0.1:8080", "--app-id", "a",
                            "--app-key", "00", "--public-url", "http://sp:1/"});
    BOOST_REQUIRE(r.options);
    BOOST_TEST(r.options->public_url == "http://sp:1");
    BOOST_TEST(!parse_sp_args({"--tsm", "http://x", "--app-id", "a", "--app-key", "zz"}).options);
    BOOST_TEST(!parse_sp_args({"--listen", "nope", "--tsm", "http://x", "--app-id", "a", "--app-key", "00"})
                    .options);
}

BOOST_AUTO_TEST_SUITE_END()
