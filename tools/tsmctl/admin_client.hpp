#pragma once
/// Turns a tsmctl_command into one admin API HTTP call and reports the outcome as tsmctl's exit
/// code. Stateless; safe to call from any thread.
#include "tsmctl/sync_http_client.hpp"
#include "tsmctl/tsmctl_command.hpp"

#include <iosfwd>
#include <string>
#include <vector>

namespace tsm::tools::tsmctl {

/// The HTTP request for `cmd` (method, absolute URL, Authorization header, JSON body).
sync_http_request build_admin_request(const tsmctl_command& cmd);

/// Runs `cmd`: prints the response JSON to `out`, errors to `err`. Returns 0 on 2xx, else 1.
/// Nothing printed ever contains the command's key material or token (see redact_secrets).
int run_admin_command(const tsmctl_command& cmd, std::ostream& out, std::ostream& err);

/// `text` with every occurrence (any case) of cmd's enc/mac/dek, DESFire key, app key and token
/// replaced by "<redacted>" (values of 8 characters or more; card keys always are).
std::string redact_secrets(std::string text, const tsmctl_command& cmd);

/// The whole program: parses `args` (argv[1..]) with the environment values, runs the command
/// and returns the exit code: 0 success, 1 request failed, 2 usage error (or --help: 0).
int tsmctl_main(const std::vector<std::string>& args, const std::string& env_admin_url,
                const std::string& env_token, std::ostream& out, std::ostream& err);

} // namespace tsm::tools::tsmctl
