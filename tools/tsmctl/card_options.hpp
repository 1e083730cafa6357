#pragma once
/// tsmctl's `cards put|get|delete` and `iins put|get|delete`: the key parts (GlobalPlatform,
/// DESFire) and the device description, read from options and key files into the command.
#include "tsmctl/tsmctl_command.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tsm::tools::tsmctl {

/// A parse_result carrying only `msg` as its error.
inline parse_result usage_error(std::string msg) {
    parse_result r;
    r.error = std::move(msg);
    return r;
}

/// True for the device-description options of `cards put` (--platform-version, --cplc, ...).
bool is_device_option(std::string_view o);

/// Completes `cmd` for a cards/iins command from its positional words and the card options (in
/// order, with their values).
parse_result parse_keys_command(tsmctl_command cmd, const std::vector<std::string>& positional,
                                const std::vector<std::string>& options,
                                const std::vector<std::string>& values);

} // namespace tsm::tools::tsmctl
