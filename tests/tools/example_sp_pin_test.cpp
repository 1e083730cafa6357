// example_sp's "pin" service end to end: the real tsmd (temp data dir), example_sp's library in
// this process (so the test sees the PIN it decrypted) and the tsm-touchpoint binary with
// --fields pin=..., over v1 and the Fidesmo long poll. The PIN travels encrypted under the SP's
// certificate; tsmd's log and data directory never hold it in clear. Every wait is bounded.
#include "example_sp/sp_app.hpp"
#include "example_sp_e2e.hpp"
#include "net_clients.hpp"

#include <boost/test/unit_test.hpp>

#include <cctype>
#include <filesystem>
#include <mutex>
#include <sstream>

using tsm::test::http_call;

namespace {

const std::string app_id = "pin-sp";
const std::string app_key = "00112233445566778899AABBCCDDEEFF";
const std::string cin = "0E48800471400A";

bool is_hex_digit(char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

/// Whether `text` holds `value` on its own, not inside a longer run of hex digits (session ids
/// and ciphertexts are hex and may contain any 4 digits by chance).
bool holds_clear(const std::string& text, const std::string& value) {
    for (auto at = text.find(value); at != std::string::npos; at = text.find(value, at + 1)) {
        const bool left = at > 0 && is_hex_digit(text[at - 1]);
        const bool right = at + value.size() < text.size() && is_hex_digit(text[at + value.size()]);
        if (!left && !right) {
            return true;
        }
    }
    return false;
}

/// Every file below `dir` that holds `value` in clear.
std::vector<std::string> files_holding(const std::string& dir, const std::string& value) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        if (e.is_regular_file() && holds_clear(tsm::test::read_text_file(e.path().string()), value)) {
            out.push_back(e.path().string());
        }
    }
    return out;
}

/// tsmd with the app (its SP: example_sp's pin service in this process) and the sandbox card's
/// keyless device record (the Fidesmo dialect reads it).
struct pin_env {
    tsm::test::temp_dir dir;
    tsm::test::tsmd_process tsmd{dir.path() + "/data", 1};
    std::ostringstream sp_log;
    std::mutex mu;
    std::vector<std::string> pins; ///< what the SP decrypted
    std::unique_ptr<tsm::tools::example_sp::sp_app> sp;

    pin_env() {
        tsm::tools::example_sp::sp_options o;
        o.tsm_url = tsm::test::sp_api_url(tsmd);
        o.app_id = app_id;
        o.app_key = app_key;
        o.operation_timeout = std::chrono::milliseconds(30000);
        o.pin_observer = [this](const std::string& pin) {
            std::lock_guard lock(mu);
            pins.push_back(pin);
        };
        sp = std::make_unique<tsm::tools::example_sp::sp_app>(o, sp_log);
        std::string error;
        BOOST_REQUIRE_MESSAGE(sp->start(error), error);
        tsm::test::register_sp_app(tsmd, app_id, app_key, sp->public_url());
        auto r = http_call(tsmd.admin_port(), "PUT", "/admin/v1/cards/" + cin, {},
                           R"({"iin":"8A2C10","platformVersion":2,"batchId":1})");
        BOOST_REQUIRE_MESSAGE(r.status == 200, "device registration: " << r.status << " " << r.body);
    }
    ~pin_env() { sp->stop(); }

    std::vector<std::string> args(const std::string& protocol, const std::string& pin) const {
        const std::string url =
            protocol == "v1" ? tsm::test::touchpoint_ws_url(tsmd) : "http://" + tsmd.address() + "/v3/";
        return {"--protocol",
                protocol,
                "--url",
                url,
                "--app",
                app_id,
                "--service",
                "pin",
                "--fields",
                "pin=" + pin,
                "--fetch-retry-ms",
                "60000",
                "--max-reconnects",
                "0"};
    }
    std::vector<std::string> decrypted() {
        std::lock_guard lock(mu);
        return pins;
    }
};

void delivers_the_pin_encrypted(const std::string& protocol) {
    pin_env env;
    auto [code, out] = tsm::test::run_touchpoint_binary(env.dir, env.args(protocol, "1234"));
    env.sp->stop(); // the session's worker is done: its log is complete
    const std::string sp_log = env.sp_log.str();
    BOOST_REQUIRE_MESSAGE(code.has_value(), "tsm-touchpoint timed out:\n" << out);
    BOOST_CHECK_MESSAGE(*code == 0, "exit " << *code << "\n"
                                            << out << "\nSP log:\n"
                                            << sp_log << "\ntsmd log:\n"
                                            << env.tsmd.log());
    BOOST_CHECK(out.find("success=true") != std::string::npos);
    BOOST_CHECK(out.find("PIN set") != std::string::npos);
    BOOST_CHECK(out.find("(encrypted)") != std::string::npos);
    BOOST_CHECK(env.decrypted() == std::vector<std::string>{"1234"});
    BOOST_CHECK(sp_log.find("PIN received (4 digits)") != std::string::npos);
    BOOST_CHECK(!holds_clear(sp_log, "1234"));
    BOOST_CHECK(!holds_clear(out, "1234"));
    BOOST_CHECK_MESSAGE(!holds_clear(env.tsmd.log(), "1234"), "tsmd's log holds the PIN:\n"
                                                                  << env.tsmd.log());
    for (const auto& f : files_holding(env.dir.path() + "/data", "1234")) {
        BOOST_ERROR("tsmd's data file " << f << " holds the PIN");
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(example_sp_pin)

BOOST_AUTO_TEST_CASE(the_pin_reaches_the_sp_encrypted_over_v1) {
    delivers_the_pin_encrypted("v1");
}

BOOST_AUTO_TEST_CASE(the_pin_reaches_the_sp_encrypted_over_the_fidesmo_long_poll) {
    delivers_the_pin_encrypted("fidesmo");
}

BOOST_AUTO_TEST_CASE(a_short_pin_fails_the_delivery_without_naming_it) {
    pin_env env;
    auto [code, out] = tsm::test::run_touchpoint_binary(env.dir, env.args("v1", "12"));
    env.sp->stop();
    BOOST_REQUIRE_MESSAGE(code.has_value(), "tsm-touchpoint timed out:\n" << out);
    BOOST_CHECK_MESSAGE(*code == 1, "exit " << *code << "\n" << out);
    BOOST_CHECK(out.find("The PIN must be 4 to 8 digits") != std::string::npos);
    BOOST_CHECK(env.decrypted() == std::vector<std::string>{"12"});
    BOOST_CHECK(env.sp_log.str().find("PIN received (2 digits)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
