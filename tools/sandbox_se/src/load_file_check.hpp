#pragma once
// The check of a load file reassembled from LOAD blocks, before INSTALL [for install].
#include "gp_apdu.hpp"

#include <string_view>
#include <vector>

namespace tsm::sandbox::detail {

/// The outcome: sw::ok with the Load File Data Block and the executable module AIDs, or the
/// status word to answer.
struct load_check {
    std::uint16_t sw = sw::ok;
    bytes lfdb;
    std::vector<bytes> modules;
};

// Checks a reassembled load file: [E2 DAP blocks] C4 <BER len> LFDB, the length exact, the LFDB a
// sequence of CAP components starting with a Header (DECAFFED) naming `elf_aid`; collects the
// executable module AIDs from the Applet component; checks the hash of INSTALL [for load].
load_check check_load_file(std::string_view file, std::string_view elf_aid, std::string_view hash);

} // namespace tsm::sandbox::detail
