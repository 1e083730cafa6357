#include "tsm/storage/rocksdb_store.hpp"

#include "store_test_helpers.hpp"

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
using namespace tsm::test::store;

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

BOOST_AUTO_TEST_CASE(the_embedded_store_has_one_node_fences_hold_and_claims_are_not_supported) {
    temp_dir tmp;
    auto store = open_store(tmp.db());
    core::write_set w;
    w.put_sessions = {make_session("s1", core::session_state::active)};
    w.fence = core::session_fence{"s1", 7}; // whatever the epoch: nothing else writes here
    BOOST_CHECK(!commit_and_wait(*store, w));
    BOOST_CHECK_EQUAL(load_all(*store).sessions.size(), 1u);
    auto& ioc = helper_context();
    std::optional<std::error_code> claimed;
    store->claim_session({"s1", core::claim_mode::steal, {}}, ioc.get_executor(),
                         [&](std::error_code ec, std::optional<core::claimed_session> c) {
                             BOOST_CHECK(!c);
                             claimed = ec;
                         });
    run_until(ioc, [&] { return claimed.has_value(); });
    BOOST_CHECK(*claimed == core::store_errc::not_supported);
    // Nor does it append operations for other nodes: refused, nothing written.
    core::write_set append;
    append.append_operations = {make_op("o1", "s1", 0, core::operation_state::queued)};
    BOOST_CHECK(commit_and_wait(*store, append) == core::store_errc::not_supported);
    BOOST_CHECK(load_all(*store).operations.empty());
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
