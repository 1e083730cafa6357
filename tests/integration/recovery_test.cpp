// Durability: what was acknowledged survives SIGKILL; SIGTERM shuts down cleanly.
#include "tsm_env.hpp"

#include <boost/test/unit_test.hpp>

#include <thread>

using namespace tsm::test;

BOOST_AUTO_TEST_SUITE(recovery)

BOOST_AUTO_TEST_CASE(sigkill_between_ack_and_push_then_resume) {
    // The operation is acknowledged (durable) while no touch point is bound, so its batch is never
    // pushed before the kill: the restarted tsmd must push it on resume.
    tsm_env env;
    delivered_session s;
    {
        ws_client ws(env.tsmd->port());
        s = env.deliver(ws);
        ws.drop();
    }
    const std::string op = env.transceive_ok(s.session_id, {"00A4040000"});
    env.restart_after_kill();
    ws_client ws(env.tsmd->port());
    ws.send(R"({"type":"resume","sessionId":")" + s.session_id + R"(","resumeToken":")" + s.resume_token
            + R"("})");
    BOOST_REQUIRE(ws.read_type("resumed", std::chrono::seconds(10)));
    auto f = ws.read_type("commands", std::chrono::seconds(10));
    BOOST_REQUIRE(f);
    BOOST_CHECK_EQUAL(str((*f)["operationId"]), op);
    BOOST_CHECK_EQUAL(str((*f)["commands"].as_array()[0]), "00A4040000");
    ws.send(R"({"type":"responses","batch":)" + std::to_string((*f)["batch"].as_int64())
            + R"(,"responses":["9000"]})");
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 200);
    BOOST_CHECK_EQUAL(str((*cb)["responses"].as_array()[0]), "9000");
    BOOST_CHECK_EQUAL(env.sp.callback_count(op), 1u);
    BOOST_CHECK_EQUAL(env.complete(s.session_id, true).status, 200);
}

BOOST_AUTO_TEST_CASE(sigkill_between_push_and_answer_then_resume) {
    tsm_env env;
    delivered_session s;
    std::string op;
    std::int64_t batch = 0;
    {
        ws_client ws(env.tsmd->port());
        s = env.deliver(ws);
        op = env.transceive_ok(s.session_id, {"00A4040000"});
        auto f = ws.read_type("commands");
        BOOST_REQUIRE(f);
        batch = (*f)["batch"].as_int64();
        env.restart_after_kill();
    }
    ws_client ws(env.tsmd->port());
    ws.send(R"({"type":"resume","sessionId":")" + s.session_id + R"(","resumeToken":")" + s.resume_token
            + R"("})");
    auto f = ws.read_type("commands", std::chrono::seconds(10));
    BOOST_REQUIRE(f);
    BOOST_CHECK_EQUAL(str((*f)["operationId"]), op);
    BOOST_CHECK_EQUAL((*f)["batch"].as_int64(), batch);
    ws.send(R"({"type":"responses","batch":)" + std::to_string(batch) + R"(,"responses":["9000"]})");
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 200);
    BOOST_CHECK_EQUAL(env.complete(s.session_id, true).status, 200);
}

BOOST_AUTO_TEST_CASE(sigkill_between_result_and_callback_still_calls_back) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    env.sp.fail_callbacks = 1000000; // the SP is down: the callback stays in the outbox
    std::string op = env.transceive_ok(s.session_id, {"00A4040000"});
    BOOST_CHECK_EQUAL(answer_batch(ws), op);
    // Wait until tsmd tried (so the result is durable), then kill it hard.
    for (int i = 0; i < 100 && env.sp.callback_count(op) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    BOOST_REQUIRE_GT(env.sp.callback_count(op), 0u);
    env.restart_after_kill();
    env.sp.fail_callbacks = 0; // the SP is back
    auto cb = env.sp.wait_callback(op, std::chrono::seconds(15));
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 200);
    BOOST_CHECK_EQUAL(str((*cb)["responses"].as_array()[0]), "00A49000");
}

BOOST_AUTO_TEST_CASE(queued_operations_survive_a_restart_in_order) {
    tsm_env env;
    delivered_session s;
    std::string op1;
    std::string op2;
    {
        ws_client ws(env.tsmd->port());
        s = env.deliver(ws);
        op1 = env.transceive_ok(s.session_id, {"00A4040001"});
        op2 = env.transceive_ok(s.session_id, {"00A4040002"});
        ws.drop();
    }
    env.restart_after_kill();
    ws_client ws(env.tsmd->port());
    ws.send(R"({"type":"resume","sessionId":")" + s.session_id + R"(","resumeToken":")" + s.resume_token
            + R"("})");
    BOOST_CHECK_EQUAL(answer_batch(ws, std::chrono::seconds(10)), op1);
    BOOST_CHECK_EQUAL(answer_batch(ws, std::chrono::seconds(10)), op2);
    BOOST_CHECK(env.sp.wait_callback(op1));
    BOOST_CHECK(env.sp.wait_callback(op2));
    // The app registered through the admin API survived too.
    auto app = http_call(env.tsmd->admin_port(), "GET", "/admin/v1/apps/" + app_id);
    BOOST_CHECK_EQUAL(app.status, 200);
}

BOOST_AUTO_TEST_CASE(sigterm_closes_touch_points_with_1001_and_exits_0) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    std::string op = env.transceive_ok(s.session_id, {"00A4040000"});
    BOOST_REQUIRE(ws.read_type("commands"));
    BOOST_CHECK_EQUAL(env.tsmd->terminate(), 0);
    BOOST_CHECK(!ws.read(std::chrono::seconds(3)));
    BOOST_CHECK(ws.closed());
    BOOST_CHECK_EQUAL(ws.close_code(), 1001u);
    // The acknowledged operation is still there after the restart.
    env.start();
    ws_client again(env.tsmd->port());
    again.send(R"({"type":"resume","sessionId":")" + s.session_id + R"(","resumeToken":")" + s.resume_token
               + R"("})");
    BOOST_CHECK_EQUAL(answer_batch(again, std::chrono::seconds(10)), op);
    BOOST_CHECK(env.sp.wait_callback(op));
}

BOOST_AUTO_TEST_SUITE_END()
