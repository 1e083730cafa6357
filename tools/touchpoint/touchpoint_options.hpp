#pragma once
/// tsm-touchpoint's command line as a value, and its parser. The card identity defaults match
/// the simulated card so that a bare invocation is a consistent demo.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tsm::tools::touchpoint {

/// Process exit codes, also the result of touchpoint_driver::run().
enum exit_code : int {
    exit_ok = 0,         ///< status OK with success true
    exit_failed = 1,     ///< delivery failed: status FAILED/success false, or an error frame
    exit_usage = 2,      ///< bad command line
    exit_connection = 3, ///< could not connect, or lost the connection beyond --max-reconnects
    exit_protocol = 4,   ///< the server sent something this client cannot understand
};

struct touchpoint_options {
    std::string url;
    std::string app_id;
    std::string service_id;
    std::string iin_hex = "8A2C10";
    std::string cin_hex = "0E48800471400A";
    int platform_version = 2;
    std::vector<std::pair<std::string, std::string>> fields;
    std::string card_kind = "sim";
    bool trace_apdu = false;
    int max_reconnects = 3;
};

struct touchpoint_parse_result {
    std::optional<touchpoint_options> options;
    bool help = false;
    std::string error;
};

touchpoint_parse_result parse_touchpoint_args(const std::vector<std::string>& args);
const char* touchpoint_usage();

} // namespace tsm::tools::touchpoint
