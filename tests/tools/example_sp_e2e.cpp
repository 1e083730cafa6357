#include "example_sp_e2e.hpp"

#include "net_clients.hpp"

#include "touchpoint/touchpoint_driver.hpp"
#include "touchpoint/ws_channel.hpp"

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

using namespace std::chrono_literals;

namespace tsm::test {

std::string sp_api_url(const tsmd_process& tsmd) {
    return "http://127.0.0.1:" + std::to_string(tsmd.port());
}

std::string touchpoint_ws_url(const tsmd_process& tsmd) {
    return "ws://127.0.0.1:" + std::to_string(tsmd.port()) + "/touchpoint/v1";
}

void register_sp_app(const tsmd_process& tsmd, const std::string& app_id, const std::string& app_key,
                     const std::string& sp_base) {
    boost::json::object body{{"key", app_key},
                             {"descriptionUrl", sp_base + "/description"},
                             {"deliveryUrl", sp_base + "/delivery"},
                             {"callbackPrefixes", boost::json::array{sp_base + "/callback/"}}};
    auto r =
        http_call(tsmd.admin_port(), "PUT", "/admin/v1/apps/" + app_id, {}, boost::json::serialize(body));
    BOOST_REQUIRE_MESSAGE(r.status == 200, "register app: " << r.status << " " << r.body);
}

example_sp_process::example_sp_process(const temp_dir& dir, const std::string& tsm_url,
                                       const std::string& app_id, const std::string& app_key,
                                       std::vector<std::string> extra) {
    static int started = 0;
    log_path = dir.path() + "/example_sp-" + std::to_string(++started) + ".log";
    std::vector<std::string> args{
        EXAMPLE_SP_BINARY, "--listen", "127.0.0.1:0",         "--tsm", tsm_url, "--app-id", app_id,
        "--app-key",       app_key,    "--operation-timeout", "30"};
    args.insert(args.end(), extra.begin(), extra.end());
    proc = std::make_unique<child_process>(std::move(args), log_path);
    const std::string marker = "example_sp listening on http://127.0.0.1:";
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string text = proc->log();
        if (auto at = text.find(marker); at != std::string::npos) {
            if (auto end = text.find('\n', at); end != std::string::npos) {
                port = static_cast<unsigned short>(
                    std::stoi(text.substr(at + marker.size(), end - at - marker.size())));
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

std::pair<std::optional<int>, std::string> run_touchpoint_binary(const temp_dir& dir,
                                                                 std::vector<std::string> args) {
    static int runs = 0;
    const std::string log = dir.path() + "/touchpoint-" + std::to_string(++runs) + ".log";
    args.insert(args.begin(), TOUCHPOINT_BINARY);
    child_process tp(std::move(args), log);
    auto code = tp.wait_exit(90s);
    return {code, tp.log()};
}

touchpoint_run run_touchpoint_in_process(const tools::touchpoint::touchpoint_options& options,
                                         tools::touchpoint::virtual_card& card, const std::string& ws_url,
                                         const std::function<void()>& stop_servers, const std::string& what) {
    using namespace tools::touchpoint;
    // The driver runs on a detached thread that shares only this state (and the card), so a
    // driver that never returns cannot block the test's return the way a future's destructor does.
    struct driver_state {
        std::mutex mu;
        std::condition_variable cv;
        bool done = false;
        int code = 0;
        std::ostringstream out;
        std::ostringstream err;
    };
    auto state = std::make_shared<driver_state>();
    std::thread([state, options, &card, ws_url] {
        channel_factory connect = [ws_url](std::string& e) {
            return connect_ws(ws_url, ws_channel_options{}, e);
        };
        touchpoint_driver driver(options, card, std::move(connect), state->out, state->err);
        driver.set_reconnect_delay(50ms);
        const int code = driver.run();
        std::lock_guard lock(state->mu);
        state->code = code;
        state->done = true;
        state->cv.notify_all();
    }).detach();
    std::unique_lock lock(state->mu);
    if (!state->cv.wait_for(lock, 90s, [&] { return state->done; })) {
        lock.unlock();
        stop_servers(); // unblocks the driver: the server side goes away
        lock.lock();
        const bool stopped = state->cv.wait_for(lock, 60s, [&] { return state->done; });
        // A driver that ignores even that is left blocked on its thread; the test fails either way.
        BOOST_FAIL(what << " timed out" << (stopped ? "" : " and its driver did not stop"));
    }
    touchpoint_run run;
    run.code = state->code;
    run.out = state->out.str();
    run.err = state->err.str();
    return run;
}

} // namespace tsm::test
