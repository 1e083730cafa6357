// What only the PostgreSQL store has: the versioned schema and its migrations, and a server that
// goes away and comes back. A real server per test (they stop and restart it).
#include "tsm/storage/postgres_store.hpp"

#include "pg_server.hpp"
#include "store_test_helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

using namespace tsm;
using namespace tsm::test::store;
using storage::errc;

namespace {

std::unique_ptr<test::pg_server> start_server() {
    std::string why;
    auto s = test::pg_server::start(why);
    BOOST_REQUIRE_MESSAGE(s, "cannot start PostgreSQL: " + why);
    return s;
}

std::unique_ptr<storage::postgres_store> open(const std::string& conninfo,
                                              storage::postgres_store_options o = {}) {
    std::error_code ec;
    std::string detail;
    auto s = storage::postgres_store::open(conninfo, o, ec, detail);
    BOOST_REQUIRE_MESSAGE(s, ec.message() + ": " + detail);
    return s;
}

} // namespace

BOOST_AUTO_TEST_SUITE(postgres_store_tests)

BOOST_AUTO_TEST_CASE(open_migrates_once_and_refuses_a_newer_schema_without_touching_it) {
    auto server = start_server();
    const std::string db = server->conninfo();

    std::vector<int> applied;
    std::string detail;
    BOOST_REQUIRE(!storage::migrate_postgres(db, applied, detail));
    BOOST_CHECK_EQUAL(applied.size(), static_cast<std::size_t>(storage::postgres_schema_version()));
    applied.clear();
    BOOST_REQUIRE(!storage::migrate_postgres(db, applied, detail)); // a second run: nothing to do
    BOOST_CHECK(applied.empty());
    BOOST_CHECK_EQUAL(test::pg_query(db, "SELECT max(version) FROM tsm_schema"),
                      std::to_string(storage::postgres_schema_version()));
    open(db)->close(); // current: opens without migrating anything

    // A newer binary migrated this database: this one refuses it and changes nothing.
    const int newer = storage::postgres_schema_version() + 1;
    test::pg_query(db, "INSERT INTO tsm_schema (version) VALUES (" + std::to_string(newer) + ")");
    const std::string tables_before =
        test::pg_query(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
    std::error_code ec;
    auto refused = storage::postgres_store::open(db, {}, ec, detail);
    BOOST_CHECK(!refused);
    BOOST_CHECK(ec == storage::make_error_code(errc::schema_too_new));
    BOOST_CHECK_MESSAGE(detail.find(std::to_string(newer)) != std::string::npos, detail);
    BOOST_CHECK(storage::migrate_postgres(db, applied, detail)
                == storage::make_error_code(errc::schema_too_new));
    BOOST_CHECK_EQUAL(test::pg_query(db, "SELECT max(version) FROM tsm_schema"), std::to_string(newer));
    BOOST_CHECK_EQUAL(test::pg_query(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"),
                      tables_before);
}

BOOST_AUTO_TEST_CASE(without_migrate_an_empty_database_is_refused_as_too_old) {
    auto server = start_server();
    std::error_code ec;
    std::string detail;
    storage::postgres_store_options o;
    o.migrate = false;
    auto s = storage::postgres_store::open(server->conninfo(), o, ec, detail);
    BOOST_CHECK(!s);
    BOOST_CHECK(ec == storage::make_error_code(errc::schema_too_old));
    BOOST_CHECK_EQUAL(test::pg_query(server->conninfo(), "SELECT count(*) FROM tsm_schema"), "0");
}

BOOST_AUTO_TEST_CASE(no_server_fails_open_with_unavailable) {
    std::error_code ec;
    std::string detail;
    // port 1 on loopback: nothing listens there
    auto s = storage::postgres_store::open("host=127.0.0.1 port=1 dbname=tsm user=tsm connect_timeout=2", {},
                                           ec, detail);
    BOOST_CHECK(!s);
    BOOST_CHECK(ec == storage::make_error_code(errc::unavailable));
    BOOST_CHECK(!detail.empty());
}

BOOST_AUTO_TEST_CASE(server_down_fails_writes_at_once_and_the_store_reconnects_when_it_returns) {
    auto server = start_server();
    auto s = open(server->conninfo());
    core::write_set w;
    w.put_apps = {make_app("0A0B0C0D")};
    w.put_sessions = {make_session("s1", core::session_state::active)};
    BOOST_REQUIRE(!commit_and_wait(*s, w)); // acknowledged

    server->stop();
    core::write_set w2;
    w2.put_apps = {make_app("11223344")};
    const auto t0 = std::chrono::steady_clock::now();
    BOOST_CHECK(commit_and_wait(*s, w2) == storage::make_error_code(errc::unavailable));
    BOOST_CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(15)); // fails, never hangs
    auto [ec_read, op] = load_operation_and_wait(*s, "o1");
    BOOST_CHECK(ec_read == storage::make_error_code(errc::unavailable));

    std::string why;
    BOOST_REQUIRE_MESSAGE(server->restart(why), why);
    BOOST_REQUIRE(!commit_and_wait(*s, w2)); // the same store, reconnected
    core::recovered_state st;
    BOOST_REQUIRE(!s->load_all(st));
    BOOST_CHECK_EQUAL(st.apps.size(), 2u);     // the acknowledged write survived the restart,
    BOOST_CHECK_EQUAL(st.sessions.size(), 1u); // and so did the one made after it
    auto [ec_after, missing] = load_operation_and_wait(*s, "o1");
    BOOST_CHECK(!ec_after && !missing);
}

BOOST_AUTO_TEST_CASE(a_statement_the_server_rejects_rolls_back_its_whole_group) {
    auto server = start_server();
    auto s = open(server->conninfo());
    // Not UTF-8: the server rejects this app_id, and the session written in the same write_set
    // (the same implicit transaction) must not appear either.
    core::write_set bad;
    bad.put_sessions = {make_session("s1", core::session_state::active)};
    bad.put_apps = {make_app("bad\xff")};
    BOOST_CHECK(commit_and_wait(*s, bad));
    core::recovered_state st;
    BOOST_REQUIRE(!s->load_all(st));
    BOOST_CHECK(st.sessions.empty());
    BOOST_CHECK(st.apps.empty());
    core::write_set good; // the connection is usable afterwards
    good.put_apps = {make_app("0A0B0C0D")};
    BOOST_CHECK(!commit_and_wait(*s, good));
}

BOOST_AUTO_TEST_CASE(a_value_with_a_nul_byte_is_refused_not_cut) {
    auto server = start_server();
    auto s = open(server->conninfo());
    auto& ioc = helper_context();
    // Submitted back to back, likely one group: only the write_set with the NUL fails.
    std::optional<std::error_code> bad_result, good_result;
    core::write_set bad;
    bad.put_apps = {make_app(std::string("bad\0id", 6))};
    bad.put_sessions = {make_session("s1", core::session_state::active)};
    core::write_set good;
    good.put_apps = {make_app("0A0B0C0D")};
    s->commit(std::move(bad), durability::sync, ioc.get_executor(),
              [&](std::error_code ec) { bad_result = ec; });
    s->commit(std::move(good), durability::sync, ioc.get_executor(),
              [&](std::error_code ec) { good_result = ec; });
    run_until(ioc, [&] { return bad_result && good_result; });
    BOOST_CHECK(*bad_result == storage::make_error_code(errc::invalid_argument));
    BOOST_CHECK(!*good_result);
    core::recovered_state st;
    BOOST_REQUIRE(!s->load_all(st));
    BOOST_REQUIRE_EQUAL(st.apps.size(), 1u);
    BOOST_CHECK_EQUAL(st.apps[0].app_id, "0A0B0C0D"); // never "bad"
    BOOST_CHECK(st.sessions.empty());
}

BOOST_AUTO_TEST_SUITE_END()
