// Every class of bad input gets its status and error code, and leaves the server working.
#include "tsm_env.hpp"

#include <boost/test/unit_test.hpp>

using namespace tsm::test;

namespace {

std::string error_code(const http_reply& r) {
    auto j = r.json();
    if (!j.is_object() || !j.as_object().contains("error")) {
        return "<no error object>";
    }
    auto& e = j.as_object()["error"].as_object();
    BOOST_CHECK(e.contains("message"));
    return str(e["code"]);
}

} // namespace

BOOST_AUTO_TEST_SUITE(bad_input)

BOOST_AUTO_TEST_CASE(sp_api_errors_have_status_and_code) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    const auto port = env.tsmd->port();
    const auto h = env.sp_headers(s.session_id, env.callback_url());

    auto malformed = http_call(port, "POST", "/transceive", h, "{\"commands\":[");
    BOOST_CHECK_EQUAL(malformed.status, 400);
    BOOST_CHECK_EQUAL(error_code(malformed), "bad-request");

    auto bad_hex = http_call(port, "POST", "/transceive", h, R"({"commands":["00A4ZZ"]})");
    BOOST_CHECK_EQUAL(bad_hex.status, 400);
    BOOST_CHECK_EQUAL(error_code(bad_hex), "bad-request");

    auto odd_hex = http_call(port, "POST", "/transceive", h, R"({"commands":["00A"]})");
    BOOST_CHECK_EQUAL(odd_hex.status, 400);

    auto empty = http_call(port, "POST", "/transceive", h, R"({"commands":[]})");
    BOOST_CHECK_EQUAL(empty.status, 400);

    auto not_object = http_call(port, "POST", "/transceive", h, R"(["00A4040000"])");
    BOOST_CHECK_EQUAL(not_object.status, 400);

    auto trailing = http_call(port, "POST", "/transceive", h, R"({"commands":["00A4040000"]} x)");
    BOOST_CHECK_EQUAL(trailing.status, 400);

    header_list no_session = {{"app_id", app_id}, {"app_key", app_key}, {"callbackUrl", env.callback_url()}};
    auto missing_session = http_call(port, "POST", "/transceive", no_session, R"({"commands":["00"]})");
    BOOST_CHECK_EQUAL(missing_session.status, 400);
    BOOST_CHECK_EQUAL(error_code(missing_session), "missing-header");

    auto missing_callback = http_call(port, "POST", "/transceive", env.sp_headers(s.session_id),
                                      R"({"commands":["00A4040000"]})");
    BOOST_CHECK_EQUAL(missing_callback.status, 400);
    BOOST_CHECK_EQUAL(error_code(missing_callback), "missing-header");

    auto open_relay = env.transceive(s.session_id, {"00A4040000"}, "http://169.254.169.254/latest/");
    BOOST_CHECK_EQUAL(open_relay.status, 400);
    BOOST_CHECK_EQUAL(error_code(open_relay), "bad-callback-url");

    auto unknown_session = env.transceive("6f1c2d3e-0000-4000-8000-00000000abcd", {"00A4040000"});
    BOOST_CHECK_EQUAL(unknown_session.status, 404);
    BOOST_CHECK_EQUAL(error_code(unknown_session), "session-not-found");

    auto not_uuid = env.transceive("not-a-session", {"00A4040000"});
    BOOST_CHECK_EQUAL(not_uuid.status, 404);

    std::string huge = R"({"commands":[")" + std::string(5 * 1024 * 1024, 'A') + R"("]})";
    auto too_large = http_call(port, "POST", "/transceive", h, huge);
    BOOST_CHECK_EQUAL(too_large.status, 413);
    BOOST_CHECK_EQUAL(error_code(too_large), "payload-too-large");

    std::string many = R"({"commands":[)";
    for (int i = 0; i < 300; ++i) {
        many += std::string(i ? "," : "") + "\"00A4040000\"";
    }
    many += "]}";
    auto too_many = http_call(port, "POST", "/transceive", h, many);
    BOOST_CHECK_EQUAL(too_many.status, 400);

    auto wrong_method = http_call(port, "GET", "/transceive", h);
    BOOST_CHECK_EQUAL(wrong_method.status, 405);

    auto no_route = http_call(port, "GET", "/nope", h);
    BOOST_CHECK_EQUAL(no_route.status, 404);

    auto status_missing = http_call(port, "GET", "/status/6f1c2d3e-0000-4000-8000-00000000abcd", h);
    BOOST_CHECK_EQUAL(status_missing.status, 404);

    auto bad_completed =
        http_call(port, "POST", "/service/completed", env.sp_headers(s.session_id), R"({"message":"x"})");
    BOOST_CHECK_EQUAL(bad_completed.status, 400);

    // Nothing of the above created an operation: the touch point has received no batch.
    require_no_frame_pending(ws, std::chrono::milliseconds(300));
    // And the session still works.
    std::string op = env.transceive_ok(s.session_id, {"00A4040000"});
    BOOST_CHECK_EQUAL(answer_batch(ws), op);
    BOOST_CHECK(env.sp.wait_callback(op));
}

BOOST_AUTO_TEST_CASE(auth_failures_are_401) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    const auto port = env.tsmd->port();
    const std::string body = R"({"commands":["00A4040000"]})";
    auto none = http_call(port, "POST", "/transceive",
                          {{"sessionId", s.session_id}, {"callbackUrl", env.callback_url()}}, body);
    BOOST_CHECK_EQUAL(none.status, 401);
    BOOST_CHECK_EQUAL(error_code(none), "unauthorized");
    auto wrong = http_call(port, "POST", "/transceive",
                           {{"app_id", app_id},
                            {"app_key", "ffffffffffffffffffffffffffffffff"},
                            {"sessionId", s.session_id},
                            {"callbackUrl", env.callback_url()}},
                           body);
    BOOST_CHECK_EQUAL(wrong.status, 401);
    auto unknown_app = http_call(port, "POST", "/transceive",
                                 {{"app_id", "deadbeef"},
                                  {"app_key", app_key},
                                  {"sessionId", s.session_id},
                                  {"callbackUrl", env.callback_url()}},
                                 body);
    BOOST_CHECK_EQUAL(unknown_app.status, 401);
    auto bad_bearer = http_call(port, "POST", "/transceive",
                                {{"Authorization", "Bearer nothex"},
                                 {"sessionId", s.session_id},
                                 {"callbackUrl", env.callback_url()}},
                                body);
    BOOST_CHECK_EQUAL(bad_bearer.status, 401);
    auto bad_basic = http_call(port, "POST", "/transceive",
                               {{"Authorization", "Basic !!!"},
                                {"sessionId", s.session_id},
                                {"callbackUrl", env.callback_url()}},
                               body);
    BOOST_CHECK_EQUAL(bad_basic.status, 401);
    auto status = http_call(port, "GET", "/status/6f1c2d3e-0000-4000-8000-00000000abcd");
    BOOST_CHECK_EQUAL(status.status, 401);
}

BOOST_AUTO_TEST_CASE(another_apps_session_is_invisible) {
    tsm_env env;
    const std::string other_id = "0badc0de";
    const std::string other_key = "ffeeddccbbaa99887766554433221100";
    BOOST_REQUIRE_EQUAL(env.register_app(other_id, other_key).status, 200);
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    std::string op = env.transceive_ok(s.session_id, {"00A4040000"});
    answer_batch(ws);
    BOOST_REQUIRE(env.sp.wait_callback(op));
    header_list other = {{"app_id", other_id},
                         {"app_key", other_key},
                         {"sessionId", s.session_id},
                         {"callbackUrl", env.callback_url()}};
    auto r = http_call(env.tsmd->port(), "POST", "/transceive", other, R"({"commands":["00A4040000"]})");
    BOOST_CHECK_EQUAL(r.status, 404);
    auto c =
        http_call(env.tsmd->port(), "POST", "/service/completed", other, R"({"success":true,"message":"x"})");
    BOOST_CHECK_EQUAL(c.status, 404);
    auto st = http_call(env.tsmd->port(), "GET", "/status/" + op, other);
    BOOST_CHECK_EQUAL(st.status, 404);
    // The owner still sees it.
    auto mine = http_call(env.tsmd->port(), "GET", "/status/" + op, env.sp_headers(s.session_id));
    BOOST_CHECK_EQUAL(mine.status, 200);
}

BOOST_AUTO_TEST_CASE(finished_session_is_409) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    BOOST_CHECK_EQUAL(env.complete(s.session_id, true).status, 200);
    auto op = env.transceive(s.session_id, {"00A4040000"});
    BOOST_CHECK_EQUAL(op.status, 409);
    BOOST_CHECK_EQUAL(error_code(op), "session-finished");
    BOOST_CHECK_EQUAL(env.complete(s.session_id, true).status, 409);
}

BOOST_AUTO_TEST_CASE(touch_point_protocol_errors) {
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto expect_error = [&](const std::string& frame, const std::string& code) {
        ws.send(frame);
        auto e = ws.read_type("error");
        BOOST_REQUIRE_MESSAGE(e, "no error for " << frame);
        BOOST_CHECK_EQUAL(str((*e)["code"]), code);
        BOOST_CHECK(!str((*e)["message"]).empty());
    };
    expect_error("not json", "bad-request");
    expect_error(R"({"no":"type"})", "bad-request");
    expect_error(R"({"type":"dance"})", "bad-request");
    expect_error(R"({"type":"responses","batch":1,"responses":["9000"]})", "bad-request");
    expect_error(R"({"type":"describe","appId":"ffffffff","serviceId":"demo"})", "not-found");
    expect_error(R"({"type":"describe","appId":"a1b2c3d4","serviceId":"missing"})", "not-found");
    expect_error(R"({"type":"describe","appId":"a1b2c3d4","serviceId":"broken"})", "unavailable");
    expect_error(R"({"type":"describe","appId":"a1b2c3d4","serviceId":"notjson"})", "unavailable");
    expect_error(R"({"type":"deliver","appId":"a1b2c3d4","serviceId":"demo","cardId":{"cin":"XYZ"}})",
                 "bad-request");
    expect_error(R"({"type":"deliver","appId":"a1b2c3d4","serviceId":"missing","cardId":{"cin":"0E48"}})",
                 "not-found");
    expect_error(R"({"type":"resume","sessionId":"nope","resumeToken":"x"})", "bad-request");
    expect_error(R"({"type":"status","code":"OK"})", "bad-request");

    // The connection still works after all that.
    auto s = env.deliver(ws);
    std::string op = env.transceive_ok(s.session_id, {"00A4040000", "00B0000000"});
    auto f = ws.read_type("commands");
    BOOST_REQUIRE(f);
    const std::string b = std::to_string((*f)["batch"].as_int64());
    expect_error(R"({"type":"responses","batch":)" + b + R"(,"responses":["90"]})", "bad-request");
    expect_error(R"({"type":"responses","batch":)" + b + R"(,"responses":["9000","9000","9000"]})",
                 "bad-request");
    expect_error(R"({"type":"responses","batch":)" + b + R"(,"responses":["90GG"]})", "bad-request");
    // A stale batch number is ignored, silently; the right one completes the operation.
    ws.send(R"({"type":"responses","batch":9999,"responses":["9000"]})");
    ws.send(R"({"type":"responses","batch":)" + b + R"(,"responses":["9000","6A82"]})");
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL(str((*cb)["responses"].as_array()[1]), "6A82");
    require_no_frame_pending(ws); // no error frame answered the stale batch
    BOOST_CHECK(ws.skipped.empty());
}

BOOST_AUTO_TEST_CASE(oversized_frame_closes_with_1009) {
    tsm_env env(2, "[limits]\nmax_frame_bytes = 1024\n");
    ws_client ws(env.tsmd->port());
    ws.send(R"({"type":"describe","appId":")" + std::string(4000, 'a') + R"("})");
    BOOST_CHECK(!ws.read(std::chrono::seconds(3)));
    BOOST_CHECK(ws.closed());
    BOOST_CHECK_EQUAL(ws.close_code(), 1009u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(overload)

BOOST_AUTO_TEST_CASE(too_many_queued_operations_is_429_with_retry_after) {
    tsm_env env(2, "[limits]\nmax_queued_operations = 2\n");
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    std::string op1 = env.transceive_ok(s.session_id, {"00A4040000"});
    env.transceive_ok(s.session_id, {"00A4040000"});
    auto third = env.transceive(s.session_id, {"00A4040000"});
    BOOST_CHECK_EQUAL(third.status, 429);
    BOOST_CHECK_EQUAL(error_code(third), "too-many-operations");
    BOOST_CHECK_EQUAL(third.headers["retry-after"], "1");
    // Once the queue drains, operations are accepted again.
    BOOST_CHECK_EQUAL(answer_batch(ws), op1);
    BOOST_REQUIRE(env.sp.wait_callback(op1));
    BOOST_CHECK_EQUAL(env.transceive(s.session_id, {"00A4040000"}).status, 200);
}

BOOST_AUTO_TEST_SUITE_END()
