// Session service: client errors, complete, refused accepts, failed writes and the sweep.
// The harness and the shared constants are in session_harness.hpp.
#include "session_harness.hpp"

#include <boost/test/unit_test.hpp>

#include <set>

using namespace session_harness;

BOOST_AUTO_TEST_SUITE(session_service)

// ---------------------------------------------------------------- ending

BOOST_AUTO_TEST_CASE(client_error_fails_running_and_queued_operations_and_ends_the_session) {
    harness h;
    h.open(conn1, sid);
    auto& a = h.accept(sid, {select_cmd}, cb_prefix + "a");
    auto& b = h.accept(sid, {cplc_cmd}, cb_prefix + "b");
    h.drain();
    BOOST_REQUIRE_EQUAL(h.commands_frames(conn1).size(), 1u);
    const auto before = h.store.commits.size();
    h.svc.on_client_error(conn1, sid, "card removed");
    h.drain();

    // One commit: both operations done, both outbox entries, the failed session.
    BOOST_REQUIRE_EQUAL(h.store.commits.size(), before + 1);
    const auto& w = h.store.commits.back().w;
    BOOST_TEST(w.put_operations.size() == 2u);
    BOOST_TEST(w.put_outbox.size() == 2u);
    BOOST_REQUIRE_EQUAL(w.put_sessions.size(), 1u);
    BOOST_TEST(w.put_sessions[0].state == core::session_state::failed);

    const auto cbs = h.callbacks();
    BOOST_REQUIRE_EQUAL(cbs.size(), 2u);
    std::set<std::string> ids;
    for (const auto& cb : cbs) {
        BOOST_TEST(cb.at("statusCode").as_int64() == 500);
        BOOST_TEST(error_code_of(cb) == "client-error");
        BOOST_TEST(cb.at("error").as_object().at("message").as_string() == "card removed");
        BOOST_TEST(!cb.contains("responses"));
        ids.insert(std::string(cb.at("operationId").as_string()));
    }
    BOOST_TEST((ids == std::set<std::string>{a.operation_id, b.operation_id}));

    const auto status = h.tp.frames_of_type(conn1, "status");
    BOOST_REQUIRE_EQUAL(status.size(), 1u);
    BOOST_TEST(parse(status[0]).at("code").as_string() == "FAILED");
    BOOST_REQUIRE_EQUAL(h.tp.closes(conn1).size(), 1u);
    BOOST_TEST(h.tp.closes(conn1)[0].code == 1000);
    // Late answers to the dropped batch change nothing.
    const auto after = h.store.commits.size();
    h.svc.on_responses(conn1, sid, 1, {"\x90\x00"s});
    h.drain();
    BOOST_TEST(h.store.commits.size() == after);
    BOOST_TEST(h.probe.operations_running.load() == 0);
    BOOST_TEST(h.probe.operations_queued.load() == 0);
}

BOOST_AUTO_TEST_CASE(complete_fails_queued_operations_and_sends_status_ok) {
    harness h;
    h.open(conn1, sid);
    auto& a = h.accept(sid, {select_cmd});
    auto& b = h.accept(sid, {cplc_cmd});
    h.drain();
    h.store.hold = true;
    auto& d = h.complete(sid, true, R"("All done")");
    h.drain();
    BOOST_TEST(!d.called); // answered only once the end is durable
    BOOST_TEST(h.tp.frames_of_type(conn1, "status").empty());
    h.store.hold = false;
    h.store.release();
    h.drain();
    BOOST_REQUIRE(d.called);
    BOOST_TEST(!d.error.has_value());
    BOOST_TEST(h.store.sessions[sid].state == core::session_state::completed);
    const auto cbs = h.callbacks();
    BOOST_REQUIRE_EQUAL(cbs.size(), 2u);
    for (const auto& cb : cbs) {
        BOOST_TEST(cb.at("statusCode").as_int64() == 409);
        BOOST_TEST(error_code_of(cb) == "session-completed");
    }
    BOOST_TEST(h.store.operations[a.operation_id].state == core::operation_state::done);
    BOOST_TEST(h.store.operations[b.operation_id].state == core::operation_state::done);
    const auto status = h.tp.frames_of_type(conn1, "status");
    BOOST_REQUIRE_EQUAL(status.size(), 1u);
    const auto f = parse(status[0]);
    BOOST_TEST(f.at("code").as_string() == "OK");
    BOOST_TEST(f.at("success").as_bool() == true);
    BOOST_TEST(f.at("message").as_string() == "All done");
    BOOST_REQUIRE_EQUAL(h.tp.closes(conn1).size(), 1u);
    BOOST_TEST(h.tp.closes(conn1)[0].code == 1000);
}

BOOST_AUTO_TEST_CASE(complete_without_success_sends_status_failed) {
    harness h;
    h.open(conn1, sid);
    auto& d = h.complete(sid, false, "");
    h.drain();
    BOOST_REQUIRE(d.called);
    BOOST_TEST(!d.error.has_value());
    const auto f = parse(h.tp.frames_of_type(conn1, "status").at(0));
    BOOST_TEST(f.at("code").as_string() == "FAILED");
    BOOST_TEST(f.at("success").as_bool() == false);
    BOOST_TEST(f.at("message").as_string() == "");
    BOOST_TEST(h.callbacks().empty());
}

BOOST_AUTO_TEST_CASE(second_complete_gets_409_and_operations_after_the_end_too) {
    harness h;
    h.open(conn1, sid);
    h.complete(sid, true, "");
    h.drain();
    auto& again = h.complete(sid, true, "");
    BOOST_REQUIRE(again.called);
    BOOST_REQUIRE(again.error.has_value());
    BOOST_TEST(again.error->status() == 409);
    BOOST_TEST(again.error->name() == "session-finished");
    auto& op = h.accept(sid, {select_cmd});
    BOOST_REQUIRE(op.called);
    BOOST_REQUIRE(op.error.has_value());
    BOOST_TEST(op.error->status() == 409);
}

BOOST_AUTO_TEST_CASE(complete_and_accept_for_another_app_or_unknown_session_get_404) {
    harness h;
    h.open(conn1, sid);
    auto& other = h.complete(sid, true, "", "FFFFFFFF");
    BOOST_REQUIRE(other.called);
    BOOST_TEST(other.error.value().status() == 404);
    auto& unknown = h.complete("00000000-0000-4000-8000-000000000000", true, "");
    BOOST_TEST(unknown.error.value().status() == 404);
    BOOST_TEST(unknown.error->name() == "session-not-found");
    auto& op = h.accept("00000000-0000-4000-8000-000000000000", {select_cmd});
    BOOST_TEST(op.error.value().status() == 404);
    // The session itself is untouched.
    h.drain();
    BOOST_TEST(h.tp.frames_of_type(conn1, "status").empty());
}

BOOST_AUTO_TEST_CASE(accept_refuses_callback_url_outside_the_prefixes_with_400) {
    harness h;
    h.open(conn1, sid);
    const auto before = h.store.commits.size();
    for (std::string url : {"https://evil.example/cb/1", "ftp://sp.example/cb/1", ""}) {
        auto& r = h.accept(sid, {select_cmd}, url.empty() ? "x" : url);
        BOOST_REQUIRE(r.called);
        BOOST_REQUIRE(r.error.has_value());
        BOOST_TEST(r.error->status() == 400);
        BOOST_TEST(r.error->name() == "bad-callback-url");
    }
    BOOST_TEST(h.store.commits.size() == before);
}

BOOST_AUTO_TEST_CASE(accept_refuses_an_operation_without_commands_with_400) {
    harness h;
    h.open(conn1, sid);
    auto& r = h.accept(sid, {});
    BOOST_REQUIRE(r.called);
    BOOST_TEST(r.error.value().status() == 400);
}

BOOST_AUTO_TEST_CASE(accept_returns_429_when_the_queue_is_full) {
    auto cfg = default_config();
    cfg.max_queued_operations = 2;
    harness h(cfg);
    h.open(conn1, sid);
    h.accept(sid, {select_cmd});
    h.accept(sid, {select_cmd});
    auto& third = h.accept(sid, {select_cmd});
    BOOST_REQUIRE(third.called);
    BOOST_REQUIRE(third.error.has_value());
    BOOST_TEST(third.error->status() == 429);
    h.drain();
    // Once the head finished, there is room again.
    h.svc.on_responses(conn1, sid, 1, {"\x90\x00"s});
    h.drain();
    auto& fourth = h.accept(sid, {select_cmd});
    h.drain();
    BOOST_TEST(!fourth.error.has_value());
}

BOOST_AUTO_TEST_CASE(store_failure_on_accept_returns_503_and_does_not_queue) {
    harness h;
    h.open(conn1, sid);
    h.store.fail_next_commit();
    auto& failed = h.accept(sid, {select_cmd});
    h.drain();
    BOOST_REQUIRE(failed.called);
    BOOST_REQUIRE(failed.error.has_value());
    BOOST_TEST(failed.error->status() == 503);
    BOOST_TEST(h.commands_frames(conn1).empty());
    BOOST_TEST(h.store.operations.empty());
    BOOST_TEST(h.probe.operations_queued.load() == 0);

    auto& ok = h.accept(sid, {cplc_cmd});
    h.drain();
    BOOST_REQUIRE(ok.called);
    BOOST_TEST(!ok.error.has_value());
    const auto cmds = h.commands_frames(conn1);
    BOOST_REQUIRE_EQUAL(cmds.size(), 1u);
    BOOST_TEST(cmds[0].at("operationId").as_string() == ok.operation_id);
    BOOST_TEST(cmds[0].at("commands").as_array().at(0).as_string() == "80CA9F7F00");
}

BOOST_AUTO_TEST_CASE(complete_retries_a_failed_end_write_before_answering) {
    harness h;
    h.open(conn1, sid);
    auto& a = h.accept(sid, {select_cmd});
    h.drain();
    h.store.fail_next_commit();
    auto& d = h.complete(sid, true, "");
    h.store.hold = true; // the retry (1 ms later) waits until release(): no race with the checks
    h.drain();
    // Memory is already terminal, so the end write must land: nothing is told until it does.
    BOOST_TEST(!d.called);
    BOOST_TEST(h.tp.frames_of_type(conn1, "status").empty());
    BOOST_TEST(h.callbacks().empty());
    h.store.hold = false;
    h.store.release();
    h.ioc.restart();
    for (int i = 0; i < 500 && !d.called; ++i) {
        h.ioc.run_for(1ms); // the retry comes after write_retry_interval (1 ms here)
    }
    BOOST_REQUIRE(d.called);
    BOOST_TEST(h.store.commits.size() >= 2u); // the failed end write and its retry
    BOOST_TEST(!d.error.has_value());
    BOOST_TEST(h.store.sessions[sid].state == core::session_state::completed);
    BOOST_TEST(h.store.operations[a.operation_id].state == core::operation_state::done);
    BOOST_TEST(h.callbacks().size() == 1u);
    BOOST_TEST(h.tp.frames_of_type(conn1, "status").size() == 1u);
    BOOST_TEST(h.probe.store_errors.load() == 1u);
    h.svc.shutdown();
    h.relay.shutdown();
}

// A failed result write is retried from the live session, so a session that ended meanwhile
// is not written back as active.
BOOST_AUTO_TEST_CASE(retried_result_write_does_not_revive_an_ended_session) {
    harness h;
    h.open(conn1, sid);
    h.accept(sid, {select_cmd});
    h.drain();
    h.store.fail_next_commit();
    h.svc.on_responses(conn1, sid, 1, {"\x90\x00"s}); // result write fails; retried 1 ms after
    // The SP ends the session before any completion runs, so before the retry in every timing.
    auto& d = h.complete(sid, true, "");
    h.drain();
    BOOST_REQUIRE(d.called);
    BOOST_REQUIRE(!d.error.has_value());
    BOOST_REQUIRE(h.store.sessions[sid].state == core::session_state::completed);
    // Writes carrying the result's outbox entry: the failed one, then the retry.
    const auto result_writes = [&h] {
        std::size_t n = 0;
        for (const auto& c : h.store.commits) {
            n += c.w.put_outbox.empty() ? 0 : 1;
        }
        return n;
    };
    h.ioc.restart();
    for (int i = 0; i < 500 && result_writes() < 2; ++i) {
        h.ioc.run_for(1ms);
    }
    BOOST_REQUIRE_EQUAL(result_writes(), 2u); // the retry happened
    h.drain();
    BOOST_TEST(h.store.sessions[sid].state == core::session_state::completed);
    BOOST_TEST(h.store.operations.begin()->second.state == core::operation_state::done);
    BOOST_TEST(h.callbacks().size() == 1u); // the result callback went out after the retry
    h.svc.shutdown();
    h.relay.shutdown();
}

BOOST_AUTO_TEST_CASE(sweep_expires_sessions_without_progress) {
    auto cfg = default_config();
    cfg.session_expiry = 1ms;
    cfg.sweep_interval = 1ms;
    harness h(cfg);
    h.open(conn1, sid);
    auto& a = h.accept(sid, {select_cmd});
    auto& b = h.accept(sid, {cplc_cmd});
    h.drain();
    h.svc.start();
    h.ioc.restart();
    for (int i = 0; i < 100 && h.callbacks().size() < 2; ++i) {
        h.ioc.run_for(5ms);
    }
    h.svc.shutdown();
    h.relay.shutdown();
    BOOST_TEST(h.store.sessions[sid].state == core::session_state::failed);
    const auto cbs = h.callbacks();
    BOOST_REQUIRE_EQUAL(cbs.size(), 2u);
    for (const auto& cb : cbs) {
        BOOST_TEST(cb.at("statusCode").as_int64() == 504);
        BOOST_TEST(error_code_of(cb) == "session-expired");
    }
    BOOST_TEST(h.store.operations[a.operation_id].state == core::operation_state::done);
    BOOST_TEST(h.store.operations[b.operation_id].state == core::operation_state::done);
    const auto status = h.tp.frames_of_type(conn1, "status");
    BOOST_REQUIRE_EQUAL(status.size(), 1u);
    BOOST_TEST(parse(status[0]).at("code").as_string() == "FAILED");
    BOOST_TEST(h.probe.sessions_expired.load() == 1u);
}

BOOST_AUTO_TEST_CASE(sweep_evicts_finished_sessions_after_retention) {
    auto cfg = default_config();
    cfg.finished_retention = 1ms;
    cfg.sweep_interval = 1ms;
    harness h(cfg);
    h.open(conn1, sid);
    h.complete(sid, true, "");
    h.drain();
    BOOST_TEST(h.svc.session_count() == 1u);
    h.svc.start();
    h.ioc.restart();
    for (int i = 0; i < 100 && h.svc.session_count() != 0; ++i) {
        h.ioc.run_for(5ms);
    }
    h.svc.shutdown();
    BOOST_TEST(h.svc.session_count() == 0u);
    auto& after = h.complete(sid, true, "");
    BOOST_TEST(after.error.value().status() == 404);
}

BOOST_AUTO_TEST_CASE(shutdown_reports_drained_once_the_writes_in_flight_complete) {
    harness h;
    h.open(conn1, sid);
    h.store.hold = true;
    auto& a = h.accept(sid, {select_cmd}); // its write is held: in flight
    int drained = 0;
    h.svc.shutdown([&drained] { ++drained; });
    h.drain();
    BOOST_TEST(drained == 0);
    BOOST_TEST(!a.called);
    h.store.hold = false;
    BOOST_TEST(h.store.release() == 1u);
    h.drain();
    BOOST_TEST(a.called); // the acknowledgement still goes out
    BOOST_TEST(drained == 1);
}

BOOST_AUTO_TEST_CASE(after_shutdown_new_operations_are_refused_and_nothing_is_written) {
    harness h;
    h.open(conn1, sid);
    int drained = 0;
    h.svc.shutdown([&drained] { ++drained; });
    const auto before = h.store.commits.size();
    auto& late = h.accept(sid, {select_cmd});
    h.drain();
    BOOST_TEST(drained == 1);
    BOOST_REQUIRE(late.called);
    BOOST_REQUIRE(late.error.has_value());
    BOOST_TEST(late.error->status() == 503);
    BOOST_TEST(h.store.commits.size() == before);
}

BOOST_AUTO_TEST_SUITE_END()
