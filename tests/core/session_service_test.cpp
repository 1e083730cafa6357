#include "tsm/core/session_service.hpp"

#include "fakes.hpp"
#include "tsm/core/ids.hpp"
#include "tsm/core/operation_factory.hpp"
#include "tsm/core/transceive_operation.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace core = tsm::core;
namespace bj = boost::json;
using namespace std::chrono_literals;
using namespace std::string_literals;
using tsm::core::bytes;
using tsm::core::connection_ref;

namespace {

constexpr std::string_view app_id = "0A1B2C3D";
constexpr std::string_view resume_context = "opentsm/resume-token/v1"; // session_service.cpp
const std::string description = R"({"title":"Read CPLC","price":0})";
const std::string cb_prefix = "https://sp.example/cb/";
const std::string description_url = "https://sp.example/describe";
const std::string delivery_url = "https://sp.example/deliver";

const bytes select_cmd = "\x00\xa4\x04\x00\x00"s;
const bytes cplc_cmd = "\x80\xca\x9f\x7f\x00"s;

core::session_service_config default_config() {
    core::session_service_config cfg;
    cfg.is_json_object = [](std::string_view j) { return !j.empty() && j.front() == '{'; };
    return cfg;
}

bj::object parse(const std::string& s) {
    return bj::parse(s).as_object();
}

struct accept_result {
    bool called = false;
    std::optional<core::service_error> error;
    std::string operation_id;
};

struct done_result {
    bool called = false;
    std::optional<core::service_error> error;
};

/// One shard: io_context, fakes, relay and service. Helpers drive a session through its steps.
struct harness {
    explicit harness(core::session_service_config cfg = default_config())
        : relay(ioc, store, sp, relay_config(), probe)
        , svc(ioc, store, tp, sp, relay, apps, hasher, std::move(cfg), probe) {
        core::app_record a;
        a.app_id = app_id;
        a.key_hash = hasher.digest(core::app_directory::key_context, "app-key");
        a.description_url = description_url;
        a.delivery_url = delivery_url;
        a.delivery_method = "POST";
        a.callback_prefixes = {cb_prefix};
        apps.put(a);
    }

    static core::outbox_relay_config relay_config() {
        core::outbox_relay_config c;
        c.retry.initial = 1ms;
        c.retry.max_delay = 2ms;
        return c;
    }

    /// Runs every ready handler (posted completions), without waiting for timers.
    void drain() {
        ioc.restart();
        ioc.poll();
    }

    core::delivery_request request() const {
        core::delivery_request r;
        r.app_id = app_id;
        r.service_id = "svc-1";
        r.iin = "8A2C10";
        r.cin = "0E48800471400A";
        r.platform_version = 2;
        r.fields_json = R"({"pin":"1234"})";
        return r;
    }

    /// deliver → description 200 → session stored → session frame. Returns the resume token.
    /// Leaves the delivery request unanswered.
    std::string deliver(connection_ref c, const std::string& sid) {
        std::optional<bool> bound;
        svc.start_delivery(c, sid, request(), [&](bool b) { bound = b; });
        auto gets = sp.open_calls(description_url);
        BOOST_REQUIRE_EQUAL(gets.size(), 1u);
        sp.answer(gets[0], 200, description);
        drain();
        BOOST_REQUIRE(bound.has_value());
        BOOST_REQUIRE(*bound);
        const auto sessions = tp.frames_of_type(c, "session");
        BOOST_REQUIRE_EQUAL(sessions.size(), 1u);
        return std::string(parse(sessions.back()).at("resumeToken").as_string());
    }

    /// deliver and let the SP accept the delivery request: the session is active.
    std::string open(connection_ref c, const std::string& sid) {
        std::string token = deliver(c, sid);
        auto posts = sp.open_calls(delivery_url);
        BOOST_REQUIRE_EQUAL(posts.size(), 1u);
        sp.answer(posts[0], 200);
        drain();
        return token;
    }

    accept_result& accept(const std::string& sid, std::vector<bytes> cmds, std::string cb = {}) {
        auto& r = accepts.emplace_back();
        if (cb.empty()) {
            cb = cb_prefix + std::to_string(accepts.size());
        }
        svc.accept_operation(std::string(app_id), sid, "transceive",
                             core::transceive_operation::encode_payload(cmds), std::move(cb),
                             [&r](std::optional<core::service_error> e, std::string id) {
                                 r.called = true;
                                 r.error = std::move(e);
                                 r.operation_id = std::move(id);
                             });
        return r;
    }

    done_result& complete(const std::string& sid, bool success, std::string msg,
                          std::string app = std::string(app_id)) {
        auto& r = completes.emplace_back();
        svc.complete(std::move(app), sid, success, std::move(msg),
                     [&r](std::optional<core::service_error> e) {
                         r.called = true;
                         r.error = std::move(e);
                     });
        return r;
    }

    std::vector<bj::object> commands_frames(connection_ref c) const {
        std::vector<bj::object> out;
        for (const auto& f : tp.frames_of_type(c, "commands")) {
            out.push_back(parse(f));
        }
        return out;
    }

    /// Callback POSTs the relay made, parsed.
    std::vector<bj::object> callbacks() const {
        std::vector<bj::object> out;
        for (auto i : sp.calls_to(cb_prefix)) {
            BOOST_TEST(sp.calls[i].method == "POST");
            out.push_back(parse(sp.calls[i].body));
        }
        return out;
    }

    boost::asio::io_context ioc;
    tsm::test::fake_store store;
    tsm::test::fake_sp sp;
    tsm::test::fake_touch_point tp;
    core::service_probe probe;
    core::secret_hasher hasher{core::secret_hasher::generate_key()};
    core::app_directory apps;
    core::outbox_relay relay;
    core::session_service svc;
    std::deque<accept_result> accepts;
    std::deque<done_result> completes;
};

const connection_ref conn1{0, 1};
const connection_ref conn2{0, 2};
const std::string sid = "123e4567-e89b-42d3-a456-426614174000";

std::string error_code_of(const bj::object& callback) {
    return std::string(callback.at("error").as_object().at("code").as_string());
}

} // namespace

BOOST_AUTO_TEST_SUITE(session_service)

// ---------------------------------------------------------------- delivery

BOOST_AUTO_TEST_CASE(deliver_persists_session_then_sends_token_and_delivery_request) {
    harness h;
    std::optional<bool> bound;
    h.store.hold = true;
    h.svc.start_delivery(conn1, sid, h.request(), [&](bool b) { bound = b; });

    // The description is fetched first.
    BOOST_REQUIRE_EQUAL(h.sp.calls.size(), 1u);
    BOOST_TEST(h.sp.calls[0].method == "GET");
    BOOST_TEST(h.sp.calls[0].url == description_url + "/svc-1");
    h.sp.answer(0, 200, description);
    h.drain();

    // The session record is being written; nothing is told before it is durable.
    BOOST_REQUIRE_EQUAL(h.store.commits.size(), 1u);
    const auto& w = h.store.commits[0].w;
    BOOST_REQUIRE_EQUAL(w.put_sessions.size(), 1u);
    BOOST_TEST(h.store.commits[0].d == core::durability::sync);
    BOOST_TEST(w.put_sessions[0].session_id == sid);
    BOOST_TEST(w.put_sessions[0].state == core::session_state::delivering);
    BOOST_TEST(w.put_sessions[0].description_json == description);
    BOOST_TEST(w.put_sessions[0].card_cin == "0E48800471400A");
    BOOST_TEST(!bound.has_value());
    BOOST_TEST(h.tp.frames(conn1).empty());
    BOOST_TEST(h.sp.calls.size() == 1u);

    h.store.hold = false;
    h.store.release();
    h.drain();

    BOOST_REQUIRE(bound.has_value());
    BOOST_TEST(*bound);
    BOOST_REQUIRE(h.store.sessions.count(sid) == 1u);
    const auto frames = h.tp.frames(conn1);
    BOOST_REQUIRE_EQUAL(frames.size(), 1u);
    const auto f = parse(frames[0]);
    BOOST_TEST(f.at("type").as_string() == "session");
    BOOST_TEST(f.at("sessionId").as_string() == sid);
    const std::string token(f.at("resumeToken").as_string());
    BOOST_TEST(token.size() >= 64u);
    BOOST_TEST(core::is_hex(token));
    // Only a digest of the token is stored.
    BOOST_TEST(h.store.sessions[sid].resume_token_hash.find(token) == std::string::npos);
    BOOST_TEST(h.hasher.verify(resume_context, token, h.store.sessions[sid].resume_token_hash));

    // Then the delivery request goes to the app's delivery URL with its method.
    BOOST_REQUIRE_EQUAL(h.sp.calls.size(), 2u);
    BOOST_TEST(h.sp.calls[1].method == "POST");
    BOOST_TEST(h.sp.calls[1].url == delivery_url);
    const auto body = parse(h.sp.calls[1].body);
    BOOST_TEST(body.at("sessionId").as_string() == sid);
    BOOST_TEST(body.at("serviceId").as_string() == "svc-1");
    BOOST_TEST(body.at("description").as_object() == parse(description));
    const auto& card = body.at("cardId").as_object();
    BOOST_TEST(card.at("iin").as_string() == "8A2C10");
    BOOST_TEST(card.at("cin").as_string() == "0E48800471400A");
    BOOST_TEST(card.at("platformVersion").as_int64() == 2);
    BOOST_TEST(body.at("fields").as_object().at("pin").as_string() == "1234");
    BOOST_TEST(h.svc.session_count() == 1u);
}

BOOST_AUTO_TEST_CASE(delivery_accepted_makes_the_session_active_with_a_relaxed_write) {
    harness h;
    h.deliver(conn1, sid);
    const auto before = h.store.commits.size();
    h.sp.answer(h.sp.open_calls(delivery_url).at(0), 204);
    h.drain();
    BOOST_REQUIRE_EQUAL(h.store.commits.size(), before + 1);
    BOOST_TEST(h.store.commits.back().d == core::durability::relaxed);
    BOOST_TEST(h.store.sessions[sid].state == core::session_state::active);
    BOOST_TEST(h.probe.sessions_active.load() == 1);
    BOOST_TEST(h.probe.sessions_delivering.load() == 0);
}

BOOST_AUTO_TEST_CASE(unknown_service_sends_not_found_and_stores_nothing) {
    harness h;
    std::optional<bool> bound;
    h.svc.start_delivery(conn1, sid, h.request(), [&](bool b) { bound = b; });
    h.sp.answer(0, 404);
    h.drain();
    BOOST_REQUIRE(bound.has_value());
    BOOST_TEST(!*bound);
    BOOST_TEST(h.store.commits.empty());
    BOOST_TEST(h.store.sessions.empty());
    BOOST_TEST(h.svc.session_count() == 0u);
    BOOST_REQUIRE_EQUAL(h.tp.frames(conn1).size(), 1u);
    const auto e = parse(h.tp.frames(conn1)[0]);
    BOOST_TEST(e.at("type").as_string() == "error");
    BOOST_TEST(e.at("code").as_string() == "not-found");
    BOOST_TEST(h.sp.calls.size() == 1u); // no delivery request
}

BOOST_AUTO_TEST_CASE(description_that_is_not_an_object_sends_unavailable) {
    for (auto [status, body] : {std::pair{200, std::string("[1]")}, std::pair{500, description},
                                std::pair{0, std::string()}}) {
        harness h;
        std::optional<bool> bound;
        h.svc.start_delivery(conn1, sid, h.request(), [&](bool b) { bound = b; });
        h.sp.answer(0, status, body);
        h.drain();
        BOOST_REQUIRE(bound.has_value());
        BOOST_TEST(!*bound);
        BOOST_TEST(h.store.commits.empty());
        BOOST_TEST(parse(h.tp.frames(conn1).at(0)).at("code").as_string() == "unavailable");
    }
}

BOOST_AUTO_TEST_CASE(unknown_app_is_refused_without_calling_the_sp) {
    harness h;
    auto req = h.request();
    req.app_id = "FFFFFFFF";
    std::optional<bool> bound;
    h.svc.start_delivery(conn1, sid, req, [&](bool b) { bound = b; });
    BOOST_REQUIRE(bound.has_value());
    BOOST_TEST(!*bound);
    BOOST_TEST(h.sp.calls.empty());
    BOOST_TEST(parse(h.tp.frames(conn1).at(0)).at("code").as_string() == "not-found");
}

BOOST_AUTO_TEST_CASE(store_failure_on_deliver_sends_unavailable_and_forgets_the_session) {
    harness h;
    std::optional<bool> bound;
    h.store.fail_next_commit();
    h.svc.start_delivery(conn1, sid, h.request(), [&](bool b) { bound = b; });
    h.sp.answer(0, 200, description);
    h.drain();
    BOOST_REQUIRE(bound.has_value());
    BOOST_TEST(!*bound);
    BOOST_TEST(h.svc.session_count() == 0u);
    BOOST_TEST(h.tp.frames_of_type(conn1, "session").empty());
    BOOST_TEST(parse(h.tp.frames(conn1).at(0)).at("code").as_string() == "unavailable");
    BOOST_TEST(h.sp.calls.size() == 1u);
}

BOOST_AUTO_TEST_CASE(refused_delivery_fails_the_session_with_status_failed_and_close) {
    harness h;
    h.deliver(conn1, sid);
    h.sp.answer(h.sp.open_calls(delivery_url).at(0), 500);
    h.drain();
    BOOST_TEST(h.store.sessions[sid].state == core::session_state::failed);
    const auto status = h.tp.frames_of_type(conn1, "status");
    BOOST_REQUIRE_EQUAL(status.size(), 1u);
    const auto f = parse(status[0]);
    BOOST_TEST(f.at("code").as_string() == "FAILED");
    BOOST_TEST(f.at("success").as_bool() == false);
    BOOST_REQUIRE_EQUAL(h.tp.closes(conn1).size(), 1u);
    BOOST_TEST(h.tp.closes(conn1)[0].code == 1000);
    BOOST_TEST(h.probe.sessions_failed.load() == 1u);
}

BOOST_AUTO_TEST_CASE(describe_relays_the_description) {
    harness h;
    h.svc.describe(conn1, std::string(app_id), "svc-1");
    BOOST_REQUIRE_EQUAL(h.sp.calls.size(), 1u);
    BOOST_TEST(h.sp.calls[0].url == description_url + "/svc-1");
    h.sp.answer(0, 200, description);
    const auto f = parse(h.tp.frames(conn1).at(0));
    BOOST_TEST(f.at("type").as_string() == "description");
    BOOST_TEST(f.at("description").as_object() == parse(description));
    h.svc.describe(conn2, std::string(app_id), "svc-2");
    h.sp.answer(1, 404);
    BOOST_TEST(parse(h.tp.frames(conn2).at(0)).at("code").as_string() == "not-found");
    BOOST_TEST(h.store.commits.empty());
}

// ---------------------------------------------------------------- operations

BOOST_AUTO_TEST_CASE(accept_persists_the_operation_in_one_commit_before_acknowledging) {
    harness h;
    h.open(conn1, sid);
    const auto before = h.store.commits.size();
    h.store.hold = true;
    auto& r = h.accept(sid, {select_cmd, cplc_cmd}, cb_prefix + "op");
    h.drain();
    BOOST_TEST(!r.called);
    BOOST_TEST(h.commands_frames(conn1).empty());
    BOOST_REQUIRE_EQUAL(h.store.commits.size(), before + 1);
    const auto& c = h.store.commits.back();
    BOOST_TEST(c.d == core::durability::sync);
    BOOST_REQUIRE_EQUAL(c.w.put_operations.size(), 1u);
    BOOST_TEST(c.w.put_sessions.empty()); // the hot path writes only the operation
    const auto& op = c.w.put_operations[0];
    BOOST_TEST(op.state == core::operation_state::queued);
    BOOST_TEST(op.kind == "transceive");
    BOOST_TEST(op.session_id == sid);
    BOOST_TEST(op.callback_url == cb_prefix + "op");
    BOOST_TEST(op.seq == 0u);

    h.store.hold = false;
    h.store.release();
    h.drain();
    BOOST_REQUIRE(r.called);
    BOOST_TEST(!r.error.has_value());
    BOOST_TEST(r.operation_id == op.operation_id);
    BOOST_TEST(core::is_uuid(r.operation_id));
    // Now it runs: one commands frame with both APDUs.
    const auto cmds = h.commands_frames(conn1);
    BOOST_REQUIRE_EQUAL(cmds.size(), 1u);
    BOOST_TEST(cmds[0].at("batch").as_int64() == 1);
    BOOST_TEST(cmds[0].at("operationId").as_string() == r.operation_id);
    BOOST_TEST(cmds[0].at("commands").as_array().at(0).as_string() == "00A4040000");
    BOOST_TEST(cmds[0].at("commands").as_array().at(1).as_string() == "80CA9F7F00");
    BOOST_TEST(cmds[0].at("stopOnError").as_bool() == false);
}

BOOST_AUTO_TEST_CASE(operations_are_accepted_and_run_while_delivering) {
    harness h;
    h.deliver(conn1, sid); // delivery request not answered yet
    auto& r = h.accept(sid, {select_cmd});
    h.drain();
    BOOST_REQUIRE(r.called);
    BOOST_TEST(!r.error.has_value());
    BOOST_TEST(h.commands_frames(conn1).size() == 1u);
}

BOOST_AUTO_TEST_CASE(operations_run_strictly_in_order) {
    harness h;
    h.open(conn1, sid);
    auto& a = h.accept(sid, {select_cmd});
    auto& b = h.accept(sid, {cplc_cmd});
    h.drain();
    BOOST_REQUIRE(a.called && b.called);
    auto cmds = h.commands_frames(conn1);
    BOOST_REQUIRE_EQUAL(cmds.size(), 1u);
    BOOST_TEST(cmds[0].at("operationId").as_string() == a.operation_id);

    // First answered: its result is written; the second waits for that write.
    h.store.hold = true;
    h.svc.on_responses(conn1, sid, 1, {"\x90\x00"s});
    h.drain();
    BOOST_TEST(h.commands_frames(conn1).size() == 1u);
    BOOST_TEST(h.store.held() == 1u);
    h.store.hold = false;
    h.store.release();
    h.drain();
    cmds = h.commands_frames(conn1);
    BOOST_REQUIRE_EQUAL(cmds.size(), 2u);
    BOOST_TEST(cmds[1].at("operationId").as_string() == b.operation_id);
    BOOST_TEST(cmds[1].at("batch").as_int64() == 2);
    BOOST_TEST(cmds[1].at("commands").as_array().at(0).as_string() == "80CA9F7F00");
}

BOOST_AUTO_TEST_CASE(result_commit_holds_operation_outbox_entry_and_session_together) {
    harness h;
    h.open(conn1, sid);
    auto& a = h.accept(sid, {select_cmd, cplc_cmd}, cb_prefix + "result");
    h.drain();
    const auto before = h.store.commits.size();
    h.svc.on_responses(conn1, sid, 1, {"\x6f\x10\x90\x00"s, "\x6a\x82"s});
    h.drain();
    BOOST_REQUIRE_EQUAL(h.store.commits.size(), before + 1);
    const auto& c = h.store.commits.back();
    BOOST_TEST(c.d == core::durability::sync);
    BOOST_REQUIRE_EQUAL(c.w.put_operations.size(), 1u);
    BOOST_REQUIRE_EQUAL(c.w.put_outbox.size(), 1u);
    BOOST_REQUIRE_EQUAL(c.w.put_sessions.size(), 1u);
    const auto& op = c.w.put_operations[0];
    BOOST_TEST(op.operation_id == a.operation_id);
    BOOST_TEST(op.state == core::operation_state::done);
    const auto result = parse(op.result_json);
    BOOST_TEST(result.at("operationId").as_string() == a.operation_id);
    BOOST_TEST(result.at("statusCode").as_int64() == 200);
    BOOST_TEST(result.at("responses").as_array().at(0).as_string() == "6F109000");
    BOOST_TEST(result.at("responses").as_array().at(1).as_string() == "6A82");
    const auto& e = c.w.put_outbox[0];
    BOOST_TEST(e.id == a.operation_id);
    BOOST_TEST(e.url == cb_prefix + "result");
    BOOST_TEST(e.body == op.result_json);
    BOOST_TEST(c.w.put_sessions[0].last_batch == 1u);

    // After the write the relay posts the callback.
    const auto cbs = h.callbacks();
    BOOST_REQUIRE_EQUAL(cbs.size(), 1u);
    BOOST_TEST(cbs[0] == result);
    BOOST_TEST(h.sp.calls.back().url == cb_prefix + "result");
    BOOST_TEST(h.probe.operations_succeeded.load() == 1u);
}

BOOST_AUTO_TEST_CASE(stale_and_duplicate_batch_numbers_are_ignored) {
    harness h;
    h.open(conn1, sid);
    h.accept(sid, {select_cmd});
    h.accept(sid, {cplc_cmd});
    h.drain();
    const auto before = h.store.commits.size();
    const auto frames_before = h.tp.frames(conn1).size();
    h.svc.on_responses(conn1, sid, 7, {"\x90\x00"s}); // never sent
    h.svc.on_responses(conn1, sid, 0, {"\x90\x00"s});
    h.drain();
    BOOST_TEST(h.store.commits.size() == before);
    BOOST_TEST(h.tp.frames(conn1).size() == frames_before);

    h.svc.on_responses(conn1, sid, 1, {"\x90\x00"s});
    h.drain();
    BOOST_TEST(h.store.commits.size() == before + 1);
    const auto after_first = h.store.commits.size();
    h.svc.on_responses(conn1, sid, 1, {"\x90\x00"s}); // duplicate of an answered batch
    h.drain();
    BOOST_TEST(h.store.commits.size() == after_first);
    BOOST_TEST(h.commands_frames(conn1).size() == 2u);
    BOOST_TEST(h.callbacks().size() == 1u);
}

BOOST_AUTO_TEST_CASE(answers_from_another_connection_are_ignored) {
    harness h;
    h.open(conn1, sid);
    h.accept(sid, {select_cmd});
    h.drain();
    const auto before = h.store.commits.size();
    h.svc.on_responses(conn2, sid, 1, {"\x90\x00"s});
    h.drain();
    BOOST_TEST(h.store.commits.size() == before);
}

BOOST_AUTO_TEST_CASE(invalid_answer_sends_error_and_keeps_the_batch_outstanding) {
    harness h;
    h.open(conn1, sid);
    h.accept(sid, {select_cmd});
    h.drain();
    const auto before = h.store.commits.size();
    h.svc.on_responses(conn1, sid, 1, {"\x90\x00"s, "\x90\x00"s}); // more answers than commands
    h.svc.on_responses(conn1, sid, 1, {"\x90"s});                  // shorter than a status word
    h.drain();
    const auto errors = h.tp.frames_of_type(conn1, "error");
    BOOST_REQUIRE_EQUAL(errors.size(), 2u);
    BOOST_TEST(parse(errors[0]).at("code").as_string() == "bad-request");
    BOOST_TEST(h.store.commits.size() == before);
    // Still outstanding: a valid answer to the same number is taken.
    h.svc.on_responses(conn1, sid, 1, {"\x90\x00"s});
    h.drain();
    BOOST_TEST(h.store.commits.size() == before + 1);
    BOOST_TEST(h.callbacks().size() == 1u);
}

// ---------------------------------------------------------------- resume

BOOST_AUTO_TEST_CASE(resume_with_a_wrong_token_is_refused) {
    harness h;
    const std::string token = h.open(conn1, sid);
    h.accept(sid, {select_cmd});
    h.drain();
    std::string wrong = token;
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    std::optional<bool> bound;
    h.svc.resume(conn2, sid, wrong, [&](bool b) { bound = b; });
    BOOST_REQUIRE(bound.has_value());
    BOOST_TEST(!*bound);
    BOOST_REQUIRE_EQUAL(h.tp.frames(conn2).size(), 1u);
    const auto e = parse(h.tp.frames(conn2)[0]);
    BOOST_TEST(e.at("type").as_string() == "error");
    BOOST_TEST(e.at("code").as_string() == "not-found");
    BOOST_TEST(h.tp.closes(conn1).empty()); // the bound connection is untouched
    bound.reset();
    h.svc.resume(conn2, "00000000-0000-4000-8000-000000000000", token, [&](bool b) { bound = b; });
    BOOST_TEST(!bound.value());
}

BOOST_AUTO_TEST_CASE(resume_with_the_right_token_resends_the_same_batch_number) {
    harness h;
    const std::string token = h.open(conn1, sid);
    h.accept(sid, {select_cmd});
    h.drain();
    BOOST_REQUIRE_EQUAL(h.commands_frames(conn1).size(), 1u);
    std::optional<bool> bound;
    h.svc.resume(conn2, sid, token, [&](bool b) { bound = b; });
    BOOST_REQUIRE(bound.has_value());
    BOOST_TEST(*bound);
    // The old connection is closed, the new one gets `resumed` then the same batch.
    BOOST_REQUIRE_EQUAL(h.tp.closes(conn1).size(), 1u);
    BOOST_TEST(h.tp.closes(conn1)[0].code == 4001);
    const auto frames = h.tp.frames(conn2);
    BOOST_REQUIRE_EQUAL(frames.size(), 2u);
    BOOST_TEST(parse(frames[0]).at("type").as_string() == "resumed");
    const auto again = parse(frames[1]);
    BOOST_TEST(again.at("type").as_string() == "commands");
    BOOST_TEST(again.at("batch").as_int64() == 1);
    BOOST_TEST(again.at("operationId") == h.commands_frames(conn1)[0].at("operationId"));
    // Answers now count only from the new connection.
    const auto before = h.store.commits.size();
    h.svc.on_responses(conn1, sid, 1, {"\x90\x00"s});
    h.drain();
    BOOST_TEST(h.store.commits.size() == before);
    h.svc.on_responses(conn2, sid, 1, {"\x90\x00"s});
    h.drain();
    BOOST_TEST(h.store.commits.size() == before + 1);
}

BOOST_AUTO_TEST_CASE(disconnected_session_sends_its_batch_after_resume) {
    harness h;
    const std::string token = h.open(conn1, sid);
    h.svc.on_disconnect(conn1, sid);
    h.accept(sid, {select_cmd});
    h.drain();
    BOOST_TEST(h.commands_frames(conn1).empty());
    h.svc.resume(conn2, sid, token, [](bool) {});
    BOOST_REQUIRE_EQUAL(h.commands_frames(conn2).size(), 1u);
    BOOST_TEST(h.commands_frames(conn2)[0].at("batch").as_int64() == 1);
    BOOST_TEST(h.tp.closes(conn1).empty()); // nothing to close: it was gone
}

BOOST_AUTO_TEST_CASE(resume_on_a_terminal_session_sends_the_final_status_and_closes) {
    harness h;
    const std::string token = h.open(conn1, sid);
    auto& d = h.complete(sid, true, R"({"en":"Done"})");
    h.drain();
    BOOST_REQUIRE(d.called);
    std::optional<bool> bound;
    h.svc.resume(conn2, sid, token, [&](bool b) { bound = b; });
    BOOST_REQUIRE(bound.has_value());
    BOOST_TEST(!*bound);
    BOOST_REQUIRE_EQUAL(h.tp.frames(conn2).size(), 1u);
    const auto f = parse(h.tp.frames(conn2)[0]);
    BOOST_TEST(f.at("type").as_string() == "status");
    BOOST_TEST(f.at("code").as_string() == "OK");
    BOOST_TEST(f.at("message").as_object().at("en").as_string() == "Done");
    BOOST_REQUIRE_EQUAL(h.tp.closes(conn2).size(), 1u);
    BOOST_TEST(h.tp.closes(conn2)[0].code == 1000);
}

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
    BOOST_TEST(again.error->http_status == 409);
    BOOST_TEST(again.error->code == "session-finished");
    auto& op = h.accept(sid, {select_cmd});
    BOOST_REQUIRE(op.called);
    BOOST_REQUIRE(op.error.has_value());
    BOOST_TEST(op.error->http_status == 409);
}

BOOST_AUTO_TEST_CASE(complete_and_accept_for_another_app_or_unknown_session_get_404) {
    harness h;
    h.open(conn1, sid);
    auto& other = h.complete(sid, true, "", "FFFFFFFF");
    BOOST_REQUIRE(other.called);
    BOOST_TEST(other.error.value().http_status == 404);
    auto& unknown = h.complete("00000000-0000-4000-8000-000000000000", true, "");
    BOOST_TEST(unknown.error.value().http_status == 404);
    BOOST_TEST(unknown.error->code == "session-not-found");
    auto& op = h.accept("00000000-0000-4000-8000-000000000000", {select_cmd});
    BOOST_TEST(op.error.value().http_status == 404);
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
        BOOST_TEST(r.error->http_status == 400);
        BOOST_TEST(r.error->code == "bad-callback-url");
    }
    BOOST_TEST(h.store.commits.size() == before);
}

BOOST_AUTO_TEST_CASE(accept_refuses_an_operation_without_commands_with_400) {
    harness h;
    h.open(conn1, sid);
    auto& r = h.accept(sid, {});
    BOOST_REQUIRE(r.called);
    BOOST_TEST(r.error.value().http_status == 400);
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
    BOOST_TEST(third.error->http_status == 429);
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
    BOOST_TEST(failed.error->http_status == 503);
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
    h.drain();
    // Memory is already terminal, so the end write must land: nothing is told until it does.
    BOOST_TEST(!d.called);
    BOOST_TEST(h.tp.frames_of_type(conn1, "status").empty());
    BOOST_TEST(h.callbacks().empty());
    h.ioc.restart();
    for (int i = 0; i < 80 && !d.called; ++i) {
        h.ioc.run_for(10ms); // the retry comes after 500 ms
    }
    BOOST_REQUIRE(d.called);
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
    h.svc.on_responses(conn1, sid, 1, {"\x90\x00"s}); // result write fails; retried in 500 ms
    h.drain();
    auto& d = h.complete(sid, true, "");
    h.drain();
    BOOST_REQUIRE(d.called);
    BOOST_REQUIRE(!d.error.has_value());
    BOOST_REQUIRE(h.store.sessions[sid].state == core::session_state::completed);
    const auto before = h.store.commits.size();
    h.ioc.restart();
    for (int i = 0; i < 80 && h.store.commits.size() == before; ++i) {
        h.ioc.run_for(10ms);
    }
    BOOST_REQUIRE_GT(h.store.commits.size(), before); // the retry happened
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
    BOOST_TEST(after.error.value().http_status == 404);
}

// ---------------------------------------------------------------- recovery

BOOST_AUTO_TEST_CASE(adopted_session_resends_its_first_batch_after_resume_with_continued_numbers) {
    harness h;
    const std::string token = core::random_token_hex(32);
    core::session_record rec;
    rec.session_id = sid;
    rec.app_id = app_id;
    rec.service_id = "svc-1";
    rec.resume_token_hash = h.hasher.digest(resume_context, token);
    rec.state = core::session_state::active;
    rec.last_batch = 41;
    rec.next_operation_seq = 2;
    std::vector<core::operation_record> ops;
    for (int i = 0; i < 2; ++i) {
        core::operation_record o;
        o.operation_id = core::new_uuid();
        o.session_id = sid;
        o.app_id = app_id;
        o.kind = "transceive";
        o.callback_url = cb_prefix + std::to_string(i);
        o.seq = static_cast<std::uint64_t>(i);
        o.state = i == 0 ? core::operation_state::running : core::operation_state::queued;
        o.payload = core::transceive_operation::encode_payload({i == 0 ? select_cmd : cplc_cmd});
        ops.push_back(o);
    }
    const std::string first_id = ops[0].operation_id;
    const std::string second_id = ops[1].operation_id;
    h.svc.adopt(rec, ops);
    h.drain();
    BOOST_TEST(h.svc.session_count() == 1u);
    BOOST_TEST(h.sp.calls.empty()); // active: no new delivery request

    std::optional<bool> bound;
    h.svc.resume(conn2, sid, token, [&](bool b) { bound = b; });
    BOOST_REQUIRE(bound.value_or(false));
    auto cmds = h.commands_frames(conn2);
    BOOST_REQUIRE_EQUAL(cmds.size(), 1u);
    BOOST_TEST(cmds[0].at("batch").as_int64() == 42);
    BOOST_TEST(cmds[0].at("operationId").as_string() == first_id);

    h.svc.on_responses(conn2, sid, 42, {"\x90\x00"s});
    h.drain();
    cmds = h.commands_frames(conn2);
    BOOST_REQUIRE_EQUAL(cmds.size(), 2u);
    BOOST_TEST(cmds[1].at("batch").as_int64() == 43);
    BOOST_TEST(cmds[1].at("operationId").as_string() == second_id);
    BOOST_TEST(h.store.sessions[sid].last_batch == 42u);
    BOOST_TEST(h.callbacks().size() == 1u);
    BOOST_TEST(h.callbacks()[0].at("operationId").as_string() == first_id);
}

BOOST_AUTO_TEST_CASE(accepted_delivery_drops_the_description_from_the_session_record) {
    harness h;
    h.deliver(conn1, sid);
    BOOST_REQUIRE(h.store.sessions.count(sid) == 1u);
    BOOST_TEST(!h.store.sessions[sid].description_json.empty()); // kept to repeat the request
    auto posts = h.sp.open_calls(delivery_url);
    BOOST_REQUIRE_EQUAL(posts.size(), 1u);
    h.sp.answer(posts[0], 200);
    h.drain();
    BOOST_TEST(h.store.sessions[sid].state == core::session_state::active);
    BOOST_TEST(h.store.sessions[sid].description_json.empty());
    BOOST_TEST(h.store.sessions[sid].fields_json.empty());
}

BOOST_AUTO_TEST_CASE(adopted_operations_keep_their_place_when_the_stored_seq_lags) {
    // accept() writes only the operation, so the session's next_operation_seq on disk may lag
    // behind the live operations; new operations must still queue after the recovered ones.
    harness h;
    core::session_record rec;
    rec.session_id = sid;
    rec.app_id = app_id;
    rec.service_id = "svc-1";
    rec.state = core::session_state::active;
    rec.next_operation_seq = 0; // stale
    core::operation_record o;
    o.operation_id = core::new_uuid();
    o.session_id = sid;
    o.app_id = app_id;
    o.kind = "transceive";
    o.callback_url = cb_prefix + "old";
    o.seq = 7;
    o.payload = core::transceive_operation::encode_payload({select_cmd});
    h.svc.adopt(rec, {o});
    h.drain();
    auto& r = h.accept(sid, {cplc_cmd}, cb_prefix + "new");
    h.drain();
    BOOST_REQUIRE(r.called);
    BOOST_TEST(!r.error.has_value());
    BOOST_REQUIRE(h.store.operations.count(r.operation_id) == 1u);
    BOOST_TEST(h.store.operations[r.operation_id].seq == 8u);
}

BOOST_AUTO_TEST_CASE(adopted_delivering_session_sends_the_delivery_request_again) {
    harness h;
    core::session_record rec;
    rec.session_id = sid;
    rec.app_id = app_id;
    rec.service_id = "svc-1";
    rec.state = core::session_state::delivering;
    rec.description_json = description;
    h.svc.adopt(rec, {});
    const auto posts = h.sp.open_calls(delivery_url);
    BOOST_REQUIRE_EQUAL(posts.size(), 1u);
    BOOST_TEST(parse(h.sp.calls[posts[0]].body).at("sessionId").as_string() == sid);
}

BOOST_AUTO_TEST_CASE(adopted_operation_that_cannot_be_rebuilt_fails_with_internal_error) {
    harness h;
    core::session_record rec;
    rec.session_id = sid;
    rec.app_id = app_id;
    rec.state = core::session_state::active;
    core::operation_record o;
    o.operation_id = core::new_uuid();
    o.session_id = sid;
    o.kind = "no-such-kind";
    o.callback_url = cb_prefix + "bad";
    h.svc.adopt(rec, {o});
    h.drain();
    const auto cbs = h.callbacks();
    BOOST_REQUIRE_EQUAL(cbs.size(), 1u);
    BOOST_TEST(cbs[0].at("statusCode").as_int64() == 500);
    BOOST_TEST(error_code_of(cbs[0]) == "internal-error");
}

BOOST_AUTO_TEST_SUITE_END()
