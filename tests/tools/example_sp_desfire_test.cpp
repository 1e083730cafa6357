// example_sp's "desfire" service end to end, for real: the tsmd binary (temp data dir) with the
// card's DESFire PICC master key in its card key registry, the example_sp binary, and the
// tsm-touchpoint binary whose virtual card gets the same key from --desfire-key-file; all on
// 127.0.0.1. createApp (AES, 2 keys) -> commands (CreateStdDataFile, WriteData "hello",
// ReadData) -> deleteApp. The duplicate-application path needs a card that already holds the
// application, so that case drives the touch-point library in-process with one virtual card.
// Every wait is bounded; every child process is killed when its test ends.
#include "example_sp/desfire_session.hpp"
#include "example_sp_e2e.hpp"
#include "net_clients.hpp"

#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using tsm::test::http_call;

namespace {

const std::string app_id = "desfire-sp";
const std::string app_key = "00112233445566778899AABBCCDDEEFF";
const std::string picc_key = "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF";
const std::string cin = "0E48800471400A";

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

/// tsmd (one shard, temp data dir), example_sp (no --cap) registered as the app's SP, and the
/// card's DESFire PICC master key (AES) in tsmd's card key registry.
struct desfire_env {
    tsm::test::temp_dir dir;
    tsm::test::tsmd_process tsmd{dir.path() + "/data", 1};
    std::unique_ptr<tsm::test::example_sp_process> sp;

    desfire_env() {
        const std::string body =
            R"({"iin":"8A2C10","desfire":{"keyType":"AES","key":")" + picc_key + R"(","version":0}})";
        auto r = http_call(tsmd.admin_port(), "PUT", "/admin/v1/cards/" + cin, {}, body);
        BOOST_REQUIRE_MESSAGE(r.status == 200, "card keys: " << r.status << " " << r.body);
        BOOST_CHECK(r.body.find(picc_key) == std::string::npos);

        sp = std::make_unique<tsm::test::example_sp_process>(dir, sp_api_url(), app_id, app_key);
        BOOST_REQUIRE_MESSAGE(sp->port != 0, "example_sp did not start; log:\n" << sp_log());
        tsm::test::register_sp_app(tsmd, app_id, app_key, sp->base());
    }

    std::string sp_api_url() const { return tsm::test::sp_api_url(tsmd); }
    std::string ws_url() const { return tsm::test::touchpoint_ws_url(tsmd); }
    std::string sp_log() const { return sp->log(); }

    /// A file holding the PICC master key for tsm-touchpoint --desfire-key-file.
    std::string key_file(const std::string& contents) const {
        static int n = 0;
        const std::string path = dir.path() + "/picc-" + std::to_string(++n) + ".key";
        write_file(path, contents);
        return path;
    }

    /// Runs the tsm-touchpoint binary once for the "desfire" service (bounded); its exit code
    /// (nullopt: timed out) and output.
    std::pair<std::optional<int>, std::string> run_touchpoint(std::vector<std::string> extra) const {
        std::vector<std::string> args{"--url", ws_url(), "--app", app_id, "--service", "desfire"};
        args.insert(args.end(), extra.begin(), extra.end());
        return tsm::test::run_touchpoint_binary(dir, std::move(args));
    }
};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(example_sp_desfire)

BOOST_AUTO_TEST_CASE(desfire_service_through_the_real_binaries) {
    desfire_env env;
    auto desc = http_call(env.sp->port, "GET", "/description/desfire");
    BOOST_CHECK_EQUAL(desc.status, 200);
    BOOST_CHECK(contains(desc.body, R"("title":"DESFire demo")"));

    // Each touch-point process has a fresh virtual card with the registered PICC key: both runs
    // create, use and delete the application.
    const std::string key_file = env.key_file("AES:" + picc_key + "\n");
    for (int run = 1; run <= 2; ++run) {
        auto [code, out] = env.run_touchpoint({"--desfire-key-file", key_file});
        BOOST_TEST_MESSAGE("tsm-touchpoint run " << run << ":\n" << out);
        BOOST_REQUIRE_MESSAGE(code.has_value(), "tsm-touchpoint run " << run << " timed out:\n" << out);
        BOOST_CHECK_MESSAGE(*code == 0, "run " << run << " exit " << *code << "\n"
                                               << out << "\nSP log:\n"
                                               << env.sp_log());
        BOOST_CHECK(contains(out, "service: DESFire demo"));
        BOOST_CHECK(contains(out, "success=true"));
        BOOST_CHECK(
            contains(out, "Created DESFire application DE5F01, wrote and read back \"hello\", deleted it"));
        BOOST_CHECK(!contains(out, picc_key));
    }

    const std::string log = env.sp_log();
    BOOST_TEST_MESSAGE("example_sp log:\n" << log);
    for (const char* step :
         {"step 1 createApp: /desfire/ev1/createApp aid DE5F01 keyType AES numberOfKeys 2",
          "step 1 createApp: callback {", "step 2 commands: callback {",
          R"("responses":["9100","9100","68656C6C6F9100"])", "step 2 commands: ReadData -> 68656C6C6F9100",
          "step 2 commands: read back \"hello\"", "step 3 deleteApp: callback {",
          "succeeded: Created DESFire application"}) {
        BOOST_CHECK_MESSAGE(contains(log, step), "missing in the SP log: " << step);
    }
    BOOST_CHECK(!contains(log, "already exists")); // fresh cards: no re-create
    // Never the app key nor the PICC key.
    BOOST_CHECK(!contains(log, app_key));
    BOOST_CHECK(!contains(log, picc_key));
}

BOOST_AUTO_TEST_CASE(a_card_with_another_picc_key_fails_the_session) {
    desfire_env env;
    // The card keeps the default PICC key (DES 00 x 8); tsmd authenticates with the registered
    // AES key and the card refuses it.
    auto [code, out] = env.run_touchpoint({});
    BOOST_TEST_MESSAGE(out << "\nSP log:\n" << env.sp_log());
    BOOST_REQUIRE_MESSAGE(code.has_value(), "tsm-touchpoint timed out:\n" << out);
    BOOST_CHECK_EQUAL(*code, 1);
    BOOST_CHECK(contains(out, "success=false"));
    BOOST_CHECK(contains(out, "authentication-failed"));
    BOOST_CHECK(contains(env.sp_log(), "failed: step 1 createApp: "));
    BOOST_CHECK(!contains(env.sp_log(), "step 2 commands"));

    // A touch point without the DESFire emulation: tsmd's SELECT of the DESFire AID fails.
    auto [code2, out2] = env.run_touchpoint({"--no-desfire"});
    BOOST_TEST_MESSAGE(out2 << "\nSP log:\n" << env.sp_log());
    BOOST_REQUIRE(code2.has_value());
    BOOST_CHECK_EQUAL(*code2, 1);
    BOOST_CHECK(contains(out2, "success=false"));
    BOOST_CHECK(contains(out2, "6A82"));
}

BOOST_AUTO_TEST_CASE(an_existing_application_is_deleted_and_created_again) {
    using namespace tsm::tools::touchpoint;
    desfire_env env;
    const std::string key_file = env.key_file("AES:" + picc_key);
    auto parsed = parse_touchpoint_args(
        {"--url", env.ws_url(), "--app", app_id, "--service", "desfire", "--desfire-key-file", key_file});
    BOOST_REQUIRE_MESSAGE(parsed.options, parsed.error);
    std::string error;
    auto config = virtual_card_config(*parsed.options, error);
    BOOST_REQUIRE_MESSAGE(config, error);
    virtual_card card(std::move(*config));

    // The application is already on the card (the PICC key settings 0F let CreateApplication
    // run without authentication): CreateApplication DE5F01 (LSB first), KS1 0F, AES with 2 keys.
    auto sel = card.transceive(*tsm::core::from_hex("00A4040007D276000085010000"));
    BOOST_REQUIRE_EQUAL(tsm::core::to_hex(sel), "9000");
    auto created = card.transceive(*tsm::core::from_hex("90CA000005015FDE0F8200"));
    BOOST_REQUIRE_EQUAL(tsm::core::to_hex(created), "9100");
    BOOST_REQUIRE(card.element().desfire_application(0xDE5F01).has_value());

    auto tp = tsm::test::run_touchpoint_in_process(
        *parsed.options, card, env.ws_url(),
        [&] {
            env.sp->proc->kill();
            env.tsmd.kill();
        },
        "touch point run");
    const std::string log = env.sp_log();
    BOOST_TEST_MESSAGE(tp.out << tp.err << "\nexample_sp log:\n" << log);
    BOOST_CHECK_EQUAL(tp.code, exit_ok);
    BOOST_CHECK(contains(tp.out, "success=true"));
    BOOST_CHECK(contains(log, "already exists (DESFire status DE)"));
    BOOST_CHECK(contains(log, "step 1a deleteApp: callback {"));
    BOOST_CHECK(contains(log, "step 1b createApp again: callback {"));
    BOOST_CHECK(contains(log, "succeeded: Created DESFire application DE5F01"));
    // The service leaves the card as it found the PICC: no application DE5F01.
    BOOST_CHECK(!card.element().desfire_application(0xDE5F01).has_value());
    auto state = card.element().desfire();
    BOOST_REQUIRE(state.has_value());
    BOOST_CHECK(state->applications.empty());
}

BOOST_AUTO_TEST_SUITE_END()
