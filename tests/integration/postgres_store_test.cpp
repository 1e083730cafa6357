// tsmd and tsmctl on a PostgreSQL store, whatever store the other suites run on: the schema
// migration command and the secrets a shared store requires.
#include "store_under_test.hpp"
#include "tsm_env.hpp"

#include "child_process.hpp"
#include "pg_server.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

using namespace tsm::test;

namespace {

/// Runs tsmctl with `args`; (exit code, everything it printed).
std::pair<int, std::string> tsmctl(const temp_dir& dir, std::vector<std::string> args) {
    args.insert(args.begin(), TSMCTL_BIN);
    child_process p(std::move(args), dir.path() + "/tsmctl.log");
    const auto code = p.wait_exit(std::chrono::seconds(30));
    BOOST_REQUIRE_MESSAGE(code, "tsmctl did not exit");
    return {*code, p.log()};
}

/// Polls /readyz (bounded) until it answers `status`.
bool ready_within(unsigned short admin_port, int status, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (http_call(admin_port, "GET", "/readyz").status == status) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(postgres_store)

BOOST_AUTO_TEST_CASE(tsmctl_db_migrate_applies_once_then_tsmd_refuses_a_newer_schema) {
    temp_dir dir;
    const std::string url = fresh_postgres_database();
    auto [code1, out1] = tsmctl(dir, {"db", "migrate", "--store", url});
    BOOST_CHECK_EQUAL(code1, 0);
    BOOST_CHECK_MESSAGE(out1.find("applied migration 1") != std::string::npos, out1);
    auto [code2, out2] = tsmctl(dir, {"db", "migrate", "--store", url});
    BOOST_CHECK_EQUAL(code2, 0);
    BOOST_CHECK_MESSAGE(out2.find("schema already at version") != std::string::npos, out2);
    auto [code3, out3] = tsmctl(dir, {"db", "migrate"}); // neither --store nor TSM_STORE_URL
    BOOST_CHECK_EQUAL(code3, 2);

    // A newer binary has been here: tsmctl and tsmd both refuse, saying why.
    pg_query(url, "INSERT INTO tsm_schema (version) VALUES (999)");
    auto [code4, out4] = tsmctl(dir, {"db", "migrate", "--store", url});
    BOOST_CHECK_EQUAL(code4, 1);
    BOOST_CHECK_MESSAGE(out4.find("newer than this binary") != std::string::npos, out4);

    const std::string keys = dir.path() + "/key.hex";
    std::ofstream(keys) << std::string(64, '4') << "\n";
    const std::string cfg = dir.path() + "/tsmd.toml";
    std::ofstream(cfg) << "[keys]\nkek_file = \"" << keys << "\"\npepper_file = \"" << keys << "\"\n";
    try {
        tsmd_process p(dir.path() + "/data", 1, {"--config", cfg, "--store", url});
        BOOST_ERROR("tsmd started on a database with a newer schema");
    } catch (const std::runtime_error& e) {
        const std::string why = e.what();
        BOOST_CHECK_MESSAGE(why.find("newer than this binary") != std::string::npos, why);
        BOOST_CHECK_MESSAGE(why.find("999") != std::string::npos, why);
    }
}

BOOST_AUTO_TEST_CASE(tsmd_on_postgres_never_makes_up_its_pepper_or_kek) {
    temp_dir dir;
    const std::string url = fresh_postgres_database();
    const std::string key = dir.path() + "/key.hex";
    std::ofstream(key) << std::string(64, '6') << "\n";
    const std::pair<std::string, std::string> cases[] = {
        {"[keys]\nkek_file = \"" + key + "\"\n", "pepper_file or keys.pepper_env"},
        {"[keys]\npepper_file = \"" + key + "\"\n", "kek_file or keys.kek_env"},
    };
    for (const auto& [toml, expected] : cases) {
        const std::string cfg = dir.path() + "/tsmd.toml";
        std::ofstream(cfg) << toml;
        try {
            tsmd_process p(dir.path() + "/data", 1, {"--config", cfg, "--store", url});
            BOOST_ERROR("tsmd started on PostgreSQL without " + expected);
        } catch (const std::runtime_error& e) {
            const std::string why = e.what();
            BOOST_CHECK_MESSAGE(why.find(expected) != std::string::npos, why);
        }
    }
    // Nothing was generated in the data directory on the way.
    BOOST_CHECK(!std::filesystem::exists(dir.path() + "/data/pepper"));
    BOOST_CHECK(!std::filesystem::exists(dir.path() + "/data/kek"));
}

BOOST_AUTO_TEST_CASE(a_lease_not_longer_than_its_renewal_interval_is_refused) {
    temp_dir dir;
    const std::string cfg = dir.path() + "/tsmd.toml";
    std::ofstream(cfg) << "[cluster]\nnode_id = \"n1\"\nheartbeat_ms = 1000\nlease_ms = 1000\n";
    try {
        tsmd_process p(dir.path() + "/data", 1, {"--config", cfg});
        BOOST_ERROR("tsmd started with a lease that expires between two renewals");
    } catch (const std::runtime_error& e) {
        const std::string why = e.what();
        BOOST_CHECK_MESSAGE(why.find("cluster.lease_ms must be longer than cluster.heartbeat_ms")
                                != std::string::npos,
                            why);
    }
}

BOOST_AUTO_TEST_CASE(database_down_gets_503_and_acknowledges_nothing_then_service_resumes) {
    const postgres_forced on_postgres;
    tsm_env env;
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws);
    const std::string op1 = env.transceive_ok(s.session_id, {"00A4040000"});
    BOOST_CHECK_EQUAL(answer_batch(ws), op1);
    BOOST_REQUIRE(env.sp.wait_callback(op1));

    BOOST_CHECK(ready_within(env.tsmd->admin_port(), 200, std::chrono::seconds(10)));
    postgres_server().stop();
    // Not ready once the node cannot renew its lease (a balancer stops sending it traffic).
    BOOST_CHECK(ready_within(env.tsmd->admin_port(), 503, std::chrono::seconds(15)));
    const auto refused = env.transceive(s.session_id, {"80CA9F7F00"});
    BOOST_CHECK_EQUAL(refused.status, 503);
    BOOST_CHECK_EQUAL(str(refused.json().at("error").at("code")), "unavailable");
    BOOST_CHECK(refused.headers.count("retry-after") == 1);

    std::string why;
    BOOST_REQUIRE_MESSAGE(postgres_server().restart(why), why);
    BOOST_CHECK(ready_within(env.tsmd->admin_port(), 200, std::chrono::seconds(15))); // by itself
    // The store reconnects on its next write: the SP's retry is accepted and runs; the refused
    // operation never does (the next batch is the retry's).
    const std::string op2 = env.transceive_ok(s.session_id, {"80CA9F7F00"});
    auto f = ws.read_type("commands", std::chrono::seconds(10));
    BOOST_REQUIRE(f);
    BOOST_CHECK_EQUAL(str((*f)["operationId"]), op2);
    ws.send(R"({"type":"responses","batch":)" + std::to_string((*f)["batch"].as_int64())
            + R"(,"responses":["9000"]})");
    auto cb = env.sp.wait_callback(op2);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 200);
    BOOST_CHECK_EQUAL(env.complete(s.session_id, true).status, 200);
}

BOOST_AUTO_TEST_SUITE_END()
