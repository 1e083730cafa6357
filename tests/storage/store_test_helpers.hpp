#pragma once
// Helpers of the store tests shared by every backend: waiting for completions, sample records,
// and field tuples to compare them. Header-only (inline), test-only.
#include "tsm/core/record_store.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace tsm::test::store {

using core::durability;

/// Runs `ioc` until `done()` is true; fails instead of hanging if nothing arrives for 30 s.
template <class Pred>
inline void run_until(boost::asio::io_context& ioc, Pred done) {
    auto guard = boost::asio::make_work_guard(ioc);
    while (!done()) {
        BOOST_REQUIRE(ioc.run_one_for(std::chrono::seconds(30)) > 0);
    }
}

/// Completions of the helpers below run here. It lives as long as the process: the writer thread
/// may still be inside post() (waking the context) after the handler ran, so a context local to
/// a helper would be destroyed under it.
inline boost::asio::io_context& helper_context() {
    static boost::asio::io_context ioc;
    ioc.restart();
    return ioc;
}

inline std::error_code commit_and_wait(core::record_store& store, core::write_set w,
                                       durability d = durability::sync) {
    auto& ioc = helper_context();
    std::optional<std::error_code> result;
    store.commit(std::move(w), d, ioc.get_executor(), [&](std::error_code ec) { result = ec; });
    run_until(ioc, [&] { return result.has_value(); });
    return *result;
}

inline std::pair<std::error_code, std::optional<core::operation_record>>
load_operation_and_wait(core::record_store& store, std::string id) {
    auto& ioc = helper_context();
    bool called = false;
    std::pair<std::error_code, std::optional<core::operation_record>> result;
    store.load_operation(std::move(id), ioc.get_executor(),
                         [&](std::error_code ec, std::optional<core::operation_record> op) {
                             result = {ec, std::move(op)};
                             called = true;
                         });
    run_until(ioc, [&] { return called; });
    return result;
}

inline std::pair<std::error_code, std::optional<core::recipe_record>>
load_recipe_and_wait(core::record_store& store, std::string app_id, std::string service_id) {
    auto& ioc = helper_context();
    bool called = false;
    std::pair<std::error_code, std::optional<core::recipe_record>> result;
    store.load_recipe(std::move(app_id), std::move(service_id), ioc.get_executor(),
                      [&](std::error_code ec, std::optional<core::recipe_record> r) {
                          result = {ec, std::move(r)};
                          called = true;
                      });
    run_until(ioc, [&] { return called; });
    return result;
}

inline std::pair<std::error_code, std::vector<std::string>> list_recipes_and_wait(core::record_store& store,
                                                                                  std::string app_id) {
    auto& ioc = helper_context();
    bool called = false;
    std::pair<std::error_code, std::vector<std::string>> result;
    store.list_recipes(std::move(app_id), ioc.get_executor(),
                       [&](std::error_code ec, std::vector<std::string> ids) {
                           result = {ec, std::move(ids)};
                           called = true;
                       });
    run_until(ioc, [&] { return called; });
    return result;
}

inline core::recipe_record make_recipe(std::string app_id, std::string service_id) {
    core::recipe_record r;
    r.app_id = std::move(app_id);
    r.service_id = std::move(service_id);
    r.description_json = R"({"title":"t"})";
    r.success_message_json = R"({"en":"Success"})";
    r.failure_message_json = R"({"en":"Failure"})";
    r.service_result_uri = "https://sp.example/cb/result";
    r.actions = {{"/transceive", "transceive", std::string("\x00\xA4\x04\x00", 4), false},
                 {"/ccm/storedata", "ccm-storedata", "sealed", true}};
    r.updated_ms = 1700000003000;
    return r;
}

inline core::recovered_state load_all(core::record_store& store) {
    core::recovered_state st;
    std::error_code ec = store.load_all(st);
    BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    return st;
}

inline auto fields(const core::app_record& r) {
    return std::tie(r.app_id, r.key_hash, r.description_url, r.delivery_url, r.delivery_method,
                    r.callback_prefixes);
}
inline auto fields(const core::session_record& r) {
    return std::tie(r.session_id, r.app_id, r.service_id, r.resume_token_hash, r.state, r.last_batch,
                    r.next_operation_seq, r.created_ms, r.last_progress_ms, r.card_iin, r.card_cin,
                    r.platform_version, r.description_json, r.fields_json, r.final_status_json, r.email,
                    r.msisdn);
}
inline auto fields(const core::operation_record& r) {
    return std::tie(r.operation_id, r.session_id, r.app_id, r.kind, r.callback_url, r.seq, r.state, r.payload,
                    r.result_json, r.accepted_ms);
}
inline auto fields(const core::outbox_entry& r) {
    return std::tie(r.id, r.url, r.body, r.created_ms);
}

inline core::app_record make_app(std::string id) {
    core::app_record a;
    a.app_id = std::move(id);
    a.key_hash = std::string("\x01\x00\x02", 3);
    a.description_url = "https://sp.example/desc";
    a.delivery_url = "https://sp.example/deliver";
    a.callback_prefixes = {"https://sp.example/cb/"};
    return a;
}

inline core::session_record make_session(std::string id, core::session_state st) {
    core::session_record s;
    s.session_id = std::move(id);
    s.app_id = "0A0B0C0D";
    s.service_id = "svc-" + s.session_id;
    s.resume_token_hash = std::string(32, '\x11');
    s.state = st;
    s.last_batch = 3;
    s.next_operation_seq = 2;
    s.created_ms = 1700000000000;
    s.last_progress_ms = 1700000001000;
    s.card_iin = "4242";
    s.card_cin = "CAFE";
    s.platform_version = 2;
    s.description_json = R"({"d":1})";
    s.fields_json = R"({"f":2})";
    s.email = "user@example.com";
    s.msisdn = "+46700000000";
    return s;
}

inline core::operation_record make_op(std::string id, std::string session_id, std::uint64_t seq,
                                      core::operation_state st) {
    core::operation_record o;
    o.operation_id = std::move(id);
    o.session_id = std::move(session_id);
    o.app_id = "0A0B0C0D";
    o.kind = "transceive";
    o.callback_url = "https://sp.example/cb/" + o.operation_id;
    o.seq = seq;
    o.state = st;
    o.payload = std::string("\x00\xA4\x04\x00", 4);
    o.accepted_ms = 1700000002000;
    return o;
}

inline std::vector<std::string> op_ids(const core::recovered_state& st) {
    std::vector<std::string> ids;
    for (const auto& o : st.operations) {
        ids.push_back(o.operation_id);
    }
    return ids;
}

} // namespace tsm::test::store
