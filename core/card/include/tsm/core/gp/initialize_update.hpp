#pragma once
/// INITIALIZE UPDATE command, the first step of both SCP02 and SCP03 (GPCS 11.9 / AmdD 7.1).
#include "tsm/core/gp/errc.hpp"
#include "tsm/core/hex.hpp"

#include <cstdint>
#include <string_view>

namespace tsm::core::gp {

/// `80 50 kvn 00 Lc host_challenge 00`; kvn 00 = first available key set.
/// errc::bad_length unless the host challenge is 8 bytes (16 for SCP03 S16).
result<tsm::core::bytes> initialize_update_command(std::uint8_t kvn, std::string_view host_challenge);

} // namespace tsm::core::gp
