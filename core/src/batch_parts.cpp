#include "tsm/core/batch_parts.hpp"

namespace tsm::core::batch_parts {

bool is_failure(const bytes& response) noexcept {
    if (response.size() < 2) {
        return true;
    }
    const auto sw1 = static_cast<unsigned char>(response[response.size() - 2]);
    const auto sw2 = static_cast<unsigned char>(response[response.size() - 1]);
    return !((sw1 == 0x90 && sw2 == 0x00) || sw1 == 0x61);
}

std::size_t part_end(const apdu_batch& batch, std::size_t begin, bool runs_every_command) noexcept {
    const std::size_t size = batch.commands.size();
    if (!runs_every_command || !batch.stop_on_error) {
        return size;
    }
    for (const std::size_t point : batch.continue_points) {
        if (point >= begin && point < size) {
            return point + 1;
        }
    }
    return size;
}

void keep_until_failure(std::vector<bytes>& responses) {
    for (std::size_t i = 0; i < responses.size(); ++i) {
        if (is_failure(responses[i])) {
            responses.resize(i + 1);
            return;
        }
    }
}

} // namespace tsm::core::batch_parts
