// Several nodes on one PostgreSQL store: each owns its sessions, a claim moves one (exactly one
// claimer wins, only after the owner's lease expired unless it steals), and a deposed owner's
// writes are fenced. Real server, one store per node, as tsmd nodes use it.
#include "tsm/storage/postgres_store.hpp"

#include "pg_server.hpp"
#include "store_test_helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace tsm;
using namespace tsm::test::store;
using namespace std::chrono_literals;

namespace {

struct cluster_fixture {
    cluster_fixture() {
        std::string why;
        server = test::pg_server::start(why);
        BOOST_REQUIRE_MESSAGE(server, "cannot start PostgreSQL: " + why);
    }

    std::unique_ptr<storage::postgres_store> node(const std::string& id,
                                                  std::chrono::milliseconds lease = 5s) {
        storage::postgres_store_options o;
        o.node_id = id;
        o.lease = lease;
        o.heartbeat_interval = std::min<std::chrono::milliseconds>(lease / 4, 1s);
        o.max_queued_operations = 3;
        std::error_code ec;
        std::string detail;
        auto s = storage::postgres_store::open(server->conninfo(), o, ec, detail);
        BOOST_REQUIRE_MESSAGE(s, ec.message() + ": " + detail);
        return s;
    }

    /// Waits (bounded) until `id`'s lease row exists: the heartbeat thread wrote it.
    void wait_for_lease(const std::string& id) {
        for (int i = 0; i < 100; ++i) {
            if (test::pg_query(server->conninfo(), "SELECT count(*) FROM tsm_nodes WHERE node_id = '" + id
                                                       + "' AND lease_until > now()")
                == "1") {
                return;
            }
            std::this_thread::sleep_for(50ms);
        }
        BOOST_FAIL("no lease for " + id);
    }

    std::unique_ptr<test::pg_server> server;
};

core::write_set owned_write(const std::string& session, std::uint64_t epoch) {
    core::write_set w;
    auto s = make_session(session, core::session_state::active);
    s.owner_epoch = epoch;
    w.put_sessions = {s};
    w.fence = core::session_fence{session, epoch};
    return w;
}

std::pair<std::error_code, std::optional<core::claimed_session>> claim_and_wait(core::record_store& store,
                                                                                const std::string& session,
                                                                                core::claim_mode mode,
                                                                                core::bytes digest = {}) {
    auto& ioc = helper_context();
    bool called = false;
    std::pair<std::error_code, std::optional<core::claimed_session>> result;
    store.claim_session({session, mode, std::move(digest)}, ioc.get_executor(),
                        [&](std::error_code ec, std::optional<core::claimed_session> c) {
                            result = {ec, std::move(c)};
                            called = true;
                        });
    run_until(ioc, [&] { return called; });
    return result;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(postgres_cluster, cluster_fixture)

BOOST_AUTO_TEST_CASE(each_node_recovers_only_the_sessions_it_owns) {
    auto a = node("node-a");
    auto b = node("node-b");
    auto wa = owned_write("sa", 1);
    wa.put_operations = {make_op("oa", "sa", 1, core::operation_state::queued)};
    BOOST_REQUIRE(!commit_and_wait(*a, wa));
    auto wb = owned_write("sb", 1);
    wb.put_operations = {make_op("ob", "sb", 1, core::operation_state::queued)};
    BOOST_REQUIRE(!commit_and_wait(*b, wb));
    BOOST_CHECK_EQUAL(test::pg_query(server->conninfo(),
                                     "SELECT owner_node FROM tsm_sessions WHERE session_id = 'sa'"),
                      "node-a");

    const auto sa = load_all(*a);
    BOOST_REQUIRE_EQUAL(sa.sessions.size(), 1u);
    BOOST_CHECK_EQUAL(sa.sessions[0].session_id, "sa");
    BOOST_CHECK_EQUAL(sa.sessions[0].owner_epoch, 1u);
    BOOST_CHECK(op_ids(sa) == std::vector<std::string>{"oa"});
    const auto sb = load_all(*b);
    BOOST_REQUIRE_EQUAL(sb.sessions.size(), 1u);
    BOOST_CHECK_EQUAL(sb.sessions[0].session_id, "sb");
    BOOST_CHECK(op_ids(sb) == std::vector<std::string>{"ob"});
    wait_for_lease("node-a");
    wait_for_lease("node-b");
    BOOST_CHECK(a->lease_held());
}

BOOST_AUTO_TEST_CASE(a_claim_waits_for_the_owners_lease_and_exactly_one_claimer_wins) {
    auto a = node("node-a", 1s);
    auto w = owned_write("s1", 1);
    w.put_operations = {make_op("o1", "s1", 1, core::operation_state::queued),
                        make_op("o0", "s1", 0, core::operation_state::done)};
    BOOST_REQUIRE(!commit_and_wait(*a, w));
    wait_for_lease("node-a");

    auto b = node("node-b", 1s);
    auto c = node("node-c", 1s);
    // The owner is alive: no claim (the row is untouched).
    BOOST_CHECK(claim_and_wait(*b, "s1", core::claim_mode::after_lease).first
                == core::store_errc::not_claimable);
    BOOST_CHECK_EQUAL(test::pg_query(server->conninfo(),
                                     "SELECT owner_epoch FROM tsm_sessions WHERE session_id = 's1'"),
                      "1");

    a->close(); // the node dies: its lease runs out
    for (int i = 0;
         i < 100
         && test::pg_query(server->conninfo(), "SELECT count(*) FROM tsm_nodes WHERE node_id = 'node-a'"
                                               " AND lease_until > now()")
                == "1";
         ++i) {
        std::this_thread::sleep_for(50ms);
    }

    // Two nodes claim at once: one wins, at epoch 2, with the queued operation; the other is told no.
    auto& ioc = helper_context();
    std::optional<std::pair<std::error_code, std::optional<core::claimed_session>>> rb, rc;
    b->claim_session({"s1", core::claim_mode::after_lease, {}}, ioc.get_executor(),
                     [&](std::error_code ec, std::optional<core::claimed_session> s) {
                         rb.emplace(ec, std::move(s));
                     });
    c->claim_session({"s1", core::claim_mode::after_lease, {}}, ioc.get_executor(),
                     [&](std::error_code ec, std::optional<core::claimed_session> s) {
                         rc.emplace(ec, std::move(s));
                     });
    run_until(ioc, [&] { return rb && rc; });
    const bool b_won = !rb->first;
    BOOST_CHECK_NE(b_won, !rc->first); // exactly one
    auto& winner = b_won ? *rb : *rc;
    auto& loser = b_won ? *rc : *rb;
    BOOST_CHECK(loser.first == core::store_errc::not_claimable);
    BOOST_REQUIRE(winner.second);
    BOOST_CHECK_EQUAL(winner.second->epoch, 2u);
    BOOST_CHECK_EQUAL(winner.second->session.owner_epoch, 2u);
    BOOST_CHECK_EQUAL(winner.second->previous_owner, "node-a");
    BOOST_CHECK(fields(winner.second->session) == fields(make_session("s1", core::session_state::active)));
    BOOST_REQUIRE_EQUAL(winner.second->operations.size(), 1u); // the done one is not handed over
    BOOST_CHECK_EQUAL(winner.second->operations[0].operation_id, "o1");
    BOOST_CHECK_EQUAL(test::pg_query(server->conninfo(),
                                     "SELECT owner_node FROM tsm_sessions WHERE session_id = 's1'"),
                      b_won ? "node-b" : "node-c");

    // The new owner's restart recovers it at its epoch; the old owner's does not.
    const auto st = load_all(b_won ? *b : *c);
    BOOST_REQUIRE_EQUAL(st.sessions.size(), 1u);
    BOOST_CHECK_EQUAL(st.sessions[0].owner_epoch, 2u);
}

BOOST_AUTO_TEST_CASE(a_deposed_owners_write_is_fenced_alone_and_the_new_owners_applies) {
    auto a = node("node-a");
    auto b = node("node-b");
    BOOST_REQUIRE(!commit_and_wait(*a, owned_write("s1", 1)));
    BOOST_REQUIRE(!commit_and_wait(*a, owned_write("s2", 1)));
    // The touch point came to node B with its resume token: B takes the session from a live A;
    // with a wrong token it takes nothing.
    const core::bytes digest = make_session("s1", core::session_state::active).resume_token_hash;
    BOOST_CHECK(claim_and_wait(*b, "s1", core::claim_mode::steal, std::string(32, '\x22')).first
                == core::store_errc::not_claimable);
    auto [ec, claimed] = claim_and_wait(*b, "s1", core::claim_mode::steal, digest);
    BOOST_REQUIRE(!ec);
    BOOST_CHECK_EQUAL(claimed->epoch, 2u);

    // A, unaware, writes a result for s1, in one group with writes that still hold.
    auto& ioc = helper_context();
    std::optional<std::error_code> stale, other_session, unfenced;
    auto late = owned_write("s1", 1);
    late.put_operations = {make_op("late", "s1", 5, core::operation_state::done)};
    late.put_outbox = {core::outbox_entry{}};
    late.put_outbox[0].id = "cb-late";
    auto fine = owned_write("s2", 1);
    fine.put_operations = {make_op("o2", "s2", 1, core::operation_state::queued)};
    core::write_set app;
    app.put_apps = {make_app("0A0B0C0D")};
    a->commit(std::move(late), durability::sync, ioc.get_executor(), [&](std::error_code e) { stale = e; });
    a->commit(std::move(fine), durability::sync, ioc.get_executor(),
              [&](std::error_code e) { other_session = e; });
    a->commit(std::move(app), durability::sync, ioc.get_executor(), [&](std::error_code e) { unfenced = e; });
    run_until(ioc, [&] { return stale && other_session && unfenced; });
    BOOST_CHECK(*stale == core::store_errc::fenced);
    BOOST_CHECK(!*other_session);
    BOOST_CHECK(!*unfenced);
    const std::string db = server->conninfo();
    BOOST_CHECK_EQUAL(test::pg_query(db, "SELECT count(*) FROM tsm_operations WHERE operation_id = 'late'"),
                      "0");
    BOOST_CHECK_EQUAL(test::pg_query(db, "SELECT count(*) FROM tsm_outbox WHERE id = 'cb-late'"), "0");
    BOOST_CHECK_EQUAL(test::pg_query(db, "SELECT count(*) FROM tsm_operations WHERE operation_id = 'o2'"),
                      "1");
    BOOST_CHECK_EQUAL(test::pg_query(db, "SELECT count(*) FROM tsm_apps"), "1");
    BOOST_CHECK_EQUAL(test::pg_query(db, "SELECT owner_node || ':' || owner_epoch FROM tsm_sessions"
                                         " WHERE session_id = 's1'"),
                      "node-b:2");

    // The new owner writes at its epoch; A's restart no longer recovers s1.
    auto mine = owned_write("s1", 2);
    mine.put_operations = {make_op("o3", "s1", 6, core::operation_state::queued)};
    BOOST_CHECK(!commit_and_wait(*b, mine));
    const auto st = load_all(*a);
    BOOST_REQUIRE_EQUAL(st.sessions.size(), 1u);
    BOOST_CHECK_EQUAL(st.sessions[0].session_id, "s2");
}

BOOST_AUTO_TEST_CASE(a_finished_or_unknown_session_is_not_claimable) {
    auto a = node("node-a");
    auto w = owned_write("done", 1);
    w.put_sessions[0].state = core::session_state::completed;
    BOOST_REQUIRE(!commit_and_wait(*a, w));
    a->close();
    auto b = node("node-b");
    BOOST_CHECK(claim_and_wait(*b, "done", core::claim_mode::steal).first == core::store_errc::not_claimable);
    BOOST_CHECK(claim_and_wait(*b, "nobody", core::claim_mode::steal).first
                == core::store_errc::not_claimable);
}

BOOST_AUTO_TEST_CASE(operations_appended_on_any_node_are_numbered_by_the_store_and_wake_only_the_owner) {
    auto a = node("node-a");
    auto b = node("node-b");
    std::mutex mu;
    std::vector<std::string> woken_a, woken_b;
    a->listen_appends([&](const std::string& id) {
        std::lock_guard lk(mu);
        woken_a.push_back(id);
    });
    b->listen_appends([&](const std::string& id) {
        std::lock_guard lk(mu);
        woken_b.push_back(id);
    });
    auto ended = owned_write("ended", 1);
    ended.put_sessions[0].state = core::session_state::completed;
    auto recipe = owned_write("recipe", 1);
    recipe.put_sessions[0].recipe = core::recipe_run{};
    BOOST_REQUIRE(!commit_and_wait(*a, owned_write("s1", 1)));
    BOOST_REQUIRE(!commit_and_wait(*a, ended));
    BOOST_REQUIRE(!commit_and_wait(*a, recipe));

    // One group from node B: three appends land (seq 0, 1, 2 whatever seq they carried), the
    // refused ones fail alone with the owner's reasons.
    auto& ioc = helper_context();
    std::vector<std::optional<std::error_code>> results(8);
    auto append = [&](std::size_t slot, std::string session, std::string app, std::string id) {
        auto op = make_op(std::move(id), std::move(session), 99, core::operation_state::queued);
        op.app_id = std::move(app);
        core::write_set w;
        w.append_operations = {op};
        b->commit(std::move(w), durability::sync, ioc.get_executor(),
                  [&results, slot](std::error_code e) { results[slot] = e; });
    };
    append(0, "s1", "0A0B0C0D", "x0");
    append(1, "nobody", "0A0B0C0D", "x1");
    append(2, "s1", "0B0B0B0B", "x2"); // another app's session
    append(3, "s1", "0A0B0C0D", "x3");
    append(4, "ended", "0A0B0C0D", "x4");
    append(5, "recipe", "0A0B0C0D", "x5");
    append(6, "s1", "0A0B0C0D", "x6");
    append(7, "s1", "0A0B0C0D", "x7"); // the fourth: beyond max_queued_operations (3 here)
    run_until(ioc, [&] {
        return std::all_of(results.begin(), results.end(), [](const auto& r) { return r.has_value(); });
    });
    BOOST_CHECK(!*results[0]);
    BOOST_CHECK(*results[1] == core::store_errc::unknown_session);
    BOOST_CHECK(*results[2] == core::store_errc::unknown_session);
    BOOST_CHECK(!*results[3]);
    BOOST_CHECK(*results[4] == core::store_errc::session_finished);
    BOOST_CHECK(*results[5] == core::store_errc::runs_recipe);
    BOOST_CHECK(!*results[6]);
    BOOST_CHECK(*results[7] == core::store_errc::queue_full);

    // The owner reads them in seq order from where it stands.
    auto& ioc2 = helper_context();
    std::optional<std::vector<core::operation_record>> ops;
    a->load_session_operations("s1", 1, ioc2.get_executor(),
                               [&](std::error_code e, std::vector<core::operation_record> r) {
                                   BOOST_CHECK(!e);
                                   ops = std::move(r);
                               });
    run_until(ioc2, [&] { return ops.has_value(); });
    BOOST_REQUIRE_EQUAL(ops->size(), 2u);
    BOOST_CHECK_EQUAL((*ops)[0].operation_id, "x3");
    BOOST_CHECK_EQUAL((*ops)[0].seq, 1u);
    BOOST_CHECK_EQUAL((*ops)[1].operation_id, "x6");
    BOOST_CHECK_EQUAL((*ops)[1].seq, 2u);
    BOOST_CHECK_EQUAL(load_operation_and_wait(*a, "x0").second->seq, 0u);

    // Node A was woken for s1 (after the resynchronisation call each listener starts with);
    // node B, which appended them, was not.
    auto woken_for = [&](const std::vector<std::string>& woken, const std::string& id) {
        std::lock_guard lk(mu);
        return std::count(woken.begin(), woken.end(), id);
    };
    for (int i = 0; i < 100 && woken_for(woken_a, "s1") == 0; ++i) {
        std::this_thread::sleep_for(50ms);
    }
    std::lock_guard lk(mu);
    BOOST_REQUIRE(!woken_a.empty());
    BOOST_CHECK_EQUAL(woken_a.front(), "");
    BOOST_CHECK(std::count(woken_a.begin(), woken_a.end(), "s1") >= 1);
    BOOST_CHECK(std::count(woken_a.begin(), woken_a.end(), "nobody") == 0);
    BOOST_CHECK(std::count(woken_b.begin(), woken_b.end(), "s1") == 0);
}

BOOST_AUTO_TEST_SUITE_END()
