#include "tsm/transport/touch_point/v1/codec.hpp"

namespace tsm::transport::touch_point::v1 {

core::api_result<message> codec::decode(std::string_view frame) const {
    return v1::decode(frame, limits_);
}

std::string codec::commands(std::uint64_t batch_number, std::string_view operation_id,
                            const core::apdu_batch& batch) const {
    return frames::commands(batch_number, operation_id, batch);
}

std::string codec::description(std::string_view app_id, std::string_view service_id,
                               std::string_view description_json) const {
    return frames::description(app_id, service_id, description_json);
}

std::string codec::session(std::string_view session_id, std::string_view resume_token) const {
    return frames::session(session_id, resume_token);
}

std::string codec::resumed(std::string_view session_id) const {
    return frames::resumed(session_id);
}

std::string codec::error(const core::api_error& error) const {
    return frames::error(error);
}

std::string codec::user_interaction(std::string_view operation_id, const core::prompt& p) const {
    return frames::user_interaction(operation_id, p);
}

std::string codec::final_status(std::string_view final_status_json) const {
    return std::string(final_status_json);
}

} // namespace tsm::transport::touch_point::v1
