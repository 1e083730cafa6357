// Session service: services with a stored recipe (recipe_source). Describe and deliver without
// any SP call, the actions queued in one write and run in order, the end on the last success or
// the first failure (failureMessage, scriptStatus, later actions skipped), the success summary to
// serviceResultUri, SP calls refused, recovery. In memory: the session harness, a shelf that
// serves recipes, and a test kind under the storedata name that opens its payload as the real
// one does (ccm_payload_context of its session) and sends it as one command.
#include "session_harness.hpp"

#include "tsm/core/ids.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/recipe_source.hpp"
#include "tsm/core/sealed_payload.hpp"
#include "tsm/core/touch_point_frames.hpp"
#include "tsm/core/transceive_operation.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <utility>

using namespace session_harness;

namespace {

const std::string recipe_description = R"({"title":{"en":"Install the demo applet"}})";
const std::string result_uri = "https://sp.example/results";
const std::string success_message = R"({"en":"Installed"})";
const std::string failure_message = R"({"en":"Could not install"})";
const bytes store_data_ok = "\x80\xe2\x80\x00\x02\x01\x02"s;
const bytes store_data_refused = "\x80\xe2\x80\x00\x02\x6a\x80"s; // the test kind answers its data as SW
const bytes secret_marker = "\x80\xe2\x80\x00\x04SeCr"s;

/// A record store that serves recipes and nothing else (the harness's fake store takes the writes).
class recipe_shelf final : public core::record_store {
public:
    void commit(core::write_set, core::durability, boost::asio::any_io_executor, commit_handler) override {
        throw std::logic_error("recipe_shelf takes no writes");
    }
    void load_operation(std::string, boost::asio::any_io_executor, load_operation_handler) override {
        throw std::logic_error("recipe_shelf holds no operations");
    }
    void load_recipe(std::string app, std::string service, boost::asio::any_io_executor ex,
                     load_recipe_handler done) override {
        ++reads;
        std::optional<core::recipe_record> r;
        if (auto it = recipes.find({app, service}); it != recipes.end()) {
            r = it->second;
        }
        const std::error_code ec = fail_reads ? std::make_error_code(std::errc::io_error) : std::error_code{};
        boost::asio::post(ex, [done = std::move(done), ec, r = std::move(r)]() mutable {
            done(ec, ec ? std::nullopt : std::move(r));
        });
    }
    std::error_code load_all(core::recovered_state&) override { return {}; }
    void close() override {}
    const core::store_stats& stats() const noexcept override { return stats_; }

    std::map<std::pair<std::string, std::string>, core::recipe_record> recipes;
    bool fail_reads = false;
    int reads = 0;

private:
    core::store_stats stats_;
};

/// Sends its opened payload as one stop-on-error command; the command's last two bytes are the
/// SW the test expects back. A failure is a card error naming STORE DATA and the SW.
class sealed_command final : public core::operation {
public:
    explicit sealed_command(bytes cmd) : cmd_(std::move(cmd)) {}
    ~sealed_command() override { core::wipe(cmd_); }
    core::operation_step start() override {
        core::apdu_batch b;
        b.commands.push_back(cmd_);
        b.stop_on_error = true;
        return core::operation_step::send(std::move(b));
    }
    core::operation_step on_responses(std::vector<bytes> responses) override {
        if (responses.size() == 1 && responses[0] == "\x90\x00"s) {
            core::operation_outcome ok;
            ok.responses = std::move(responses);
            return core::operation_step::finish(std::move(ok));
        }
        auto failed = core::failed_outcome(core::api_errc::card_error, "STORE DATA failed");
        failed.error_command = "STORE DATA";
        failed.error_sw = responses.empty() ? "" : core::to_hex(responses.back());
        return core::operation_step::finish(std::move(failed));
    }

private:
    bytes cmd_;
};

struct recipe_fixture {
    recipe_fixture() {
        h.kinds.add(core::kinds::ccm_storedata,
                    {[](std::string_view) -> core::api_status { return {}; },
                     [this](const core::operation_record& op, const core::session_record&,
                            core::operation_registry::done_handler done) {
                         auto plain = vault.open(op.payload, core::ccm_payload_context(op.session_id));
                         if (!plain) {
                             done(nullptr, core::failed_outcome(core::api_errc::key_error, "does not open"));
                             return;
                         }
                         done(std::make_unique<sealed_command>(std::move(*plain)), std::nullopt);
                     }});
        h.svc.use_recipes(source);
        shelf.recipes[{std::string(app_id), "svc-1"}] = recipe(
            {transceive_action(select_cmd), storedata_action(store_data_ok), transceive_action(cplc_cmd)});
    }

    core::recipe_action transceive_action(const bytes& cmd) const {
        return {"/transceive", std::string(core::kinds::transceive),
                core::transceive_operation::encode_payload({cmd}), false};
    }
    core::recipe_action storedata_action(const bytes& cmd) const {
        return {"/ccm/storedata", std::string(core::kinds::ccm_storedata),
                vault.seal(cmd, core::recipe_payload_context(app_id, "svc-1")), true};
    }
    core::recipe_record recipe(std::vector<core::recipe_action> actions) const {
        core::recipe_record r;
        r.app_id = app_id;
        r.service_id = "svc-1";
        r.description_json = recipe_description;
        r.success_message_json = success_message;
        r.failure_message_json = failure_message;
        r.service_result_uri = result_uri;
        r.actions = std::move(actions);
        return r;
    }

    /// Starts the delivery and returns whether a session was bound.
    bool deliver() {
        std::optional<bool> bound;
        h.svc.start_delivery(conn1, sid, h.request(), [&](bool b) { bound = b; });
        h.drain();
        BOOST_REQUIRE(bound.has_value());
        return *bound;
    }

    /// Answers the newest commands frame of `c` with `response`.
    void answer(const bytes& response, connection_ref c = conn1) {
        auto cmds = h.commands_frames(c);
        BOOST_REQUIRE(!cmds.empty());
        h.svc.on_responses(c, sid, static_cast<std::uint64_t>(cmds.back().at("batch").as_int64()),
                           {response});
        h.drain();
    }

    std::optional<bj::object> final_status(connection_ref c = conn1) const {
        auto st = h.tp.frames_of_type(c, "status");
        if (st.empty()) {
            return std::nullopt;
        }
        return parse(st.back());
    }

    core::key_vault vault{bytes(core::key_vault::kek_size, 'k')};
    recipe_shelf shelf;
    core::recipe_source source{shelf, vault};
    harness h;
};

std::string hex_of(const bj::value& v) {
    return std::string(v.as_string());
}

} // namespace

BOOST_AUTO_TEST_SUITE(session_service_recipe)

BOOST_FIXTURE_TEST_CASE(describe_of_a_recipe_service_is_the_recipe_description_and_asks_no_sp,
                        recipe_fixture) {
    h.svc.describe(conn1, std::string(app_id), "svc-1");
    h.drain();
    BOOST_TEST(h.sp.calls.empty());
    const auto d = h.tp.frames_of_type(conn1, "description");
    BOOST_REQUIRE_EQUAL(d.size(), 1u);
    BOOST_TEST(bj::serialize(parse(d[0]).at("description")) == bj::serialize(bj::parse(recipe_description)));
}

BOOST_FIXTURE_TEST_CASE(describe_of_a_service_without_recipe_asks_the_sp, recipe_fixture) {
    h.svc.describe(conn1, std::string(app_id), "svc-2");
    h.drain();
    BOOST_TEST(shelf.reads == 1);
    BOOST_REQUIRE_EQUAL(h.sp.open_calls(description_url).size(), 1u);
    BOOST_TEST(h.sp.calls[0].url == description_url + "/svc-2");
}

BOOST_FIXTURE_TEST_CASE(describe_when_recipes_cannot_be_read_is_unavailable_not_the_sp, recipe_fixture) {
    shelf.fail_reads = true;
    h.svc.describe(conn1, std::string(app_id), "svc-1");
    h.drain();
    BOOST_TEST(h.sp.calls.empty());
    const auto e = h.tp.frames_of_type(conn1, "error");
    BOOST_REQUIRE_EQUAL(e.size(), 1u);
    BOOST_TEST(parse(e[0]).at("code").as_string() == "unavailable");
}

BOOST_FIXTURE_TEST_CASE(delivery_writes_the_active_session_and_every_action_in_one_write, recipe_fixture) {
    BOOST_REQUIRE(deliver());
    BOOST_TEST(h.sp.calls.empty()); // no description, no delivery request
    BOOST_REQUIRE_EQUAL(h.store.commits.size(), 1u);
    const core::write_set& w = h.store.commits[0].w;
    BOOST_TEST(h.store.commits[0].d == core::durability::sync);
    BOOST_REQUIRE_EQUAL(w.put_sessions.size(), 1u);
    const core::session_record& s = w.put_sessions[0];
    BOOST_TEST(s.state == core::session_state::active);
    BOOST_REQUIRE(s.recipe.has_value());
    BOOST_TEST(s.recipe->success_message_json == success_message);
    BOOST_TEST(s.recipe->failure_message_json == failure_message);
    BOOST_TEST(s.recipe->service_result_uri == result_uri);
    BOOST_TEST(s.recipe->action_endpoints
                   == (std::vector<std::string>{"/transceive", "/ccm/storedata", "/transceive"}),
               boost::test_tools::per_element());
    BOOST_TEST(s.description_json.empty());
    BOOST_TEST(s.fields_json.empty()); // the user's fields would only go to an SP
    BOOST_TEST(s.next_operation_seq == 3u);
    BOOST_REQUIRE_EQUAL(w.put_operations.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(w.put_operations[i].seq == i);
        BOOST_TEST(w.put_operations[i].callback_url.empty());
        BOOST_TEST(w.put_operations[i].state == core::operation_state::queued);
        BOOST_TEST(w.put_operations[i].session_id == sid);
    }
    BOOST_TEST(w.put_operations[1].kind == core::kinds::ccm_storedata);
    BOOST_TEST(h.tp.frames_of_type(conn1, "session").size() == 1u);
    const auto cmds = h.commands_frames(conn1);
    BOOST_REQUIRE_EQUAL(cmds.size(), 1u);
    BOOST_TEST(cmds[0].at("operationId").as_string() == w.put_operations[0].operation_id);
}

BOOST_FIXTURE_TEST_CASE(sealed_action_payloads_open_only_in_their_session, recipe_fixture) {
    auto prepared = source.prepare_for(shelf.recipes.begin()->second, sid);
    BOOST_REQUIRE(prepared.has_value());
    const bytes& sealed = prepared->actions[1].payload;
    BOOST_TEST(sealed.find(store_data_ok) == std::string::npos);
    auto opened = vault.open(sealed, core::ccm_payload_context(sid));
    BOOST_REQUIRE(opened.has_value());
    BOOST_TEST(core::to_hex(*opened) == core::to_hex(store_data_ok));
    BOOST_TEST(!vault.open(sealed, core::ccm_payload_context("another-session")).has_value());
    BOOST_TEST(!vault.open(sealed, core::recipe_payload_context(app_id, "svc-1")).has_value());
    // Unsealed payloads are taken as they are.
    BOOST_TEST(prepared->actions[0].payload == core::transceive_operation::encode_payload({select_cmd}));
}

BOOST_FIXTURE_TEST_CASE(a_payload_that_does_not_open_refuses_the_delivery_and_stores_nothing,
                        recipe_fixture) {
    auto r = recipe({transceive_action(select_cmd), storedata_action(store_data_ok)});
    r.actions[1].payload = core::key_vault(bytes(core::key_vault::kek_size, 'x'))
                               .seal(store_data_ok, core::recipe_payload_context(app_id, "svc-1"));
    shelf.recipes[{std::string(app_id), "svc-1"}] = r;
    BOOST_TEST(!deliver());
    BOOST_TEST(h.store.commits.empty());
    const auto e = h.tp.frames_of_type(conn1, "error");
    BOOST_REQUIRE_EQUAL(e.size(), 1u);
    BOOST_TEST(parse(e[0]).at("code").as_string() == "key-error");
    BOOST_TEST(h.svc.session_count() == 0u);
}

BOOST_FIXTURE_TEST_CASE(actions_run_in_order_and_the_last_success_ends_with_the_summary_in_the_same_write,
                        recipe_fixture) {
    BOOST_REQUIRE(deliver());
    answer("\x90\x00"s);
    auto cmds = h.commands_frames(conn1);
    BOOST_REQUIRE_EQUAL(cmds.size(), 2u);
    BOOST_TEST(hex_of(cmds[1].at("commands").as_array().at(0)) == core::to_hex(store_data_ok));
    BOOST_TEST(!final_status().has_value());
    answer("\x90\x00"s);
    cmds = h.commands_frames(conn1);
    BOOST_REQUIRE_EQUAL(cmds.size(), 3u);
    BOOST_TEST(hex_of(cmds[2].at("commands").as_array().at(0)) == core::to_hex(cplc_cmd));
    const std::size_t commits_before_end = h.store.commits.size();
    answer("\x9f\x7f\x90\x00"s);

    const auto st = final_status();
    BOOST_REQUIRE(st.has_value());
    BOOST_TEST(st->at("success").as_bool());
    BOOST_TEST(bj::serialize(st->at("message")) == bj::serialize(bj::parse(success_message)));
    BOOST_TEST(!st->contains("scriptStatus"));

    // The last result, the end and the summary: one write.
    BOOST_REQUIRE_EQUAL(h.store.commits.size(), commits_before_end + 1);
    const core::write_set& w = h.store.commits.back().w;
    BOOST_REQUIRE_EQUAL(w.put_operations.size(), 1u);
    BOOST_TEST(w.put_operations[0].state == core::operation_state::done);
    BOOST_REQUIRE_EQUAL(w.put_sessions.size(), 1u);
    BOOST_TEST(w.put_sessions[0].state == core::session_state::completed);
    BOOST_REQUIRE_EQUAL(w.put_outbox.size(), 1u);
    BOOST_TEST(w.put_outbox[0].id == sid + "/result");
    BOOST_TEST(w.put_outbox[0].url == result_uri);

    // No action had a callback; the summary went out once.
    for (const auto& c : h.store.commits) {
        for (const auto& e : c.w.put_outbox) {
            BOOST_TEST(e.id == sid + "/result");
        }
    }
    const auto posts = h.sp.calls_to(result_uri);
    BOOST_REQUIRE_EQUAL(posts.size(), 1u);
    BOOST_TEST(h.sp.calls[posts[0]].method == "POST");
    const auto summary = parse(h.sp.calls[posts[0]].body);
    BOOST_TEST(summary.at("sessionId").as_string() == sid);
    BOOST_TEST(summary.at("appId").as_string() == app_id);
    BOOST_TEST(summary.at("serviceId").as_string() == "svc-1");
    BOOST_TEST(summary.at("cardId").at("cin").as_string() == "0E48800471400A");
    BOOST_TEST(summary.at("cardId").at("iin").as_string() == "8A2C10");
    BOOST_TEST(summary.at("success").as_bool());
    const auto& actions = summary.at("actions").as_array();
    BOOST_REQUIRE_EQUAL(actions.size(), 3u);
    BOOST_TEST(actions[1].at("endpoint").as_string() == "/ccm/storedata");
    BOOST_TEST(actions[1].at("statusCode").as_int64() == 200);
    BOOST_TEST(h.sp.calls.size() == 1u); // nothing else was called: no SP description, delivery, callback
    BOOST_TEST(h.store.operations.size() == 3u);
    for (const auto& [id, op] : h.store.operations) {
        BOOST_TEST(op.state == core::operation_state::done);
        BOOST_TEST(parse(op.result_json).at("statusCode").as_int64() == 200);
    }
}

BOOST_FIXTURE_TEST_CASE(a_failing_action_ends_with_failure_message_and_script_status_and_skips_the_rest,
                        recipe_fixture) {
    shelf.recipes[{std::string(app_id), "svc-1"}] = recipe(
        {transceive_action(select_cmd), storedata_action(store_data_refused), transceive_action(cplc_cmd)});
    BOOST_REQUIRE(deliver());
    answer("\x90\x00"s);
    const std::size_t commits_before_end = h.store.commits.size();
    answer("\x6a\x80"s);

    BOOST_TEST(h.commands_frames(conn1).size() == 2u); // the third action never reached the card
    const auto st = final_status();
    BOOST_REQUIRE(st.has_value());
    BOOST_TEST(!st->at("success").as_bool());
    BOOST_TEST(bj::serialize(st->at("message")) == bj::serialize(bj::parse(failure_message)));
    BOOST_REQUIRE(st->contains("scriptStatus"));
    const auto& ss = st->at("scriptStatus").as_object();
    BOOST_TEST(ss.at("action").as_int64() == 1);
    BOOST_TEST(ss.at("endpoint").as_string() == "/ccm/storedata");
    BOOST_TEST(ss.at("statusCode").as_int64() == 500);
    BOOST_TEST(ss.at("code").as_string() == "card-error");
    BOOST_TEST(ss.at("command").as_string() == "STORE DATA");
    BOOST_TEST(ss.at("sw").as_string() == "6A80");

    BOOST_REQUIRE_EQUAL(h.store.commits.size(), commits_before_end + 1);
    const core::write_set& w = h.store.commits.back().w;
    BOOST_TEST(w.put_operations.size() == 2u); // the failed one and the skipped one
    BOOST_TEST(w.put_outbox.empty());          // no summary on failure, no callbacks ever
    BOOST_REQUIRE_EQUAL(w.put_sessions.size(), 1u);
    BOOST_TEST(w.put_sessions[0].state == core::session_state::completed);
    BOOST_TEST(w.put_sessions[0].final_status_json == h.tp.frames_of_type(conn1, "status").back());
    std::map<std::uint64_t, core::operation_record> by_seq;
    for (const auto& [id, op] : h.store.operations) {
        by_seq[op.seq] = op;
    }
    BOOST_REQUIRE_EQUAL(by_seq.size(), 3u);
    BOOST_TEST(by_seq[2].state == core::operation_state::done);
    BOOST_TEST(error_code_of(parse(by_seq[2].result_json)) == "action-skipped");
    BOOST_TEST(error_code_of(parse(by_seq[1].result_json)) == "card-error");
    BOOST_TEST(h.sp.calls.empty());
    BOOST_TEST(h.tp.closes(conn1).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(sp_calls_on_a_recipe_session_are_refused, recipe_fixture) {
    BOOST_REQUIRE(deliver());
    auto& a = h.accept(sid, {select_cmd});
    BOOST_REQUIRE(a.called);
    BOOST_REQUIRE(a.error.has_value());
    BOOST_TEST(a.error->name() == "recipe-session");
    BOOST_TEST(a.error->status() == 409);
    auto& c = h.complete(sid, true, R"("done")");
    BOOST_REQUIRE(c.called);
    BOOST_REQUIRE(c.error.has_value());
    BOOST_TEST(c.error->name() == "recipe-session");
    BOOST_TEST(!final_status().has_value()); // the recipe still runs
    BOOST_TEST(h.commands_frames(conn1).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_recipe_deleted_or_replaced_mid_delivery_does_not_touch_the_running_session,
                        recipe_fixture) {
    BOOST_REQUIRE(deliver());
    shelf.recipes.clear();
    answer("\x90\x00"s);
    answer("\x90\x00"s);
    shelf.recipes[{std::string(app_id), "svc-1"}] = recipe({transceive_action(select_cmd)});
    answer("\x90\x00"s);
    const auto st = final_status();
    BOOST_REQUIRE(st.has_value());
    BOOST_TEST(st->at("success").as_bool());
    BOOST_TEST(h.commands_frames(conn1).size() == 3u);
}

BOOST_FIXTURE_TEST_CASE(a_touch_point_abort_fails_the_recipe_without_any_callback, recipe_fixture) {
    BOOST_REQUIRE(deliver());
    h.svc.on_client_error(conn1, sid, "user cancelled");
    h.drain();
    const auto st = final_status();
    BOOST_REQUIRE(st.has_value());
    BOOST_TEST(!st->at("success").as_bool());
    BOOST_TEST(h.store.sessions[sid].state == core::session_state::failed);
    BOOST_TEST(h.store.outbox.empty());
    BOOST_TEST(h.sp.calls.empty());
    for (const auto& [id, op] : h.store.operations) {
        BOOST_TEST(op.state == core::operation_state::done);
    }
}

BOOST_FIXTURE_TEST_CASE(no_recipe_goes_on_to_the_sp_delivery, recipe_fixture) {
    shelf.recipes.clear();
    std::optional<bool> bound;
    h.svc.start_delivery(conn1, sid, h.request(), [&](bool b) { bound = b; });
    h.drain(); // the recipe read completes first
    BOOST_TEST(shelf.reads == 1);
    auto gets = h.sp.open_calls(description_url);
    BOOST_REQUIRE_EQUAL(gets.size(), 1u); // then the SP path: description, session, delivery request
    h.sp.answer(gets[0], 200, description);
    h.drain();
    BOOST_TEST(bound.value_or(false));
    BOOST_TEST(h.sp.open_calls(delivery_url).size() == 1u);
    BOOST_REQUIRE_EQUAL(h.store.sessions.count(sid), 1u);
    BOOST_TEST(!h.store.sessions[sid].recipe.has_value());
    BOOST_TEST(h.store.sessions[sid].state == core::session_state::delivering);
}

BOOST_FIXTURE_TEST_CASE(an_adopted_recipe_session_runs_its_remaining_actions_after_resume, recipe_fixture) {
    BOOST_REQUIRE(deliver());
    answer("\x90\x00"s); // the first action is done; the process "restarts" here
    core::session_record rec = h.store.sessions[sid];
    std::vector<core::operation_record> ops;
    for (const auto& [id, op] : h.store.operations) {
        if (op.state != core::operation_state::done) {
            ops.push_back(op);
        }
    }
    std::sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
    BOOST_REQUIRE_EQUAL(ops.size(), 2u);
    BOOST_REQUIRE(rec.recipe.has_value());

    recipe_fixture next; // a fresh process over the same records, the recipe deleted meanwhile
    next.shelf.recipes.clear();
    // The first delivery's token was random: the adopted record gets one the test knows.
    const std::string token = "resume-token";
    rec.resume_token_hash = next.h.hasher.digest(resume_context, token);
    next.h.svc.adopt(rec, ops);
    next.h.drain();
    BOOST_TEST(next.h.sp.calls.empty());
    std::optional<bool> bound;
    next.h.svc.resume(conn2, sid, token, [&](bool b) { bound = b; });
    BOOST_REQUIRE(bound.value_or(false));
    next.h.drain();
    auto cmds = next.h.commands_frames(conn2);
    BOOST_REQUIRE_EQUAL(cmds.size(), 1u);
    BOOST_TEST(hex_of(cmds[0].at("commands").as_array().at(0)) == core::to_hex(store_data_ok));
    next.answer("\x90\x00"s, conn2);
    next.answer("\x90\x00"s, conn2);
    const auto st = next.final_status(conn2);
    BOOST_REQUIRE(st.has_value());
    BOOST_TEST(st->at("success").as_bool());
    BOOST_TEST(next.h.sp.calls_to(result_uri).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(an_adopted_recipe_session_with_nothing_left_ends_as_failure, recipe_fixture) {
    core::session_record rec;
    rec.session_id = sid;
    rec.app_id = app_id;
    rec.service_id = "svc-1";
    rec.state = core::session_state::active;
    rec.recipe = core::recipe_run{success_message, failure_message, result_uri, {"/transceive"}};
    h.svc.adopt(rec, {});
    h.drain();
    BOOST_REQUIRE_EQUAL(h.store.sessions.count(sid), 1u);
    BOOST_TEST(h.store.sessions[sid].state == core::session_state::completed);
    const auto st = parse(h.store.sessions[sid].final_status_json);
    BOOST_TEST(!st.at("success").as_bool());
    BOOST_TEST(h.store.outbox.empty());
}

BOOST_AUTO_TEST_CASE(status_frame_carries_script_status_only_when_given) {
    core::operation_outcome o = core::failed_outcome(core::api_errc::card_error, "INSTALL failed");
    o.error_command = "INSTALL [for install]";
    o.error_sw = "6A80";
    const auto frame = parse(core::frames::status(false, R"({"en":"Failure"})",
                                                  core::frames::script_status(2, "/ccm/install", o)));
    BOOST_TEST(frame.at("code").as_string() == "FAILED");
    const auto& ss = frame.at("scriptStatus").as_object();
    BOOST_TEST(ss.at("action").as_int64() == 2);
    BOOST_TEST(ss.at("endpoint").as_string() == "/ccm/install");
    BOOST_TEST(ss.at("command").as_string() == "INSTALL [for install]");
    BOOST_TEST(ss.at("sw").as_string() == "6A80");
    BOOST_TEST(ss.at("message").as_string() == "INSTALL failed");
    BOOST_TEST(!parse(core::frames::status(true, R"("ok")")).contains("scriptStatus"));
}

BOOST_AUTO_TEST_CASE(only_the_secret_kinds_have_a_session_payload_context) {
    BOOST_TEST(core::session_payload_context(core::kinds::ccm_storedata, sid).value()
               == core::ccm_payload_context(sid));
    BOOST_TEST(core::session_payload_context(core::kinds::secure_transceive, sid).value()
               == core::secure_transceive_payload_context(sid));
    BOOST_TEST(!core::session_payload_context(core::kinds::transceive, sid).has_value());
    BOOST_TEST(!core::session_payload_context(core::kinds::ccm_install, sid).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
