// example_sp's "hello" service end to end, for real: the tsmd binary (temp data dir), the
// example_sp binary with --cap, and the tsm-touchpoint binary with its virtual (sandbox) card,
// all on 127.0.0.1. The idempotent re-install path needs one card across two deliveries, so that
// case drives the touch-point library in-process with one virtual card. Every wait is bounded;
// every child process is killed when its test ends.
#define BOOST_TEST_MODULE example_sp_e2e_tests
#include "example_sp/hello_session.hpp"
#include "net_clients.hpp"
#include "temp_dir.hpp"
#include "touchpoint/touchpoint_driver.hpp"
#include "touchpoint/touchpoint_options.hpp"
#include "touchpoint/virtual_card.hpp"
#include "touchpoint/ws_channel.hpp"
#include "tsmd_process.hpp"

#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using tsm::test::http_call;

namespace {

const std::string app_id = "hello-sp";
const std::string app_key = "00112233445566778899AABBCCDDEEFF";
const std::string test_key = "404142434445464748494A4B4C4D4E4F";
const std::string cin = "0E48800471400A";

std::string cap_path() { return std::string(TSM_TEST_DATA_DIR) + "/cap/kaoh-helloworld.cap"; }

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// A child process whose stdout and stderr go to one log file; SIGKILLed and reaped on
/// destruction unless it already exited.
class child {
public:
    child(std::vector<std::string> args, std::string log_path) : log_(std::move(log_path)) {
        pid_ = ::fork();
        BOOST_REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
                ::close(fd);
            }
            std::vector<char*> argv;
            for (auto& a : args) {
                argv.push_back(a.data());
            }
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
    }
    ~child() { kill(); }
    child(const child&) = delete;
    child& operator=(const child&) = delete;

    /// The exit code once the process has exited within `timeout` (-1 when a signal ended it);
    /// nullopt, with the process killed, when it did not.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (pid_ > 0) {
            int status = 0;
            pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                pid_ = -1;
                exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
                return exit_;
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                kill();
                return std::nullopt;
            }
            std::this_thread::sleep_for(20ms);
        }
        return exit_; // reaped earlier by running()
    }
    bool running() {
        if (pid_ <= 0) {
            return false;
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            return false;
        }
        return true;
    }
    void kill() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
            pid_ = -1;
        }
    }
    std::string log() const { return slurp(log_); }

private:
    pid_t pid_ = -1;
    std::optional<int> exit_; ///< once reaped (nullopt after a kill)
    std::string log_;
};

/// tsmd (one shard, temp data dir) with the app registered and, optionally, the card's keys.
struct tsm_server {
    tsm::test::temp_dir dir;
    tsm::test::tsmd_process tsmd{dir.path() + "/data", 1};

    std::string sp_api_url() const { return "http://127.0.0.1:" + std::to_string(tsmd.port()); }
    std::string ws_url() const { return "ws://127.0.0.1:" + std::to_string(tsmd.port()) + "/touchpoint/v1"; }

    /// PUT /admin/v1/apps/{app_id}; `sp_base` is example_sp's base URL (a placeholder before it runs).
    void register_app(const std::string& sp_base) {
        boost::json::object body{{"key", app_key},
                                 {"descriptionUrl", sp_base + "/description"},
                                 {"deliveryUrl", sp_base + "/delivery"},
                                 {"callbackPrefixes", boost::json::array{sp_base + "/callback/"}}};
        auto r = http_call(tsmd.admin_port(), "PUT", "/admin/v1/apps/" + app_id, {}, boost::json::serialize(body));
        BOOST_REQUIRE_MESSAGE(r.status == 200, "register app: " << r.status << " " << r.body);
    }
    void put_card_keys(const std::string& key) {
        const std::string body = R"({"iin":"8A2C10","isd":"A000000151000000","scp":"03","kvn":48,"enc":")" + key
                                 + R"(","mac":")" + key + R"(","dek":")" + key + R"("})";
        auto r = http_call(tsmd.admin_port(), "PUT", "/admin/v1/cards/" + cin, {}, body);
        BOOST_REQUIRE_MESSAGE(r.status == 200, "card keys: " << r.status << " " << r.body);
    }
};

/// The example_sp binary; waits (bounded) for its "listening" line.
struct sp_process {
    std::string log_path;
    std::unique_ptr<child> proc;
    unsigned short port = 0;

    sp_process(const tsm::test::temp_dir& dir, const std::string& tsm_url, std::vector<std::string> extra) {
        static int started = 0;
        log_path = dir.path() + "/example_sp-" + std::to_string(++started) + ".log";
        std::vector<std::string> args{EXAMPLE_SP_BINARY, "--listen", "127.0.0.1:0", "--tsm", tsm_url,
                                      "--app-id", app_id, "--app-key", app_key, "--operation-timeout", "30"};
        args.insert(args.end(), extra.begin(), extra.end());
        proc = std::make_unique<child>(std::move(args), log_path);
        const std::string marker = "example_sp listening on http://127.0.0.1:";
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (std::chrono::steady_clock::now() < deadline) {
            std::string text = slurp(log_path);
            if (auto at = text.find(marker); at != std::string::npos) {
                auto end = text.find('\n', at);
                if (end != std::string::npos) {
                    port = static_cast<unsigned short>(std::stoi(text.substr(at + marker.size(), end - at - marker.size())));
                    return;
                }
            }
            if (!proc->running()) {
                return; // exited: the caller checks port == 0 and the log
            }
            std::this_thread::sleep_for(20ms);
        }
        proc->kill();
    }
    std::string base() const { return "http://127.0.0.1:" + std::to_string(port); }
    std::string log() const { return slurp(log_path); }
};

/// Runs the tsm-touchpoint binary once (bounded); returns its exit code (nullopt: timed out) and output.
std::pair<std::optional<int>, std::string> run_touchpoint(const tsm::test::temp_dir& dir, const std::string& ws_url,
                                                          const std::string& service, std::vector<std::string> extra = {}) {
    static int runs = 0;
    const std::string log = dir.path() + "/touchpoint-" + std::to_string(++runs) + ".log";
    std::vector<std::string> args{TOUCHPOINT_BINARY, "--url", ws_url, "--app", app_id, "--service", service};
    args.insert(args.end(), extra.begin(), extra.end());
    child tp(std::move(args), log);
    auto code = tp.wait_exit(90s);
    return {code, slurp(log)};
}

/// Everything up: tsmd with the app and the card keys, example_sp with --cap registered as the app's SP.
struct hello_env {
    tsm_server server;
    std::unique_ptr<sp_process> sp;

    explicit hello_env(const std::string& card_key = test_key) {
        server.register_app("http://127.0.0.1:1"); // the CAP upload authenticates as the app
        server.put_card_keys(card_key);
        sp = std::make_unique<sp_process>(server.dir, server.sp_api_url(), std::vector<std::string>{"--cap", cap_path()});
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
    BOOST_CHECK_EQUAL(boost::json::serialize(desc.json()),
                      R"({"title":"Hello applet","description":"Installs and personalizes the HelloWorld applet","confirmationRequired":false})");

    // Each touch-point process has a fresh virtual card: both runs install from scratch.
    for (int run = 1; run <= 2; ++run) {
        auto [code, out] = run_touchpoint(env.server.dir, env.server.ws_url(), "hello");
        BOOST_TEST_MESSAGE("tsm-touchpoint run " << run << ":\n" << out);
        BOOST_REQUIRE_MESSAGE(code.has_value(), "tsm-touchpoint run " << run << " timed out:\n" << out);
        BOOST_CHECK_MESSAGE(*code == 0, "run " << run << " exit " << *code << "\n" << out << "\nSP log:\n" << env.sp->log());
        BOOST_CHECK(out.find("service: Hello applet") != std::string::npos);
        BOOST_CHECK(out.find("success=true") != std::string::npos);
        BOOST_CHECK(out.find("instance D0D1D2D3D4D5010101") != std::string::npos);
    }

    const std::string log = env.sp->log();
    BOOST_TEST_MESSAGE("example_sp log:\n" << log);
    for (const char* step : {"step 1 install: /ccm/install", "step 2 select: SW 9000", "step 3 personalize: /ccm/storedata",
                             "succeeded: Installed and personalized"}) {
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
    auto parsed = parse_touchpoint_args({"--url", env.server.ws_url(), "--app", app_id, "--service", "hello"});
    BOOST_REQUIRE_MESSAGE(parsed.options, parsed.error);
    std::string error;
    auto config = virtual_card_config(*parsed.options, error);
    BOOST_REQUIRE_MESSAGE(config, error);
    virtual_card card(std::move(*config)); // one card for both deliveries

    for (int run = 1; run <= 2; ++run) {
        auto out = std::make_shared<std::ostringstream>();
        auto err = std::make_shared<std::ostringstream>();
        const std::string url = env.server.ws_url();
        auto done = std::async(std::launch::async, [&, out, err, url] {
            channel_factory connect = [url](std::string& e) { return connect_ws(url, ws_channel_options{}, e); };
            touchpoint_driver driver(*parsed.options, card, std::move(connect), *out, *err);
            driver.set_reconnect_delay(50ms);
            return driver.run();
        });
        if (done.wait_for(90s) != std::future_status::ready) {
            env.sp->proc->kill(); // unblocks the driver: the server side goes away
            env.server.tsmd.kill();
            done.wait_for(60s);
            BOOST_FAIL("touch point run " << run << " timed out");
        }
        const int code = done.get();
        BOOST_TEST_MESSAGE("run " << run << ":\n" << out->str() << err->str());
        BOOST_CHECK_MESSAGE(code == exit_ok, "run " << run << " exit " << code << "\n" << out->str() << err->str()
                                                    << "\nSP log:\n" << env.sp->log());
        BOOST_CHECK(out->str().find("success=true") != std::string::npos);
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
    auto [code, out] = run_touchpoint(env.server.dir, env.server.ws_url(), "hello", {"--isd", "A000000151000001"});
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
