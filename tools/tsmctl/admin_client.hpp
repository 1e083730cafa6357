#pragma once
/// Turns a tsmctl_command into one admin API HTTP call and reports the outcome as tsmctl's exit
/// code. Stateless; safe to call from any thread.
#include "tsmctl/sync_http_client.hpp"
#include "tsmctl/tsmctl_command.hpp"

#include <iosfwd>

namespace tsm::tools::tsmctl {

/// The HTTP request for `cmd` (method, absolute URL, Authorization header, JSON body).
sync_http_request build_admin_request(const tsmctl_command& cmd);

/// Runs `cmd`: prints the response JSON to `out`, errors to `err`. Returns 0 on 2xx, else 1.
int run_admin_command(const tsmctl_command& cmd, std::ostream& out, std::ostream& err);

} // namespace tsm::tools::tsmctl
