#include "tsm/transport/touch_point/fidesmo_ws/codec.hpp"

namespace tsm::transport::touch_point::fidesmo_ws {

core::api_result<std::optional<message>> codec::opening(std::string_view target) const {
    auto m = fidesmo_ws::opening(target);
    if (!m) {
        return m.error();
    }
    return std::optional<message>(std::move(*m));
}

core::api_result<message> codec::decode(std::string_view frame) const {
    return fidesmo_ws::decode(frame, limits_);
}

std::string codec::commands(std::uint64_t, std::string_view, const core::apdu_batch& batch) const {
    return frames::commands(batch);
}

std::string codec::description(std::string_view, std::string_view, std::string_view) const {
    return {};
}

std::string codec::session(std::string_view session_id, std::string_view) const {
    return frames::id(session_id);
}

std::string codec::resumed(std::string_view) const {
    return {};
}

std::string codec::error(const core::api_error& error) const {
    return frames::error(error);
}

std::string codec::final_status(std::string_view final_status_json) const {
    return frames::final_status(final_status_json);
}

} // namespace tsm::transport::touch_point::fidesmo_ws
