// example_sp's "hello" service end to end, for real: the tsmd binary (temp data dir), the
// example_sp binary with --cap, and the tsm-touchpoint binary with its virtual (sandbox) card,
// all on 127.0.0.1. The idempotent re-install path needs one card across two deliveries, so that
// case drives the touch-point library in-process with one virtual card. Every wait is bounded;
// every child process is killed when its test ends.
#define BOOST_TEST_MODULE example_sp_e2e_tests
#include "example_sp/hello_session.hpp"
#include "example_sp_e2e.hpp"
#include "net_clients.hpp"

#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using tsm::test::http_call;

namespace {

const std::string app_id = "hello-sp";
const std::string app_key = "00112233445566778899AABBCCDDEEFF";
const std::string test_key = "404142434445464748494A4B4C4D4E4F";
const std::string cin = "0E48800471400A";

std::string cap_path() {
    return std::string(TSM_TEST_DATA_DIR) + "/cap/kaoh-helloworld.cap";
}

/// tsmd (one shard, temp data dir) with the app registered and, optionally, the card's keys.
struct tsm_server {
    tsm::test::temp_dir dir;
    tsm::test::tsmd_process tsmd{dir.path() + "/data", 1};

    std::string sp_api_url() const { return tsm::test::sp_api_url(tsmd); }
    std::string ws_url() const { return tsm::test::touchpoint_ws_url(tsmd); }

    /// The app with example_sp at `sp_base` (a placeholder before it runs).
    void register_app(const std::string& sp_base) {
        tsm::test::register_sp_app(tsmd, app_id, app_key, sp_base);
    }
    void put_card_keys(const std::string& key) {
        const std::string body = R"({"iin":"8A2C10","isd":"A000000151000000","scp":"03","kvn":48,"enc":")"
                                 + key + R"(","mac":")" + key + R"(","dek":")" + key + R"("})";
        auto r = http_call(tsmd.admin_port(), "PUT", "/admin/v1/cards/" + cin, {}, body);
        BOOST_REQUIRE_MESSAGE(r.status == 200, "card keys: " << r.status << " " << r.body);
    }
};

/// The example_sp binary for the app.
struct sp_process : tsm::test::example_sp_process {
    sp_process(const tsm::test::temp_dir& dir, const std::string& tsm_url, std::vector<std::string> extra)
        : example_sp_process(dir, tsm_url, app_id, app_key, std::move(extra)) {}
};

/// Runs the tsm-touchpoint binary once for `service` (bounded); its exit code (nullopt: timed out) and output.
std::pair<std::optional<int>, std::string> run_touchpoint(const tsm::test::temp_dir& dir,
                                                          const std::string& ws_url,
                                                          const std::string& service,
                                                          std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--url", ws_url, "--app", app_id, "--service", service};
    args.insert(args.end(), extra.begin(), extra.end());
    return tsm::test::run_touchpoint_binary(dir, std::move(args));
}

/// Everything up: tsmd with the app and the card keys, example_sp with --cap registered as the app's SP.
struct hello_env {
    tsm_server server;
    std::unique_ptr<sp_process> sp;

    explicit hello_env(const std::string& card_key = test_key) {
        server.register_app("http://127.0.0.1:1"); // the CAP upload authenticates as the app
        server.put_card_keys(card_key);
        sp = std::make_unique<sp_process>(server.dir, server.sp_api_url(),
                                          std::vector<std::string>{"--cap", cap_path()});
        BOOST_REQUIRE_MESSAGE(sp->port != 0, "example_sp did not start; log:\n" << sp->log());
        server.register_app(sp->base()); // now the SP's real address
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(example_sp_ccm)

BOOST_AUTO_TEST_CASE(hello_installs_and_personalizes_through_the_real_binaries) {
    hello_env env;
    const std::string sp_log_start = env.sp->log();
    BOOST_TEST_MESSAGE(sp_log_start);
    BOOST_CHECK(sp_log_start.find("CAP uploaded: id ") != std::string::npos);

    auto desc = http_call(env.sp->port, "GET", "/description/hello");
    BOOST_CHECK_EQUAL(desc.status, 200);
    BOOST_CHECK_EQUAL(
        boost::json::serialize(desc.json()),
        R"({"title":"Hello applet","description":"Installs and personalizes the HelloWorld applet","confirmationRequired":false})");

    // Each touch-point process has a fresh virtual card: both runs install from scratch.
    for (int run = 1; run <= 2; ++run) {
        auto [code, out] = run_touchpoint(env.server.dir, env.server.ws_url(), "hello");
        BOOST_TEST_MESSAGE("tsm-touchpoint run " << run << ":\n" << out);
        BOOST_REQUIRE_MESSAGE(code.has_value(), "tsm-touchpoint run " << run << " timed out:\n" << out);
        BOOST_CHECK_MESSAGE(*code == 0, "run " << run << " exit " << *code << "\n"
                                               << out << "\nSP log:\n"
                                               << env.sp->log());
        BOOST_CHECK(out.find("service: Hello applet") != std::string::npos);
        BOOST_CHECK(out.find("success=true") != std::string::npos);
        BOOST_CHECK(out.find("instance D0D1D2D3D4D5010101") != std::string::npos);
    }

    const std::string log = env.sp->log();
    BOOST_TEST_MESSAGE("example_sp log:\n" << log);
    for (const char* step : {"step 1 install: /ccm/install", "step 2 select: SW 9000",
                             "step 3 personalize: /ccm/storedata", "succeeded: Installed and personalized"}) {
        BOOST_CHECK_MESSAGE(log.find(step) != std::string::npos, "missing in the SP log: " << step);
    }
    BOOST_CHECK(log.find("already exists") == std::string::npos); // fresh cards: no re-install
    // Never the app key or the personalization data.
    BOOST_CHECK(log.find(app_key) == std::string::npos);
    BOOST_CHECK(log.find(tsm::tools::example_sp::hello_personalization_dgi()) == std::string::npos);
    BOOST_CHECK(log.find("68656C6C6F") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(hello_twice_on_the_same_card_deletes_and_reinstalls) {
    using namespace tsm::tools::touchpoint;
    hello_env env;
    auto parsed =
        parse_touchpoint_args({"--url", env.server.ws_url(), "--app", app_id, "--service", "hello"});
    BOOST_REQUIRE_MESSAGE(parsed.options, parsed.error);
    std::string error;
    auto config = virtual_card_config(*parsed.options, error);
    BOOST_REQUIRE_MESSAGE(config, error);
    virtual_card card(std::move(*config)); // one card for both deliveries

    for (int run = 1; run <= 2; ++run) {
        auto tp = tsm::test::run_touchpoint_in_process(
            *parsed.options, card, env.server.ws_url(),
            [&] {
                env.sp->proc->kill();
                env.server.tsmd.kill();
            },
            "touch point run " + std::to_string(run));
        BOOST_TEST_MESSAGE("run " << run << ":\n" << tp.out << tp.err);
        BOOST_CHECK_MESSAGE(tp.code == exit_ok, "run " << run << " exit " << tp.code << "\n"
                                                       << tp.out << tp.err << "\nSP log:\n"
                                                       << env.sp->log());
        BOOST_CHECK(tp.out.find("success=true") != std::string::npos);
        const auto instance = *tsm::core::from_hex("D0D1D2D3D4D5010101");
        BOOST_CHECK(card.element().find_application(instance).has_value());
        auto perso = card.element().personalization_data(instance);
        BOOST_REQUIRE(perso);
        BOOST_CHECK_EQUAL(tsm::core::to_hex(*perso), tsm::tools::example_sp::hello_personalization_dgi());
    }
    const std::string log = env.sp->log();
    BOOST_TEST_MESSAGE("example_sp log:\n" << log);
    BOOST_CHECK(log.find("already exists (SW 6985)") != std::string::npos
                || log.find("already exists (SW 6A89)") != std::string::npos);
    BOOST_CHECK(log.find("step 1a delete: callback status 200") != std::string::npos);
    BOOST_CHECK(log.find("step 1b install again: callback status 200") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(card_errors_fail_the_session_naming_the_command_and_sw) {
    hello_env env;
    // A card whose ISD has another AID: tsmd's SELECT of A000000151000000 fails on the card.
    auto [code, out] =
        run_touchpoint(env.server.dir, env.server.ws_url(), "hello", {"--isd", "A000000151000001"});
    BOOST_TEST_MESSAGE(out << "\nSP log:\n" << env.sp->log());
    BOOST_REQUIRE_MESSAGE(code.has_value(), "tsm-touchpoint timed out:\n" << out);
    BOOST_CHECK_EQUAL(*code, 1);
    BOOST_CHECK(out.find("success=false") != std::string::npos);
    BOOST_CHECK(out.find("SELECT failed with SW ") != std::string::npos);
    BOOST_CHECK(env.sp->log().find("failed: step 1 install: SELECT failed with SW ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(without_cap_there_is_no_hello_service) {
    tsm::test::temp_dir dir;
    // No --cap: nothing is uploaded, so tsmd need not even run for the description requests.
    sp_process sp(dir, "http://127.0.0.1:1", {});
    BOOST_REQUIRE_MESSAGE(sp.port != 0, "example_sp did not start; log:\n" << sp.log());
    BOOST_CHECK_EQUAL(http_call(sp.port, "GET", "/description/hello").status, 404);
    BOOST_CHECK_EQUAL(http_call(sp.port, "GET", "/description/demo").status, 200);

    // An unreadable --cap stops the SP at start (exit 1) instead of serving a broken "hello".
    sp_process bad(dir, "http://127.0.0.1:1", {"--cap", dir.path() + "/missing.cap"});
    BOOST_CHECK_EQUAL(bad.port, 0);
    auto code = bad.proc->wait_exit(10s);
    BOOST_REQUIRE(code.has_value());
    BOOST_CHECK_EQUAL(*code, 1);
    BOOST_CHECK(bad.log().find("cannot read the CAP file") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
