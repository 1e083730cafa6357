#include "tsm/storage/rocksdb_store.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <rocksdb/db.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using namespace tsm;
using core::durability;
using storage::errc;
using storage::rocksdb_store;

namespace {

const std::error_code busy = storage::make_error_code(errc::busy);
const std::error_code closed = storage::make_error_code(errc::closed);
const std::error_code corruption = storage::make_error_code(errc::corruption);

/// A fresh directory under /tmp, removed with everything in it at scope end.
struct temp_dir {
    std::string path;
    temp_dir() {
        std::string tmpl = "/tmp/tsm-storage-test-XXXXXX";
        BOOST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string db() const { return path + "/db"; }
};

std::unique_ptr<rocksdb_store> open_store(const std::string& dir, storage::rocksdb_store_options opts = {}) {
    std::error_code ec;
    auto s = rocksdb_store::open(dir, opts, ec);
    BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    BOOST_REQUIRE(s);
    return s;
}

/// Runs `ioc` until `done()` is true; fails instead of hanging if nothing arrives for 30 s.
template <class Pred>
void run_until(boost::asio::io_context& ioc, Pred done) {
    auto guard = boost::asio::make_work_guard(ioc);
    while (!done()) {
        BOOST_REQUIRE(ioc.run_one_for(std::chrono::seconds(30)) > 0);
    }
}

/// Completions of the helpers below run here. It lives as long as the process: the writer thread
/// may still be inside post() (waking the context) after the handler ran, so a context local to
/// a helper would be destroyed under it.
boost::asio::io_context& helper_context() {
    static boost::asio::io_context ioc;
    ioc.restart();
    return ioc;
}

std::error_code commit_and_wait(rocksdb_store& store, core::write_set w, durability d = durability::sync) {
    auto& ioc = helper_context();
    std::optional<std::error_code> result;
    store.commit(std::move(w), d, ioc.get_executor(), [&](std::error_code ec) { result = ec; });
    run_until(ioc, [&] { return result.has_value(); });
    return *result;
}

std::pair<std::error_code, std::optional<core::operation_record>>
load_operation_and_wait(rocksdb_store& store, std::string id) {
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

std::pair<std::error_code, std::optional<core::recipe_record>>
load_recipe_and_wait(rocksdb_store& store, std::string app_id, std::string service_id) {
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

std::pair<std::error_code, std::vector<std::string>> list_recipes_and_wait(rocksdb_store& store,
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

core::recipe_record make_recipe(std::string app_id, std::string service_id) {
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

core::recovered_state load_all(rocksdb_store& store) {
    core::recovered_state st;
    std::error_code ec = store.load_all(st);
    BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    return st;
}

auto fields(const core::app_record& r) {
    return std::tie(r.app_id, r.key_hash, r.description_url, r.delivery_url, r.delivery_method,
                    r.callback_prefixes);
}
auto fields(const core::session_record& r) {
    return std::tie(r.session_id, r.app_id, r.service_id, r.resume_token_hash, r.state, r.last_batch,
                    r.next_operation_seq, r.created_ms, r.last_progress_ms, r.card_iin, r.card_cin,
                    r.platform_version, r.description_json, r.fields_json, r.final_status_json, r.email,
                    r.msisdn);
}
auto fields(const core::operation_record& r) {
    return std::tie(r.operation_id, r.session_id, r.app_id, r.kind, r.callback_url, r.seq, r.state, r.payload,
                    r.result_json, r.accepted_ms);
}
auto fields(const core::outbox_entry& r) {
    return std::tie(r.id, r.url, r.body, r.created_ms);
}

core::app_record make_app(std::string id) {
    core::app_record a;
    a.app_id = std::move(id);
    a.key_hash = std::string("\x01\x00\x02", 3);
    a.description_url = "https://sp.example/desc";
    a.delivery_url = "https://sp.example/deliver";
    a.callback_prefixes = {"https://sp.example/cb/"};
    return a;
}

core::session_record make_session(std::string id, core::session_state st) {
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

core::operation_record make_op(std::string id, std::string session_id, std::uint64_t seq,
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

std::vector<std::string> op_ids(const core::recovered_state& st) {
    std::vector<std::string> ids;
    for (const auto& o : st.operations) {
        ids.push_back(o.operation_id);
    }
    return ids;
}

/// Number of live-index keys, read straight from RocksDB (store closed).
std::size_t live_index_keys(const std::string& dir) {
    rocksdb::DB* raw = nullptr;
    rocksdb::Options o;
    BOOST_REQUIRE(rocksdb::DB::OpenForReadOnly(o, dir, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    std::size_t n = 0;
    for (it->Seek("L/"); it->Valid() && it->key().starts_with("L/"); it->Next()) {
        ++n;
    }
    return n;
}

} // namespace

BOOST_AUTO_TEST_SUITE(rocksdb_store_tests)

BOOST_AUTO_TEST_CASE(round_trips_every_record_type_across_reopen) {
    temp_dir tmp;
    core::write_set w;
    w.put_apps = {make_app("0A0B0C0D"), make_app("11223344")};
    w.put_sessions = {make_session("s1", core::session_state::delivering),
                      make_session("s2", core::session_state::active)};
    w.put_operations = {make_op("o1", "s1", 0, core::operation_state::running),
                        make_op("o2", "s1", 1, core::operation_state::queued)};
    w.put_outbox = {{"o0", "https://sp.example/cb/o0", R"({"ok":true})", 5},
                    {"o9", "https://sp.example/cb/o9", "{}", -7}};
    core::write_set expected = w;
    {
        auto store = open_store(tmp.db());
        BOOST_TEST(!commit_and_wait(*store, std::move(w)));
        store->close();
    }
    auto store = open_store(tmp.db());
    auto st = load_all(*store);
    BOOST_REQUIRE_EQUAL(st.apps.size(), 2u);
    BOOST_REQUIRE_EQUAL(st.sessions.size(), 2u);
    BOOST_REQUIRE_EQUAL(st.operations.size(), 2u);
    BOOST_REQUIRE_EQUAL(st.outbox.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        BOOST_TEST((fields(st.apps[i]) == fields(expected.put_apps[i])));
        BOOST_TEST((fields(st.sessions[i]) == fields(expected.put_sessions[i])));
        BOOST_TEST((fields(st.operations[i]) == fields(expected.put_operations[i])));
        BOOST_TEST((fields(st.outbox[i]) == fields(expected.put_outbox[i])));
    }
}

BOOST_AUTO_TEST_CASE(load_all_returns_only_live_sessions_and_operations) {
    temp_dir tmp;
    {
        auto store = open_store(tmp.db());
        core::write_set w;
        w.put_sessions = {make_session("s1", core::session_state::active),
                          make_session("s2", core::session_state::active),
                          make_session("s3", core::session_state::failed)};
        w.put_operations = {make_op("o1", "s1", 0, core::operation_state::running),
                            make_op("o2", "s1", 1, core::operation_state::queued),
                            make_op("o3", "s2", 0, core::operation_state::running)};
        BOOST_TEST(!commit_and_wait(*store, std::move(w)));

        core::write_set finish;
        auto s2 = make_session("s2", core::session_state::completed);
        s2.final_status_json = R"({"status":"done"})";
        finish.put_sessions = {s2};
        auto o1 = make_op("o1", "s1", 0, core::operation_state::done);
        o1.result_json = R"({"responses":["9000"]})";
        finish.put_operations = {o1};
        finish.put_outbox = {{"o1", o1.callback_url, o1.result_json, 9}};
        BOOST_TEST(!commit_and_wait(*store, std::move(finish)));

        auto st = load_all(*store);
        BOOST_REQUIRE_EQUAL(st.sessions.size(), 1u);
        BOOST_TEST(st.sessions[0].session_id == "s1");
        BOOST_TEST((op_ids(st) == std::vector<std::string>{"o2", "o3"}));
    }
    // the index holds exactly the live records: L/s/s1, L/o/s1/1, L/o/s2/0
    BOOST_TEST(live_index_keys(tmp.db()) == 3u);

    auto store = open_store(tmp.db());
    auto st = load_all(*store);
    BOOST_REQUIRE_EQUAL(st.sessions.size(), 1u);
    BOOST_TEST(st.sessions[0].session_id == "s1");
    BOOST_TEST((op_ids(st) == std::vector<std::string>{"o2", "o3"}));
    BOOST_REQUIRE_EQUAL(st.outbox.size(), 1u);

    // finished records stay readable by id
    auto [ec, op] = load_operation_and_wait(*store, "o1");
    BOOST_TEST(!ec);
    BOOST_REQUIRE(op.has_value());
    BOOST_TEST((op->state == core::operation_state::done));
    BOOST_TEST(op->result_json == R"({"responses":["9000"]})");
}

BOOST_AUTO_TEST_CASE(load_all_sorts_operations_by_session_then_seq) {
    temp_dir tmp;
    auto store = open_store(tmp.db());
    core::write_set w;
    // ids with bytes below '/' would break raw index order; seqs 2 and 256 break little-endian
    w.put_operations = {make_op("b256", "b", 256, core::operation_state::queued),
                        make_op("b2", "b", 2, core::operation_state::queued),
                        make_op("a-1", "a-", 1, core::operation_state::queued),
                        make_op("a7", "a", 7, core::operation_state::running),
                        make_op("a3", "a", 3, core::operation_state::queued)};
    BOOST_TEST(!commit_and_wait(*store, std::move(w)));
    auto st = load_all(*store);
    BOOST_TEST((op_ids(st) == std::vector<std::string>{"a3", "a7", "a-1", "b2", "b256"}));
}

BOOST_AUTO_TEST_CASE(delete_apps_and_outbox) {
    temp_dir tmp;
    auto store = open_store(tmp.db());
    core::write_set w;
    w.put_apps = {make_app("A1"), make_app("A2")};
    w.put_outbox = {{"x1", "u1", "{}", 1}, {"x2", "u2", "{}", 2}};
    BOOST_TEST(!commit_and_wait(*store, std::move(w)));

    core::write_set del;
    del.delete_apps = {"A1", "never-existed"};
    del.delete_outbox = {"x2"};
    BOOST_TEST(!commit_and_wait(*store, std::move(del), durability::relaxed));

    auto st = load_all(*store);
    BOOST_REQUIRE_EQUAL(st.apps.size(), 1u);
    BOOST_TEST(st.apps[0].app_id == "A2");
    BOOST_REQUIRE_EQUAL(st.outbox.size(), 1u);
    BOOST_TEST(st.outbox[0].id == "x1");
}

BOOST_AUTO_TEST_CASE(later_write_in_a_group_wins) {
    temp_dir tmp;
    boost::asio::io_context ioc; // outlives the store: its writer posts here
    auto store = open_store(tmp.db());
    int done = 0;
    // submitted back to back: likely one group; either way the last write of each key must win.
    // "x" ends with a put (its entry must be exactly that one: nothing was lost), "y" with a
    // delete in the same write set as its last put.
    for (int i = 0; i < 3; ++i) {
        core::write_set w;
        w.put_outbox = {{"x", "u", std::to_string(i), i}, {"y", "v", std::to_string(i), i}};
        if (i == 2) {
            w.delete_outbox = {"y"};
        }
        store->commit(std::move(w), durability::sync, ioc.get_executor(), [&](std::error_code ec) {
            BOOST_TEST(!ec);
            ++done;
        });
    }
    run_until(ioc, [&] { return done == 3; });
    auto outbox = load_all(*store).outbox;
    BOOST_REQUIRE_EQUAL(outbox.size(), 1u);
    BOOST_TEST(outbox[0].id == "x");
    BOOST_TEST(outbox[0].url == "u");
    BOOST_TEST(outbox[0].body == "2");
    BOOST_TEST(outbox[0].created_ms == 2);
}

BOOST_AUTO_TEST_CASE(completions_follow_submission_order) {
    temp_dir tmp;
    boost::asio::io_context ioc; // outlives the store: its writer posts here
    auto store = open_store(tmp.db());
    constexpr int n = 1000;
    std::vector<int> order;
    for (int i = 0; i < n; ++i) {
        core::write_set w;
        w.put_outbox = {{"x" + std::to_string(i), "u", "{}", i}};
        store->commit(std::move(w), i % 3 == 0 ? durability::sync : durability::relaxed, ioc.get_executor(),
                      [&order, i](std::error_code ec) {
                          BOOST_TEST(!ec);
                          order.push_back(i);
                      });
    }
    run_until(ioc, [&] { return order.size() == n; });
    std::vector<int> expected(n);
    std::iota(expected.begin(), expected.end(), 0);
    BOOST_TEST((order == expected));
    BOOST_TEST(store->stats().commits.load() == std::uint64_t{n});
}

BOOST_AUTO_TEST_CASE(group_commit_groups_concurrent_sync_writes) {
    temp_dir tmp;
    constexpr int threads = 4;
    constexpr int per_thread = 500;
    std::vector<boost::asio::io_context> contexts(threads); // outlive the store: its writer posts here
    auto store = open_store(tmp.db());
    std::vector<std::thread> workers;
    std::vector<int> in_order(threads, 0);
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            auto& ioc = contexts[static_cast<std::size_t>(t)];
            int next = 0;
            bool ordered = true;
            for (int i = 0; i < per_thread; ++i) {
                core::write_set w;
                core::session_record s = make_session("t" + std::to_string(t) + "-" + std::to_string(i),
                                                      core::session_state::active);
                w.put_sessions = {std::move(s)};
                store->commit(std::move(w), durability::sync, ioc.get_executor(),
                              [&next, &ordered, i](std::error_code ec) {
                                  ordered = ordered && !ec && next == i;
                                  ++next;
                              });
            }
            auto guard = boost::asio::make_work_guard(ioc);
            while (next < per_thread) {
                if (ioc.run_one_for(std::chrono::seconds(30)) == 0) {
                    break;
                }
            }
            in_order[t] = ordered && next == per_thread ? 1 : 0;
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    for (int t = 0; t < threads; ++t) {
        BOOST_TEST(in_order[t] == 1, "thread " << t);
    }
    const auto& st = store->stats();
    const std::uint64_t total = threads * per_thread;
    BOOST_TEST(st.commits.load() == total);
    BOOST_TEST(st.failures.load() == 0u);
    BOOST_TEST(st.fsyncs.load() == st.group_writes.load());
    BOOST_TEST(st.fsyncs.load() < st.commits.load());
    std::uint64_t groups = 0;
    for (const auto& b : st.batch_size_le) {
        groups += b.load();
    }
    BOOST_TEST(groups == st.group_writes.load());
    BOOST_TEST(load_all(*store).sessions.size() == total);
}

BOOST_AUTO_TEST_CASE(relaxed_writes_do_not_fsync) {
    temp_dir tmp;
    auto store = open_store(tmp.db());
    core::write_set w;
    w.delete_outbox = {"x"};
    BOOST_TEST(!commit_and_wait(*store, std::move(w), durability::relaxed));
    BOOST_TEST(store->stats().fsyncs.load() == 0u);
    BOOST_TEST(store->stats().group_writes.load() == 1u);
    BOOST_TEST(store->stats().batch_size_le[0].load() == 1u);
}

BOOST_AUTO_TEST_CASE(close_drains_every_submitted_write) {
    temp_dir tmp;
    boost::asio::io_context ioc;
    int ok = 0;
    {
        auto store = open_store(tmp.db());
        for (int i = 0; i < 200; ++i) {
            core::write_set w;
            w.put_apps = {make_app("A" + std::to_string(i))};
            store->commit(std::move(w), durability::sync, ioc.get_executor(),
                          [&](std::error_code ec) { ok += ec ? 0 : 1; });
        }
        store->close(); // the handlers are posted, not run: the test's ioc has not run yet
        store->close(); // idempotent
    }
    ioc.run();
    BOOST_TEST(ok == 200);
    auto store = open_store(tmp.db());
    BOOST_TEST(load_all(*store).apps.size() == 200u);
}

BOOST_AUTO_TEST_CASE(calls_after_close_fail_with_closed) {
    temp_dir tmp;
    auto store = open_store(tmp.db());
    store->close();
    core::write_set w;
    w.put_apps = {make_app("A")};
    BOOST_TEST(commit_and_wait(*store, std::move(w)) == closed);
    auto [ec, op] = load_operation_and_wait(*store, "o1");
    BOOST_TEST(ec == closed);
    BOOST_TEST(!op.has_value());
    core::recovered_state st;
    BOOST_TEST(store->load_all(st) == closed);
}

BOOST_AUTO_TEST_CASE(busy_when_max_pending_writes_exceeded) {
    temp_dir tmp;
    {
        storage::rocksdb_store_options opts;
        opts.max_pending_writes = 0;
        auto store = open_store(tmp.db(), opts);
        BOOST_TEST(commit_and_wait(*store, core::write_set{}) == busy);
    }
    storage::rocksdb_store_options opts;
    opts.max_pending_writes = 2;
    boost::asio::io_context ioc; // outlives the store: its writer posts here
    auto store = open_store(tmp.db(), opts);
    std::vector<std::optional<std::error_code>> results(5);
    for (std::size_t i = 0; i < results.size(); ++i) {
        core::write_set w;
        w.put_apps = {make_app("A" + std::to_string(i))};
        // a write holds its slot until its handler runs, and this ioc has not run yet
        store->commit(std::move(w), durability::sync, ioc.get_executor(),
                      [&results, i](std::error_code ec) { results[i] = ec; });
    }
    run_until(ioc, [&] {
        return std::all_of(results.begin(), results.end(), [](auto& r) { return r.has_value(); });
    });
    BOOST_TEST(!*results[0]);
    BOOST_TEST(!*results[1]);
    BOOST_TEST(*results[2] == busy);
    BOOST_TEST(*results[3] == busy);
    BOOST_TEST(*results[4] == busy);
    // slots are back once the handlers ran
    BOOST_TEST(!commit_and_wait(*store, core::write_set{}));
    BOOST_TEST(load_all(*store).apps.size() == 2u);
}

BOOST_AUTO_TEST_CASE(recipes_round_trip_list_sorted_per_app_and_delete) {
    temp_dir tmp;
    {
        auto store = open_store(tmp.db());
        core::write_set w;
        // "A" and "AB" share a prefix: the list of "A" must not see the services of "AB"
        w.put_recipes = {make_recipe("A", "zeta"), make_recipe("A", "alpha"), make_recipe("A", "mid"),
                         make_recipe("AB", "other")};
        BOOST_TEST(!commit_and_wait(*store, std::move(w)));
        store->close();
    }
    auto store = open_store(tmp.db()); // durable across reopen
    auto [ec, r] = load_recipe_and_wait(*store, "A", "alpha");
    BOOST_TEST(!ec);
    BOOST_REQUIRE(r.has_value());
    const core::recipe_record expected = make_recipe("A", "alpha");
    BOOST_TEST(r->app_id == "A");
    BOOST_TEST(r->service_id == "alpha");
    BOOST_TEST(r->description_json == expected.description_json);
    BOOST_TEST(r->success_message_json == expected.success_message_json);
    BOOST_TEST(r->failure_message_json == expected.failure_message_json);
    BOOST_TEST(r->service_result_uri == expected.service_result_uri);
    BOOST_TEST(r->updated_ms == expected.updated_ms);
    BOOST_REQUIRE_EQUAL(r->actions.size(), 2u);
    BOOST_TEST(r->actions[0].endpoint == "/transceive");
    BOOST_TEST(r->actions[0].payload == expected.actions[0].payload);
    BOOST_TEST(!r->actions[0].sealed);
    BOOST_TEST(r->actions[1].kind == "ccm-storedata");
    BOOST_TEST(r->actions[1].sealed);

    BOOST_TEST(!load_recipe_and_wait(*store, "A", "other").second.has_value()); // another app's
    BOOST_TEST(!load_recipe_and_wait(*store, "B", "alpha").second.has_value());

    auto [lec, ids] = list_recipes_and_wait(*store, "A");
    BOOST_TEST(!lec);
    BOOST_TEST(ids == (std::vector<std::string>{"alpha", "mid", "zeta"}), boost::test_tools::per_element());
    BOOST_TEST(list_recipes_and_wait(*store, "AB").second == std::vector<std::string>{"other"});
    BOOST_TEST(list_recipes_and_wait(*store, "C").second.empty());

    // a put replaces; a delete removes only its (app, service)
    core::write_set w;
    core::recipe_record replaced = make_recipe("A", "mid");
    replaced.actions.resize(1);
    w.put_recipes = {replaced};
    w.delete_recipes = {{"A", "zeta"}, {"AB", "alpha"}};
    BOOST_TEST(!commit_and_wait(*store, std::move(w)));
    BOOST_TEST(list_recipes_and_wait(*store, "A").second == (std::vector<std::string>{"alpha", "mid"}));
    BOOST_TEST(list_recipes_and_wait(*store, "AB").second == std::vector<std::string>{"other"});
    auto mid = load_recipe_and_wait(*store, "A", "mid").second;
    BOOST_REQUIRE(mid.has_value());
    BOOST_TEST(mid->actions.size() == 1u);
    // recipes are not part of what a restart recovers
    BOOST_TEST(load_all(*store).sessions.empty());

    store->close();
    BOOST_TEST(load_recipe_and_wait(*store, "A", "mid").first == closed);
    BOOST_TEST(list_recipes_and_wait(*store, "A").first == closed);
}

BOOST_AUTO_TEST_CASE(new_session_operation_and_outbox_fields_survive_reopen) {
    temp_dir tmp;
    core::session_record s = make_session("s1", core::session_state::active);
    s.sealed_fields = std::string("\x00sealed", 7);
    s.ephemeral_key = "abcd";
    s.recipe = core::recipe_run{R"("ok")", R"("ko")", "https://sp.example/cb/r", {"/transceive"}};
    core::operation_record o = make_op("o1", "s1", 0, core::operation_state::queued);
    o.result_sealed = true;
    core::outbox_entry x{"o0", "https://sp.example/cb/o0", "sealed-body", 5, true};
    {
        auto store = open_store(tmp.db());
        core::write_set w;
        w.put_sessions = {s};
        w.put_operations = {o};
        w.put_outbox = {x};
        BOOST_TEST(!commit_and_wait(*store, std::move(w)));
        store->close();
    }
    auto store = open_store(tmp.db());
    auto st = load_all(*store);
    BOOST_REQUIRE_EQUAL(st.sessions.size(), 1u);
    BOOST_TEST(st.sessions[0].sealed_fields == s.sealed_fields);
    BOOST_TEST(st.sessions[0].ephemeral_key == "abcd");
    BOOST_REQUIRE(st.sessions[0].recipe.has_value());
    BOOST_TEST(st.sessions[0].recipe->service_result_uri == "https://sp.example/cb/r");
    BOOST_TEST(st.sessions[0].recipe->action_endpoints == std::vector<std::string>{"/transceive"});
    BOOST_REQUIRE_EQUAL(st.operations.size(), 1u);
    BOOST_TEST(st.operations[0].result_sealed);
    BOOST_REQUIRE_EQUAL(st.outbox.size(), 1u);
    BOOST_TEST(st.outbox[0].sealed);
}

BOOST_AUTO_TEST_CASE(load_operation_of_missing_id_is_nullopt) {
    temp_dir tmp;
    auto store = open_store(tmp.db());
    auto [ec, op] = load_operation_and_wait(*store, "nope");
    BOOST_TEST(!ec);
    BOOST_TEST(!op.has_value());
}

BOOST_AUTO_TEST_CASE(corrupted_record_reads_as_corruption) {
    temp_dir tmp;
    {
        rocksdb::DB* raw = nullptr;
        rocksdb::Options o;
        o.create_if_missing = true;
        BOOST_REQUIRE(rocksdb::DB::Open(o, tmp.db(), &raw).ok());
        std::unique_ptr<rocksdb::DB> db(raw);
        BOOST_REQUIRE(db->Put(rocksdb::WriteOptions(), "o/bad",
                              "\x01o\x05"
                              "ab")
                          .ok());
        BOOST_REQUIRE(db->Put(rocksdb::WriteOptions(), "x/bad", "garbage").ok());
    }
    auto store = open_store(tmp.db());
    auto [ec, op] = load_operation_and_wait(*store, "bad");
    BOOST_TEST(ec == corruption);
    BOOST_TEST(!op.has_value());
    core::recovered_state st;
    BOOST_TEST(store->load_all(st) == corruption);
}

BOOST_AUTO_TEST_CASE(open_fails_cleanly_on_a_file_path) {
    temp_dir tmp;
    std::string file = tmp.path + "/file";
    {
        std::FILE* f = std::fopen(file.c_str(), "w");
        BOOST_REQUIRE(f);
        std::fclose(f);
    }
    std::error_code ec;
    auto store = rocksdb_store::open(file + "/db", {}, ec);
    BOOST_TEST(!store);
    BOOST_TEST(!!ec);
}

BOOST_AUTO_TEST_SUITE_END()
