#pragma once
/// The demo service's delivery workflow for one session: SELECT the ISD and read the CPLC, read
/// the CIN, then report completion. Runs on its own worker thread and blocks on the callbacks.
#include "example_sp/operation_waiter.hpp"
#include "example_sp/step_log.hpp"
#include "example_sp/tsm_api_client.hpp"

#include <chrono>
#include <string>

namespace tsm::tools::example_sp {

struct demo_context {
    const tsm_api_client& api;
    operation_waiter& waiter;
    step_log& log;
    std::string public_url; ///< base of our callback URLs
    std::chrono::milliseconds operation_timeout{60000};
};

/// Runs the demo for `session_id` and always ends the session with /service/completed.
/// Returns the success flag it reported.
bool run_demo_session(const demo_context& ctx, const std::string& session_id);

} // namespace tsm::tools::example_sp
