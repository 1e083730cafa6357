// Full service deliveries through tsmd: touch point over WebSocket, SP over HTTP, callbacks.
#include "tsm_env.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

using namespace tsm::test;

BOOST_AUTO_TEST_SUITE(delivery)

BOOST_AUTO_TEST_CASE(describe_relays_the_sp_description) {
    tsm_env env;
    auto direct = http_call(env.sp.port(), "GET", "/desc/demo");
    BOOST_TEST_MESSAGE("direct: " << direct.status << " " << direct.body);
    BOOST_CHECK_EQUAL(direct.status, 200);
    ws_client ws(env.tsmd->port());
    ws.send(R"({"type":"describe","appId":"a1b2c3d4","serviceId":"demo"})");
    auto d = ws.read_type("description");
    BOOST_REQUIRE_MESSAGE(d,
                          "no description; skipped "
                              << (ws.skipped.empty() ? std::string() : boost::json::serialize(ws.skipped[0]))
                              << " closed " << ws.closed() << " log: " << env.tsmd->log());
    BOOST_CHECK_EQUAL(str((*d)["serviceId"]), "demo");
    BOOST_CHECK_EQUAL(str((*d)["description"].as_object()["title"].as_object()["en"]), "Test service demo");
}

BOOST_AUTO_TEST_CASE(full_delivery_with_several_operations_in_order) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);

    // Three operations posted back to back: they run strictly in the order accepted.
    std::string op1 = env.transceive_ok(s.session_id, {"00A4040000", "80CA9F7F00"});
    std::string op2 = env.transceive_ok(s.session_id, {"80CA004500"});
    std::string op3 = env.transceive_ok(s.session_id, {"00B0000010"});

    auto f1 = ws.read_type("commands");
    BOOST_REQUIRE(f1);
    BOOST_CHECK_EQUAL(str((*f1)["operationId"]), op1);
    BOOST_CHECK_EQUAL((*f1)["commands"].as_array().size(), 2u);
    BOOST_CHECK_EQUAL(str((*f1)["commands"].as_array()[0]), "00A4040000");
    BOOST_CHECK_EQUAL((*f1)["stopOnError"].as_bool(), false);
    // Nothing else is pushed while batch 1 is unanswered.
    require_no_frame_pending(ws, std::chrono::milliseconds(300));
    ws.send(R"({"type":"responses","batch":)" + std::to_string((*f1)["batch"].as_int64())
            + R"(,"responses":["6F009000","9F7F2A01029000"]})");

    auto cb1 = env.sp.wait_callback(op1);
    BOOST_REQUIRE(cb1);
    BOOST_CHECK_EQUAL((*cb1)["statusCode"].as_int64(), 200);
    BOOST_CHECK_EQUAL(str((*cb1)["responses"].as_array()[0]), "6F009000");
    BOOST_CHECK_EQUAL(str((*cb1)["responses"].as_array()[1]), "9F7F2A01029000");

    BOOST_CHECK_EQUAL(answer_batch(ws), op2);
    BOOST_CHECK_EQUAL(answer_batch(ws), op3);
    BOOST_REQUIRE(env.sp.wait_callback(op2));
    BOOST_REQUIRE(env.sp.wait_callback(op3));

    // The status service returns the same body as the callback.
    auto st = http_call(env.tsmd->port(), "GET", "/status/" + op1, env.sp_headers(s.session_id));
    BOOST_CHECK_EQUAL(st.status, 200);
    BOOST_CHECK_EQUAL(st.json().as_object().at("statusCode").as_int64(), 200);
    BOOST_CHECK_EQUAL(str(st.json().as_object().at("operationId")), op1);
    BOOST_CHECK_MESSAGE(st.json() == boost::json::value(*cb1),
                        "status " << st.body << " vs callback " << boost::json::serialize(*cb1));

    auto done = env.complete(s.session_id, true, "Installed");
    BOOST_CHECK_EQUAL(done.status, 200);
    auto status = ws.read_type("status");
    BOOST_REQUIRE(status);
    BOOST_CHECK_EQUAL(str((*status)["code"]), "OK");
    BOOST_CHECK_EQUAL((*status)["success"].as_bool(), true);
    BOOST_CHECK_EQUAL(str((*status)["message"]), "Installed");
    BOOST_CHECK(!ws.read(std::chrono::seconds(2)));
    BOOST_CHECK(ws.closed());
    BOOST_CHECK_EQUAL(ws.close_code(), 1000u);
}

BOOST_AUTO_TEST_CASE(delivery_request_carries_card_and_fields) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    ws.send(
        R"({"type":"deliver","appId":"a1b2c3d4","serviceId":"demo","cardId":{"iin":"8A2C","cin":"0E48800471400A","platformVersion":3},"fields":{"pin":"1234"}})");
    auto s = ws.read_type("session");
    BOOST_REQUIRE(s);
    BOOST_CHECK_GE(str((*s)["resumeToken"]).size(), 32u);
    auto d = env.sp.wait_delivery();
    BOOST_REQUIRE(d);
    BOOST_CHECK_EQUAL(env.sp.delivery_method(), "PUT");
    BOOST_CHECK_EQUAL(str((*d)["serviceId"]), "demo");
    BOOST_CHECK_EQUAL(str((*d)["cardId"].as_object()["cin"]), "0E48800471400A");
    BOOST_CHECK_EQUAL((*d)["cardId"].as_object()["platformVersion"].as_int64(), 3);
    BOOST_CHECK_EQUAL(str((*d)["fields"].as_object()["pin"]), "1234");
    BOOST_CHECK_EQUAL(str((*d)["description"].as_object()["title"].as_object()["en"]), "Test service demo");
}

BOOST_AUTO_TEST_CASE(many_concurrent_sessions) {
    tsm_env env;
    constexpr int sessions = 40;
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    std::vector<std::unique_ptr<ws_client>> clients;
    std::vector<delivered_session> delivered;
    // Deliver sequentially (the fake SP hands out deliveries in order), then run concurrently.
    for (int i = 0; i < sessions; ++i) {
        clients.push_back(std::make_unique<ws_client>(env.tsmd->port()));
        delivered.push_back(env.deliver(*clients.back()));
    }
    for (int i = 0; i < sessions; ++i) {
        threads.emplace_back([&, i] {
            auto& ws = *clients[i];
            const auto& s = delivered[i];
            bool good = true;
            for (int k = 0; k < 3; ++k) {
                auto r = env.transceive(s.session_id, {"00A40400" + std::string(2, char('0' + k))});
                if (r.status != 200) {
                    good = false;
                    break;
                }
                std::string op = str(r.json().as_object()["operationId"]);
                if (answer_batch(ws, std::chrono::seconds(10)) != op || !env.sp.wait_callback(op)) {
                    good = false;
                    break;
                }
            }
            if (good && env.complete(s.session_id, true).status == 200 && ws.read_type("status")) {
                ++ok;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    BOOST_CHECK_EQUAL(ok.load(), sessions);
}

BOOST_AUTO_TEST_CASE(callback_endpoint_fails_then_recovers) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    env.sp.fail_callbacks = 3;
    std::string op = env.transceive_ok(s.session_id, {"00A4040000"});
    BOOST_CHECK_EQUAL(answer_batch(ws), op);
    auto cb = env.sp.wait_callback(op, std::chrono::seconds(15));
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 200);
    BOOST_CHECK_EQUAL(env.sp.callback_count(op), 4u); // three refused, one accepted
}

BOOST_AUTO_TEST_CASE(touch_point_disconnects_mid_batch_and_resumes) {
    tsm_env env;
    auto ws = std::make_unique<ws_client>(env.tsmd->port());
    auto s = env.deliver(*ws);
    std::string op = env.transceive_ok(s.session_id, {"00A4040000", "80CA9F7F00"});
    auto first = ws->read_type("commands");
    BOOST_REQUIRE(first);
    const auto batch = (*first)["batch"].as_int64();
    ws->drop();
    ws.reset();

    ws_client again(env.tsmd->port());
    // A wrong token is refused and binds nothing.
    again.send(R"({"type":"resume","sessionId":")" + s.session_id + R"(","resumeToken":"00"})");
    auto err = again.read_type("error");
    BOOST_REQUIRE(err);
    BOOST_CHECK_EQUAL(str((*err)["code"]), "not-found");

    again.send(R"({"type":"resume","sessionId":")" + s.session_id + R"(","resumeToken":")" + s.resume_token
               + R"("})");
    auto resent = again.read_type("commands");
    BOOST_REQUIRE(resent);
    BOOST_CHECK_EQUAL((*resent)["batch"].as_int64(), batch); // same number: it was never answered
    BOOST_CHECK_EQUAL(str((*resent)["operationId"]), op);
    const std::string answer =
        R"({"type":"responses","batch":)" + std::to_string(batch) + R"(,"responses":["9000","9000"]})";
    again.send(answer);
    again.send(answer); // a duplicate answer is ignored, silently
    BOOST_REQUIRE(env.sp.wait_callback(op));
    require_no_frame_pending(again); // no error frame for the duplicate
    BOOST_CHECK(again.skipped.size() == 1u && str(again.skipped[0]["type"]) == "resumed");

    // The next operation gets a new batch number and only one callback was made for the first.
    std::string op2 = env.transceive_ok(s.session_id, {"80CA004500"});
    auto next = again.read_type("commands");
    BOOST_REQUIRE(next);
    BOOST_CHECK_GT((*next)["batch"].as_int64(), batch);
    BOOST_CHECK_EQUAL(str((*next)["operationId"]), op2);
    BOOST_CHECK_EQUAL(env.sp.callback_count(op), 1u);
}

BOOST_AUTO_TEST_CASE(client_error_fails_running_and_queued_operations) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    std::string op1 = env.transceive_ok(s.session_id, {"00A4040000"});
    std::string op2 = env.transceive_ok(s.session_id, {"80CA004500"});
    BOOST_REQUIRE(ws.read_type("commands"));
    ws.send(R"({"type":"status","code":"CLIENT_ERROR","message":"card removed"})");
    auto cb1 = env.sp.wait_callback(op1);
    auto cb2 = env.sp.wait_callback(op2);
    BOOST_REQUIRE(cb1);
    BOOST_REQUIRE(cb2);
    BOOST_CHECK_NE((*cb1)["statusCode"].as_int64(), 200);
    BOOST_CHECK_EQUAL((*cb1)["statusCode"].as_int64(), 500);
    BOOST_CHECK_EQUAL(str((*cb1)["error"].as_object()["code"]), "client-error");
    BOOST_CHECK_EQUAL(str((*cb1)["error"].as_object()["message"]), "card removed");
    BOOST_CHECK_NE((*cb2)["statusCode"].as_int64(), 200);
    BOOST_CHECK_EQUAL((*cb2)["statusCode"].as_int64(), 500);
    BOOST_CHECK_EQUAL(str((*cb2)["error"].as_object()["code"]), "client-error"); // the queued one too
    auto status = ws.read_type("status");
    BOOST_REQUIRE(status);
    BOOST_CHECK_EQUAL(str((*status)["code"]), "FAILED");
    BOOST_CHECK_EQUAL((*status)["success"].as_bool(), false);
    BOOST_CHECK_EQUAL(str((*status)["message"]), "Aborted by the touch point");
    BOOST_CHECK(!ws.read(std::chrono::seconds(5)));
    BOOST_CHECK(ws.closed());
    BOOST_CHECK_EQUAL(ws.close_code(), 1000u);
    // The session is over for the SP too.
    BOOST_CHECK_EQUAL(env.transceive(s.session_id, {"00A4040000"}).status, 409);
}

BOOST_AUTO_TEST_CASE(sp_refusing_the_delivery_fails_the_session) {
    tsm_env env;
    env.sp.delivery_status = 404;
    env.sp.hold_deliveries(); // so that an operation is queued before the refusal
    ws_client ws(env.tsmd->port());
    ws.send(
        R"({"type":"deliver","appId":"a1b2c3d4","serviceId":"demo","cardId":{"iin":"8A2C","cin":"0E48","platformVersion":2}})");
    auto session = ws.read_type("session");
    BOOST_REQUIRE(session);
    BOOST_REQUIRE(env.sp.wait_delivery());
    // Operations are accepted while the delivery request is unanswered.
    const std::string op = env.transceive_ok(str((*session)["sessionId"]), {"00A4040000"});
    BOOST_REQUIRE(ws.read_type("commands"));
    env.sp.release_deliveries();
    auto status = ws.read_type("status");
    BOOST_REQUIRE(status);
    BOOST_CHECK_EQUAL(str((*status)["code"]), "FAILED");
    BOOST_CHECK_EQUAL((*status)["success"].as_bool(), false);
    BOOST_CHECK_EQUAL(str((*status)["message"]), "The service provider could not deliver this service");
    BOOST_CHECK(!ws.read(std::chrono::seconds(5)));
    BOOST_CHECK(ws.closed());
    BOOST_CHECK_EQUAL(ws.close_code(), 1000u);
    // The operation fails with the documented callback (architecture.md §8).
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 409);
    BOOST_CHECK_EQUAL(str((*cb)["error"].as_object()["code"]), "delivery-refused");
    BOOST_CHECK(!str((*cb)["error"].as_object()["message"]).empty());
}

BOOST_AUTO_TEST_CASE(an_app_removed_before_the_delivery_request_is_resent_fails_the_session) {
    tsm_env env;
    env.sp.hold_deliveries(); // the SP never answers: the session stays delivering
    delivered_session s;
    std::string op;
    {
        ws_client ws(env.tsmd->port());
        s = env.deliver(ws);
        op = env.transceive_ok(s.session_id, {"00A4040000"});
        ws.drop();
    }
    BOOST_REQUIRE_EQUAL(http_call(env.tsmd->admin_port(), "DELETE", "/admin/v1/apps/" + app_id).status, 200);
    env.restart_after_kill(); // recovery would send the delivery request again: the app is gone
    env.sp.release_deliveries();
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 409);
    BOOST_CHECK_EQUAL(str((*cb)["error"].as_object()["code"]), "app-removed");
    BOOST_CHECK(!str((*cb)["error"].as_object()["message"]).empty());
    BOOST_CHECK_EQUAL(env.sp.delivery_count(), 1u); // no delivery request for the removed app
    // The touch point learns it on resume: the final status, then close 1000.
    ws_client again(env.tsmd->port());
    again.send(R"({"type":"resume","sessionId":")" + s.session_id + R"(","resumeToken":")" + s.resume_token
               + R"("})");
    auto status = again.read_type("status", std::chrono::seconds(10));
    BOOST_REQUIRE(status);
    BOOST_CHECK_EQUAL(str((*status)["code"]), "FAILED");
    BOOST_CHECK_EQUAL((*status)["success"].as_bool(), false);
    BOOST_CHECK_EQUAL(str((*status)["message"]), "Service unavailable");
    BOOST_CHECK(!again.read(std::chrono::seconds(5)));
    BOOST_CHECK(again.closed());
    BOOST_CHECK_EQUAL(again.close_code(), 1000u);
}

BOOST_AUTO_TEST_CASE(a_full_shard_answers_deliver_with_unavailable) {
    tsm_env env(1, "[limits]\nmax_sessions_per_shard = 1\n");
    ws_client first(env.tsmd->port());
    env.deliver(first);
    ws_client second(env.tsmd->port());
    second.send(
        R"({"type":"deliver","appId":"a1b2c3d4","serviceId":"demo","cardId":{"iin":"8A2C","cin":"0E48","platformVersion":2}})");
    auto e = second.read_type("error", std::chrono::seconds(10));
    BOOST_REQUIRE(e);
    BOOST_CHECK_EQUAL(str((*e)["code"]), "unavailable");
    BOOST_CHECK(!str((*e)["message"]).empty());
    BOOST_CHECK(second.skipped.empty());            // no session frame before the refusal
    BOOST_CHECK_EQUAL(env.sp.delivery_count(), 1u); // only the first session reached the SP
}

BOOST_AUTO_TEST_CASE(session_without_progress_expires) {
    tsm_env env(2, "[limits]\nsession_expiry_ms = 700\nsweep_interval_ms = 100\n");
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    std::string op = env.transceive_ok(s.session_id, {"00A4040000"});
    BOOST_REQUIRE(ws.read_type("commands"));
    auto status = ws.read_type("status", std::chrono::seconds(5));
    BOOST_REQUIRE(status);
    BOOST_CHECK_EQUAL(str((*status)["code"]), "FAILED");
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL(str((*cb)["error"].as_object()["code"]), "session-expired");
}

BOOST_AUTO_TEST_CASE(sp_failure_completion_reports_failed_status) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    boost::json::object body{{"success", false}, {"message", boost::json::object{{"en", "No luck"}}}};
    auto r = http_call(env.tsmd->port(), "POST", "/service/completed", env.sp_headers(s.session_id),
                       boost::json::serialize(body));
    BOOST_CHECK_EQUAL(r.status, 200);
    auto status = ws.read_type("status");
    BOOST_REQUIRE(status);
    BOOST_CHECK_EQUAL(str((*status)["code"]), "FAILED");
    BOOST_CHECK_EQUAL(str((*status)["message"].as_object()["en"]), "No luck");
}

BOOST_AUTO_TEST_CASE(every_auth_style_is_accepted) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    const std::string body = R"({"commands":["00A4040000"]})";
    // HTTP Basic appId:appKey
    const std::string basic = "Basic YTFiMmMzZDQ6MDAxMTIyMzM0NDU1NjY3Nzg4OTlhYWJiY2NkZGVlZmY=";
    auto r1 = http_call(
        env.tsmd->port(), "POST", "/transceive",
        {{"Authorization", basic}, {"sessionId", s.session_id}, {"callbackUrl", env.callback_url()}}, body);
    BOOST_CHECK_EQUAL(r1.status, 200);
    // Bearer appKey
    auto r2 = http_call(env.tsmd->port(), "PUT", "/transceive",
                        {{"Authorization", "Bearer " + app_key},
                         {"sessionId", s.session_id},
                         {"callbackUrl", env.callback_url()}},
                        body);
    BOOST_CHECK_EQUAL(r2.status, 200);
    // Upper-case hex key in headers
    auto r3 = http_call(env.tsmd->port(), "POST", "/transceive",
                        {{"app_id", app_id},
                         {"app_key", "00112233445566778899AABBCCDDEEFF"},
                         {"sessionId", s.session_id},
                         {"callbackUrl", env.callback_url()}},
                        body);
    BOOST_CHECK_EQUAL(r3.status, 200);
}

BOOST_AUTO_TEST_CASE(metrics_and_health_are_served) {
    tsm_env env;
    auto h = http_call(env.tsmd->port(), "GET", "/healthz");
    BOOST_CHECK_EQUAL(h.status, 200);
    auto r = http_call(env.tsmd->admin_port(), "GET", "/readyz");
    BOOST_CHECK_EQUAL(r.status, 200);
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    std::string op = env.transceive_ok(s.session_id, {"00A4040000"});
    answer_batch(ws);
    BOOST_REQUIRE(env.sp.wait_callback(op));
    auto m = http_call(env.tsmd->admin_port(), "GET", "/metrics");
    BOOST_CHECK_EQUAL(m.status, 200);
    for (const char* name :
         {"tsm_sessions{state=\"active\"} 1", "tsm_operations_total{result=\"succeeded\"} 1",
          "tsm_outbox_depth", "tsm_callback_latency_seconds_bucket", "tsm_websocket_connections 1",
          "tsm_store_batch_size_bucket", "tsm_store_fsyncs_total"}) {
        BOOST_CHECK_MESSAGE(m.body.find(name) != std::string::npos, "metrics lack " << name);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(slow_sp)

BOOST_AUTO_TEST_CASE(a_slow_sp_does_not_hold_up_other_sessions) {
    tsm_env env;  // its fake SP holds every callback until the end of the test
    fake_sp fast; // another SP that answers at once
    env.sp.hold_callbacks();
    BOOST_REQUIRE_EQUAL(env.register_app("fa570001", app_key, {}, fast.base()).status, 200);

    ws_client slow_ws(env.tsmd->port());
    auto slow = env.deliver(slow_ws);
    std::vector<std::string> slow_ops;
    for (int i = 0; i < 3; ++i) {
        slow_ops.push_back(env.transceive_ok(slow.session_id, {"00A4040000"}));
        BOOST_REQUIRE_EQUAL(answer_batch(slow_ws), slow_ops.back());
    }
    // The slow SP has the first callback and sits on it.
    for (int i = 0; i < 500 && env.sp.callback_count(slow_ops[0]) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    BOOST_REQUIRE_GT(env.sp.callback_count(slow_ops[0]), 0u);

    ws_client fast_ws(env.tsmd->port());
    fast_ws.send(
        R"({"type":"deliver","appId":"fa570001","serviceId":"demo","cardId":{"iin":"8A2C","cin":"0E48","platformVersion":2}})");
    auto s = fast_ws.read_type("session");
    BOOST_REQUIRE(s);
    const std::string fast_session = str((*s)["sessionId"]);
    BOOST_REQUIRE(fast.wait_delivery());
    for (int i = 0; i < 3; ++i) {
        auto r = http_call(env.tsmd->port(), "POST", "/transceive",
                           {{"app_id", "fa570001"},
                            {"app_key", app_key},
                            {"sessionId", fast_session},
                            {"callbackUrl", fast.base() + "/cb/f"}},
                           R"({"commands":["00A4040000"]})");
        BOOST_REQUIRE_EQUAL(r.status, 200);
        const std::string op = str(r.json().as_object()["operationId"]);
        BOOST_REQUIRE_EQUAL(answer_batch(fast_ws), op);
        BOOST_REQUIRE(fast.wait_callback(op, std::chrono::seconds(10)));
    }
    // Three round trips with callbacks finished while the slow SP still holds its first one:
    // none of the slow session's callbacks has been answered.
    BOOST_CHECK_GT(env.sp.held_callbacks(), 0u);
    for (const auto& op : slow_ops) {
        BOOST_CHECK(!env.sp.wait_callback(op, std::chrono::milliseconds(0)));
    }
    env.sp.release_callbacks();
    for (const auto& op : slow_ops) {
        BOOST_CHECK(env.sp.wait_callback(op, std::chrono::seconds(15)));
    }
}

BOOST_AUTO_TEST_SUITE_END()
