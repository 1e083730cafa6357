// The record store contract, one suite run against both backends: RocksDB in a temp dir and
// PostgreSQL (a real server started by this process, a fresh database per test case).
#include "tsm/storage/postgres_store.hpp"
#include "tsm/storage/rocksdb_store.hpp"

#include "pg_server.hpp"
#include "store_test_helpers.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

using namespace tsm;
using namespace tsm::test::store;
namespace bdata = boost::unit_test::data;

namespace {

const char* const backends[] = {"rocksdb", "postgres"};

/// The PostgreSQL server of this test process, started at first use.
test::pg_server& shared_server() {
    static std::unique_ptr<test::pg_server> server = [] {
        std::string why;
        auto s = test::pg_server::start(why);
        BOOST_REQUIRE_MESSAGE(s, "cannot start PostgreSQL: " + why);
        return s;
    }();
    return *server;
}

/// A place for one test's records, opened (and re-opened) as a store of one backend.
class store_place {
public:
    explicit store_place(const std::string& backend) : postgres_(backend == "postgres") {
        if (postgres_) {
            static int counter = 0;
            const std::string db = "c" + std::to_string(++counter);
            test::pg_query(shared_server().conninfo(), "CREATE DATABASE " + db);
            location_ = "host=127.0.0.1 port=" + std::to_string(shared_server().port()) + " dbname=" + db
                        + " user=tsm";
        } else {
            std::string tmpl = "/tmp/tsm-contract-XXXXXX";
            BOOST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
            location_ = tmpl;
        }
    }
    ~store_place() {
        if (!postgres_) {
            std::error_code ec;
            std::filesystem::remove_all(location_, ec);
        }
    }
    std::unique_ptr<core::record_store> open() {
        std::error_code ec;
        std::unique_ptr<core::record_store> s;
        if (postgres_) {
            std::string detail;
            s = storage::postgres_store::open(location_, {}, ec, detail);
            BOOST_REQUIRE_MESSAGE(s, ec.message() + ": " + detail);
        } else {
            s = storage::rocksdb_store::open(location_ + "/db", {}, ec);
            BOOST_REQUIRE_MESSAGE(s, ec.message());
        }
        return s;
    }
    const std::string& location() const { return location_; }

private:
    bool postgres_;
    std::string location_;
};

core::card_keys_record make_card(std::string cin, std::string cplc, std::string uid) {
    core::card_keys_record c;
    c.id = std::move(cin);
    c.iin = "8A2C";
    c.isd_aid = std::string("\xA0\x00\x00\x01\x51\x00\x00\x00", 8);
    c.sealed_keys = std::string(60, '\x5A');
    c.platform_version = 2;
    c.cplc = std::move(cplc);
    c.uid = std::move(uid);
    return c;
}

core::capfile_record make_capfile(std::string app, std::string id) {
    core::capfile_record f;
    f.app_id = std::move(app);
    f.id = std::move(id);
    f.elf_aid = std::string("\xD0\xD1\xD2\xD3\xD4\xD5\x01", 7);
    f.module_aids = {std::string("\xD0\xD1\xD2\xD3\xD4\xD5\x01\x01", 8)};
    f.load_file_data_block = std::string(3000, '\x01');
    f.created_ms = 1700000004000;
    return f;
}

template <class Rec, class Call>
std::pair<std::error_code, Rec> wait_for(Call call) {
    auto& ioc = helper_context();
    bool called = false;
    std::pair<std::error_code, Rec> result;
    call(ioc.get_executor(), [&](std::error_code ec, Rec r) {
        result = {ec, std::move(r)};
        called = true;
    });
    run_until(ioc, [&] { return called; });
    return result;
}

std::optional<core::card_keys_record> find_device(core::record_store& s, std::string cplc, std::string uid) {
    auto [ec, r] = wait_for<std::optional<core::card_keys_record>>(
        [&](auto ex, auto done) { s.find_device(std::move(cplc), std::move(uid), ex, std::move(done)); });
    BOOST_REQUIRE(!ec);
    return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(store_contract)

BOOST_DATA_TEST_CASE(every_record_type_round_trips_across_reopen, bdata::make(backends), backend) {
    store_place place(backend);
    {
        auto s = place.open();
        core::write_set w;
        w.put_apps = {make_app("0A0B0C0D")};
        w.put_sessions = {make_session("s1", core::session_state::active)};
        w.put_operations = {make_op("o1", "s1", 0, core::operation_state::queued)};
        w.put_outbox = {{"o0", "https://sp.example/cb/o0", R"({"statusCode":200})", 1700000005000, true}};
        w.put_card_keys = {make_card("0E48800471400A", "CPLC1", "UID1")};
        w.put_capfiles = {make_capfile("0A0B0C0D", "ab12")};
        w.put_recipes = {make_recipe("0A0B0C0D", "svc")};
        BOOST_REQUIRE(!commit_and_wait(*s, w));
        s->close();
    }
    auto s = place.open();
    auto st = load_all(*s);
    BOOST_REQUIRE_EQUAL(st.apps.size(), 1u);
    BOOST_CHECK(fields(st.apps[0]) == fields(make_app("0A0B0C0D")));
    BOOST_REQUIRE_EQUAL(st.sessions.size(), 1u);
    BOOST_CHECK(fields(st.sessions[0]) == fields(make_session("s1", core::session_state::active)));
    BOOST_REQUIRE_EQUAL(st.operations.size(), 1u);
    BOOST_CHECK(fields(st.operations[0]) == fields(make_op("o1", "s1", 0, core::operation_state::queued)));
    BOOST_REQUIRE_EQUAL(st.outbox.size(), 1u);
    BOOST_CHECK(st.outbox[0].sealed);
    BOOST_CHECK_EQUAL(st.outbox[0].body, R"({"statusCode":200})");

    auto [ec_op, op] = load_operation_and_wait(*s, "o1");
    BOOST_REQUIRE(!ec_op && op);
    BOOST_CHECK_EQUAL(op->payload, make_op("o1", "s1", 0, core::operation_state::queued).payload);
    auto [ec_missing, missing] = load_operation_and_wait(*s, "nope");
    BOOST_CHECK(!ec_missing && !missing);

    auto [ec_card, card] = wait_for<std::optional<core::card_keys_record>>(
        [&](auto ex, auto done) { s->load_card_keys(false, "0E48800471400A", ex, std::move(done)); });
    BOOST_REQUIRE(!ec_card && card);
    BOOST_CHECK(card->sealed_keys == make_card("x", "", "").sealed_keys);
    BOOST_CHECK_EQUAL(card->cplc, "CPLC1");

    auto [ec_files, files] = wait_for<std::vector<core::capfile_record>>(
        [&](auto ex, auto done) { s->load_capfiles("0A0B0C0D", "", ex, std::move(done)); });
    BOOST_REQUIRE(!ec_files);
    BOOST_REQUIRE_EQUAL(files.size(), 1u);
    BOOST_CHECK_EQUAL(files[0].load_file_data_block.size(), 3000u);

    auto [ec_recipe, recipe] = load_recipe_and_wait(*s, "0A0B0C0D", "svc");
    BOOST_REQUIRE(!ec_recipe && recipe);
    BOOST_REQUIRE_EQUAL(recipe->actions.size(), 2u);
    BOOST_CHECK(recipe->actions[1].sealed);
}

BOOST_DATA_TEST_CASE(load_all_returns_only_live_records_in_session_then_seq_order, bdata::make(backends),
                     backend) {
    store_place place(backend);
    auto s = place.open();
    core::write_set w;
    w.put_sessions = {make_session("sB", core::session_state::active),
                      make_session("sA", core::session_state::delivering),
                      make_session("sDone", core::session_state::completed)};
    w.put_operations = {make_op("o3", "sB", 1, core::operation_state::queued),
                        make_op("o1", "sB", 0, core::operation_state::running),
                        make_op("o2", "sA", 0, core::operation_state::queued),
                        make_op("o4", "sB", 2, core::operation_state::done)};
    BOOST_REQUIRE(!commit_and_wait(*s, w));
    auto st = load_all(*s);
    std::vector<std::string> sessions;
    for (const auto& x : st.sessions) {
        sessions.push_back(x.session_id);
    }
    std::sort(sessions.begin(), sessions.end());
    BOOST_CHECK((sessions == std::vector<std::string>{"sA", "sB"}));
    BOOST_CHECK((op_ids(st) == std::vector<std::string>{"o2", "o1", "o3"}));

    // The session ends and its last operation finishes: neither comes back.
    core::write_set end;
    end.put_sessions = {make_session("sB", core::session_state::failed)};
    end.put_operations = {make_op("o1", "sB", 0, core::operation_state::done),
                          make_op("o3", "sB", 1, core::operation_state::done)};
    BOOST_REQUIRE(!commit_and_wait(*s, end));
    st = load_all(*s);
    BOOST_REQUIRE_EQUAL(st.sessions.size(), 1u);
    BOOST_CHECK_EQUAL(st.sessions[0].session_id, "sA");
    BOOST_CHECK((op_ids(st) == std::vector<std::string>{"o2"}));
}

BOOST_DATA_TEST_CASE(later_write_in_a_group_wins_and_deletes_apply, bdata::make(backends), backend) {
    store_place place(backend);
    auto s = place.open();
    auto& ioc = helper_context();
    int done = 0;
    std::vector<int> order;
    for (int i = 0; i < 50; ++i) { // submitted back to back: the writer groups them
        core::write_set w;
        auto a = make_app("0A0B0C0D");
        a.description_url = "https://sp.example/desc/" + std::to_string(i);
        w.put_apps = {a};
        w.put_outbox = {{"x" + std::to_string(i), "https://sp.example/cb", "{}", 1, false}};
        s->commit(std::move(w), durability::sync, ioc.get_executor(), [&, i](std::error_code ec) {
            BOOST_CHECK(!ec);
            order.push_back(i);
            ++done;
        });
    }
    run_until(ioc, [&] { return done == 50; });
    std::vector<int> expected(50);
    for (int i = 0; i < 50; ++i) {
        expected[i] = i;
    }
    BOOST_CHECK(order == expected); // completions follow submission order
    auto st = load_all(*s);
    BOOST_REQUIRE_EQUAL(st.apps.size(), 1u);
    BOOST_CHECK_EQUAL(st.apps[0].description_url, "https://sp.example/desc/49");
    BOOST_CHECK_EQUAL(st.outbox.size(), 50u);

    core::write_set del;
    del.delete_apps = {"0A0B0C0D"};
    for (int i = 0; i < 50; i += 2) {
        del.delete_outbox.push_back("x" + std::to_string(i));
    }
    del.put_recipes = {make_recipe("0A0B0C0D", "b"), make_recipe("0A0B0C0D", "a"),
                       make_recipe("FFFF0000", "c")};
    BOOST_REQUIRE(!commit_and_wait(*s, del, durability::relaxed));
    st = load_all(*s);
    BOOST_CHECK(st.apps.empty());
    BOOST_CHECK_EQUAL(st.outbox.size(), 25u);
    auto [ec_list, ids] = list_recipes_and_wait(*s, "0A0B0C0D");
    BOOST_CHECK(!ec_list);
    BOOST_CHECK((ids == std::vector<std::string>{"a", "b"})); // sorted, this app's only

    core::write_set del2;
    del2.delete_recipes = {{"0A0B0C0D", "a"}};
    BOOST_REQUIRE(!commit_and_wait(*s, del2));
    auto [ec_gone, gone] = load_recipe_and_wait(*s, "0A0B0C0D", "a");
    BOOST_CHECK(!ec_gone && !gone);
}

BOOST_DATA_TEST_CASE(find_device_by_cplc_then_uid_never_a_master_set, bdata::make(backends), backend) {
    store_place place(backend);
    auto s = place.open();
    core::write_set w;
    w.put_card_keys = {make_card("C1", "CPLC-A", "UID-A"), make_card("C2", "", "UID-B")};
    auto master = make_card("8A2C", "CPLC-M", "UID-M");
    master.master = true;
    w.put_card_keys.push_back(master);
    BOOST_REQUIRE(!commit_and_wait(*s, w));
    BOOST_CHECK_EQUAL(find_device(*s, "CPLC-A", "UID-B")->id, "C1"); // CPLC first
    BOOST_CHECK_EQUAL(find_device(*s, "nope", "UID-B")->id, "C2");
    BOOST_CHECK(!find_device(*s, "CPLC-M", "UID-M"));
    BOOST_CHECK(!find_device(*s, "", ""));

    // C1 changes its UID; the old one no longer finds it. Deleting C2 removes its UID.
    core::write_set change;
    change.put_card_keys = {make_card("C1", "CPLC-A", "UID-A2")};
    change.delete_card_keys = {{false, "C2"}};
    BOOST_REQUIRE(!commit_and_wait(*s, change));
    BOOST_CHECK(!find_device(*s, "", "UID-A"));
    BOOST_CHECK_EQUAL(find_device(*s, "", "UID-A2")->id, "C1");
    BOOST_CHECK(!find_device(*s, "", "UID-B"));
}

BOOST_DATA_TEST_CASE(calls_after_close_fail_with_closed, bdata::make(backends), backend) {
    store_place place(backend);
    auto s = place.open();
    s->close();
    s->close(); // idempotent
    core::write_set w;
    w.put_apps = {make_app("0A0B0C0D")};
    BOOST_CHECK(commit_and_wait(*s, w) == storage::make_error_code(storage::errc::closed));
    auto [ec, op] = load_operation_and_wait(*s, "o1");
    BOOST_CHECK(ec == storage::make_error_code(storage::errc::closed));
}

BOOST_AUTO_TEST_SUITE_END()
