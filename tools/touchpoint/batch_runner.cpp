#include "touchpoint/batch_runner.hpp"

#include "tsm/core/hex.hpp"

#include <ostream>

namespace tsm::tools::touchpoint {

bool is_success_sw(std::string_view response) noexcept {
    if (response.size() < 2) {
        return false; // no status word at all: the card misbehaved
    }
    auto sw1 = static_cast<unsigned char>(response[response.size() - 2]);
    auto sw2 = static_cast<unsigned char>(response[response.size() - 1]);
    return (sw1 == 0x90 && sw2 == 0x00) || sw1 == 0x61;
}

std::vector<std::string> run_batch(card& c, const std::vector<std::string>& commands, bool stop_on_error,
                                   std::ostream* trace) {
    std::vector<std::string> responses;
    responses.reserve(commands.size());
    for (const auto& cmd : commands) {
        if (trace) {
            *trace << "> " << core::to_hex(cmd) << "\n";
        }
        responses.push_back(c.transceive(cmd));
        if (trace) {
            *trace << "< " << core::to_hex(responses.back()) << "\n";
        }
        if (stop_on_error && !is_success_sw(responses.back())) {
            break;
        }
    }
    return responses;
}

} // namespace tsm::tools::touchpoint
