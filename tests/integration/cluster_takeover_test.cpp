// Two tsmd nodes on one PostgreSQL database: a touch point that resumes its session on the other
// node takes the session there (batch numbering and queued operations carried over), and the
// node it left, still holding the session in memory, is fenced on its next write and drops it.
#include "store_under_test.hpp"
#include "tsm_env.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

using namespace tsm::test;

namespace {

/// A second node of `env`'s cluster: same configuration (keys) and database, its own name.
std::unique_ptr<tsmd_process> second_node(tsm_env& env, const std::string& node_id) {
    return std::make_unique<tsmd_process>(env.dir.path() + "/data-" + node_id, 2,
                                          std::vector<std::string>{"--config", env.config_path, "--store",
                                                                   env.store_url, "--node-id", node_id});
}

std::string resume_frame(const delivered_session& s) {
    return R"({"type":"resume","sessionId":")" + s.session_id + R"(","resumeToken":")" + s.resume_token
           + R"("})";
}

http_reply transceive_on(tsm_env& env, unsigned short port, const std::string& session_id,
                         const std::string& apdu) {
    return http_call(port, "POST", "/transceive", env.sp_headers(session_id, env.callback_url(session_id)),
                     R"({"commands":[")" + apdu + R"("]})");
}

/// Answers a commands frame: one "9000" (the tests' APDUs are one command each).
void answer_ok(ws_client& ws, const boost::json::object& frame) {
    ws.send(R"({"type":"responses","batch":)" + std::to_string(frame.at("batch").as_int64())
            + R"(,"responses":["9000"]})");
}

/// The value of an unlabelled counter in a node's /metrics.
long long metric(unsigned short admin_port, const std::string& name) {
    const auto m = http_call(admin_port, "GET", "/metrics");
    const auto at = m.body.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stoll(m.body.substr(at + name.size() + 2));
}

} // namespace

BOOST_AUTO_TEST_SUITE(cluster)

BOOST_AUTO_TEST_CASE(a_resume_on_another_node_takes_the_session_and_the_old_owner_is_fenced) {
    const postgres_forced on_postgres;
    tsm_env env; // node-a
    auto node_b = second_node(env, "node-b");

    // Delivered on node A; an operation is pushed there and left unanswered.
    ws_client ws_a(env.tsmd->port());
    const auto s = env.deliver(ws_a);
    const auto r1 = transceive_on(env, env.tsmd->port(), s.session_id, "00A4040000");
    BOOST_REQUIRE_EQUAL(r1.status, 200);
    const std::string op1 = str(r1.json().at("operationId"));
    auto pushed = ws_a.read_type("commands", std::chrono::seconds(10));
    BOOST_REQUIRE(pushed);
    const std::int64_t batch = (*pushed)["batch"].as_int64();
    ws_a.drop(); // the phone roams: its next connection lands on node B

    // Node B takes the session over and asks the unanswered batch again, same number.
    ws_client ws_b(node_b->port());
    ws_b.send(resume_frame(s));
    BOOST_REQUIRE(ws_b.read_type("resumed", std::chrono::seconds(10)));
    auto again = ws_b.read_type("commands", std::chrono::seconds(10));
    BOOST_REQUIRE(again);
    BOOST_CHECK_EQUAL(str((*again)["operationId"]), op1);
    BOOST_CHECK_EQUAL((*again)["batch"].as_int64(), batch);
    ws_b.send(R"({"type":"responses","batch":)" + std::to_string(batch) + R"(,"responses":["9000"]})");
    auto cb1 = env.sp.wait_callback(op1);
    BOOST_REQUIRE(cb1);
    BOOST_CHECK_EQUAL((*cb1)["statusCode"].as_int64(), 200);
    BOOST_CHECK_EQUAL(str((*cb1)["responses"].as_array()[0]), "9000");

    // Node A still holds the session in memory. An SP call there is appended for the owner,
    // node B, and runs on its touch point.
    const auto r2 = transceive_on(env, env.tsmd->port(), s.session_id, "80CA9F7F00");
    BOOST_REQUIRE_EQUAL(r2.status, 200);
    const std::string op2 = str(r2.json().at("operationId"));
    auto f2 = ws_b.read_type("commands", std::chrono::seconds(10));
    BOOST_REQUIRE(f2);
    BOOST_CHECK_EQUAL(str((*f2)["operationId"]), op2);
    BOOST_CHECK_GT((*f2)["batch"].as_int64(), batch);
    answer_ok(ws_b, *f2);
    BOOST_REQUIRE(env.sp.wait_callback(op2));

    // Ending it on node A writes with A's epoch: fenced, nothing acknowledged, A forgets it.
    const auto stale = http_call(env.tsmd->port(), "POST", "/service/completed", env.sp_headers(s.session_id),
                                 R"({"success":true,"message":"done"})");
    BOOST_CHECK_EQUAL(stale.status, 503);
    BOOST_CHECK_EQUAL(metric(env.tsmd->admin_port(), "tsm_sessions_moved_total"), 1);

    // It ends at node B, the touch point gets its status there.
    const auto done = http_call(node_b->port(), "POST", "/service/completed", env.sp_headers(s.session_id),
                                R"({"success":true,"message":"done"})");
    BOOST_CHECK_EQUAL(done.status, 200);
    BOOST_CHECK(ws_b.read_type("status", std::chrono::seconds(10)));
    BOOST_CHECK_EQUAL(env.sp.callback_count(op1), 1u); // node A never answered it a second time
    BOOST_CHECK_EQUAL(env.sp.callback_count(op2), 1u);
}

BOOST_AUTO_TEST_CASE(a_wrong_resume_token_takes_nothing_from_the_owner) {
    const postgres_forced on_postgres;
    tsm_env env;
    auto node_b = second_node(env, "node-b");
    ws_client ws_a(env.tsmd->port());
    auto s = env.deliver(ws_a);
    delivered_session forged = s;
    forged.resume_token = std::string(s.resume_token.size(), '0');
    ws_client ws_b(node_b->port());
    ws_b.send(resume_frame(forged));
    auto err = ws_b.read_type("error", std::chrono::seconds(10));
    BOOST_REQUIRE(err);
    BOOST_CHECK_EQUAL(str((*err)["code"]), "not-found");
    // Still node A's: an operation runs there.
    const std::string op = env.transceive_ok(s.session_id, {"00A4040000"});
    BOOST_CHECK_EQUAL(answer_batch(ws_a), op);
    BOOST_REQUIRE(env.sp.wait_callback(op));
}

BOOST_AUTO_TEST_CASE(a_killed_nodes_session_resumes_on_another_node_with_its_queued_operations) {
    const postgres_forced on_postgres;
    tsm_env env;
    auto node_b = second_node(env, "node-b");
    delivered_session s;
    {
        ws_client ws(env.tsmd->port());
        s = env.deliver(ws);
        ws.drop();
    }
    // Acknowledged on node A while no touch point is bound, then node A dies.
    const std::string op = env.transceive_ok(s.session_id, {"00A4040000"});
    env.tsmd->kill();
    ws_client ws_b(node_b->port());
    ws_b.send(resume_frame(s));
    BOOST_REQUIRE(ws_b.read_type("resumed", std::chrono::seconds(10)));
    auto f = ws_b.read_type("commands", std::chrono::seconds(10));
    BOOST_REQUIRE(f);
    BOOST_CHECK_EQUAL(str((*f)["operationId"]), op);
    answer_ok(ws_b, *f);
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 200);
    BOOST_CHECK_EQUAL(env.sp.callback_count(op), 1u);
}

BOOST_AUTO_TEST_CASE(sp_calls_on_any_node_queue_in_acknowledgement_order_on_the_owner) {
    const postgres_forced on_postgres;
    tsm_env env;
    auto node_b = second_node(env, "node-b");
    ws_client ws(env.tsmd->port());
    const auto s = env.deliver(ws);
    // Alternating nodes, each acknowledged before the next is sent: the owner runs them in that
    // order, one batch each.
    const unsigned short ports[] = {node_b->port(), env.tsmd->port(), node_b->port(), node_b->port()};
    const char* apdus[] = {"00A4040001", "00A4040002", "00A4040003", "00A4040004"};
    std::vector<std::string> ops;
    for (int i = 0; i < 4; ++i) {
        const auto r = transceive_on(env, ports[i], s.session_id, apdus[i]);
        BOOST_REQUIRE_EQUAL(r.status, 200);
        ops.push_back(str(r.json().at("operationId")));
    }
    for (int i = 0; i < 4; ++i) {
        auto f = ws.read_type("commands", std::chrono::seconds(10));
        BOOST_REQUIRE(f);
        BOOST_CHECK_EQUAL(str((*f)["operationId"]), ops[i]);
        BOOST_CHECK_EQUAL(str((*f)["commands"].as_array()[0]), apdus[i]);
        answer_ok(ws, *f);
        auto cb = env.sp.wait_callback(ops[i]);
        BOOST_REQUIRE(cb);
        BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 200);
    }
}

BOOST_AUTO_TEST_CASE(an_operation_appended_as_the_session_ends_still_gets_its_callback) {
    const postgres_forced on_postgres;
    tsm_env env;
    auto node_b = second_node(env, "node-b");
    // The touch point aborts while an operation accepted on node B may not have reached the
    // owner yet: whether the owner loaded it or not, it fails with the session, with a callback.
    for (int round = 0; round < 5; ++round) {
        ws_client ws(env.tsmd->port());
        const auto s = env.deliver(ws);
        const std::string op1 = env.transceive_ok(s.session_id, {"00A4040000"});
        BOOST_REQUIRE(ws.read_type("commands", std::chrono::seconds(10)));
        const auto r2 = transceive_on(env, node_b->port(), s.session_id, "80CA004500");
        BOOST_REQUIRE_EQUAL(r2.status, 200);
        const std::string op2 = str(r2.json().at("operationId"));
        ws.send(R"({"type":"status","code":"CLIENT_ERROR","message":"card removed"})");
        for (const auto& op : {op1, op2}) {
            auto cb = env.sp.wait_callback(op);
            BOOST_REQUIRE_MESSAGE(cb, "no callback for " << op << " in round " << round);
            BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 500);
            BOOST_CHECK_EQUAL(str((*cb)["error"].as_object()["code"]), "client-error");
            BOOST_CHECK_EQUAL(env.sp.callback_count(op), 1u);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_node_without_the_session_refuses_what_its_owner_would) {
    const postgres_forced on_postgres;
    tsm_env env;
    // Apps reach a node at its start (config changes are not broadcast between nodes yet).
    const std::string other_app = "0b0b0b0b";
    const std::string other_key = "ffeeddccbbaa99887766554433221100";
    BOOST_REQUIRE_EQUAL(env.register_app(other_app, other_key).status, 200);
    auto node_b = second_node(env, "node-b");
    ws_client ws(env.tsmd->port());
    const auto s = env.deliver(ws);
    auto code_of = [](const http_reply& r) { return str(r.json().at("error").at("code")); };

    const auto unknown = transceive_on(env, node_b->port(), "no-such-session", "00A4040000");
    BOOST_CHECK_EQUAL(unknown.status, 404);
    // Another app's session is not found either, and nothing is queued for it.
    const header_list other_headers = {{"app_id", other_app},
                                       {"app_key", other_key},
                                       {"sessionId", s.session_id},
                                       {"callbackUrl", env.callback_url("other")}};
    const auto foreign =
        http_call(node_b->port(), "POST", "/transceive", other_headers, R"({"commands":["00A4040000"]})");
    BOOST_CHECK_EQUAL(foreign.status, 404);
    BOOST_CHECK_EQUAL(code_of(foreign), code_of(unknown));
    require_no_frame_pending(ws, std::chrono::milliseconds(300));
    // Ended on its owner: B says so too, as the owner does.
    BOOST_CHECK_EQUAL(env.complete(s.session_id, true).status, 200);
    BOOST_CHECK(ws.read_type("status", std::chrono::seconds(10)));
    const auto ended = transceive_on(env, node_b->port(), s.session_id, "00A4040000");
    BOOST_CHECK_EQUAL(ended.status, 409);
    BOOST_CHECK_EQUAL(code_of(ended),
                      code_of(transceive_on(env, env.tsmd->port(), s.session_id, "00A4040000")));
}

BOOST_AUTO_TEST_SUITE_END()
