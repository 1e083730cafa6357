#pragma once
/// What example_sp's end-to-end tests (the "hello" and "desfire" services) share: the real
/// tsmd with an app whose SP is example_sp, the example_sp binary started with its port read
/// from its log, the tsm-touchpoint binary run once, and the touch-point library run in-process
/// against one virtual card. Every wait is bounded; every child process is killed at the end.
#include "child_process.hpp"
#include "temp_dir.hpp"
#include "tsmd_process.hpp"

#include "touchpoint/touchpoint_options.hpp"
#include "touchpoint/virtual_card.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tsm::test {

/// "http://127.0.0.1:<port>": tsmd's SP API.
std::string sp_api_url(const tsmd_process& tsmd);
/// "ws://127.0.0.1:<port>/touchpoint/v1": tsmd's touch-point endpoint.
std::string touchpoint_ws_url(const tsmd_process& tsmd);

/// PUT /admin/v1/apps/{app_id}: the app with `app_key`, its SP at `sp_base` (description,
/// delivery and callback URLs below it).
void register_sp_app(const tsmd_process& tsmd, const std::string& app_id, const std::string& app_key,
                     const std::string& sp_base);

/// The example_sp binary (--listen 127.0.0.1:0, --operation-timeout 30, plus `extra`); waits
/// (bounded: 30 s) for its "listening" line. `port` stays 0 when it exited or did not start.
struct example_sp_process {
    std::string log_path;
    std::unique_ptr<child_process> proc;
    unsigned short port = 0;

    example_sp_process(const temp_dir& dir, const std::string& tsm_url, const std::string& app_id,
                       const std::string& app_key, std::vector<std::string> extra = {});
    std::string base() const { return "http://127.0.0.1:" + std::to_string(port); }
    std::string log() const { return proc->log(); }
};

/// Runs the tsm-touchpoint binary once (bounded: 90 s) with `args`; its exit code (nullopt:
/// timed out) and output.
std::pair<std::optional<int>, std::string> run_touchpoint_binary(const temp_dir& dir,
                                                                 std::vector<std::string> args);

/// A touch-point driver run in-process: its exit code and what it wrote.
struct touchpoint_run {
    int code = 0;
    std::string out;
    std::string err;
};

/// Runs the touch-point driver in this process on `card` against `ws_url` (bounded: 90 s).
/// On time-out `stop_servers` must take the server side away (which unblocks the driver), and
/// the test fails with "<what> timed out".
touchpoint_run run_touchpoint_in_process(const tools::touchpoint::touchpoint_options& options,
                                         tools::touchpoint::virtual_card& card, const std::string& ws_url,
                                         const std::function<void()>& stop_servers, const std::string& what);

} // namespace tsm::test
