#pragma once
/// example_sp's command line as a value, and its parser.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tsm::tools::example_sp {

struct sp_options {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 0;
    std::string tsm_url;
    std::string app_id;
    std::string app_key;
    std::string public_url; ///< empty: http://{bound address}
    std::chrono::milliseconds operation_timeout{60000};
    /// --key-file: the RSA private key (PEM) of the "pin" service; empty: generated at start.
    std::string key_file;
    /// Tests only (no flag): sees each PIN the "pin" service decrypted, before it is wiped.
    std::function<void(const std::string&)> pin_observer;
    std::string cap_path; ///< --cap: CAP file uploaded at start for the "hello" service; empty: no "hello"
};

struct sp_parse_result {
    std::optional<sp_options> options;
    bool help = false;
    std::string error;
};

sp_parse_result parse_sp_args(const std::vector<std::string>& args);
const char* sp_usage();

} // namespace tsm::tools::example_sp
