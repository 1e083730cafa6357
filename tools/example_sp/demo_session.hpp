#pragma once
/// The demo service's delivery workflow for one session: SELECT the ISD and read the CPLC, read
/// the CIN, then report completion. Runs on its own worker thread and blocks on the callbacks.
#include "example_sp/session_steps.hpp"

#include <string>

namespace tsm::tools::example_sp {

/// Runs the demo for `session_id` and always ends the session with /service/completed.
/// Returns the success flag it reported.
bool run_demo_session(const demo_context& ctx, const std::string& session_id);

} // namespace tsm::tools::example_sp
