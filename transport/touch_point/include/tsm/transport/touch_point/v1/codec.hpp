#pragma once
/// Touch-point protocol v1 (docs/touchpoint-protocol.md): the decoder of client frames and the
/// renderers of server frames, over the one JSON mechanism (transport/json_reader.hpp) and
/// core::json_writer. Pure functions: any thread (the decoder uses the calling thread's parser).
#include "tsm/transport/touch_point/dialect.hpp"
#include "tsm/transport/touch_point/message.hpp"

#include "tsm/core/api_error.hpp"
#include "tsm/core/operation.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::transport::touch_point::v1 {

inline constexpr std::string_view path = "/touchpoint/v1";
/// The feature a client announces in deliver/resume `features` when it answers user-interaction
/// and user-action frames.
inline constexpr std::string_view feature_user_interaction = "user-interaction";

/// Decodes and checks one client frame: describe, deliver, responses, resume, user-input or
/// status CLIENT_ERROR. Members not listed in the protocol are ignored.
[[nodiscard]] core::api_result<message> decode(std::string_view frame, const limits& lim);

namespace frames {
std::string commands(std::uint64_t batch_number, std::string_view operation_id,
                     const core::apdu_batch& batch);
std::string description(std::string_view app_id, std::string_view service_id,
                        std::string_view description_json);
std::string session(std::string_view session_id, std::string_view resume_token);
std::string resumed(std::string_view session_id);
std::string error(const core::api_error& error);
/// {"type":"user-interaction","operationId","fields":[…],"encrypted":bool} or
/// {"type":"user-action","operationId","actions":[…]}.
std::string user_interaction(std::string_view operation_id, const core::prompt& p);
} // namespace frames

/// Protocol v1 as a dialect, with its limits.
class codec final : public dialect {
public:
    explicit codec(limits lim = {}) : limits_(lim) {}

    std::string_view path() const noexcept { return v1::path; }
    std::vector<std::string> paths() const override { return {std::string(v1::path)}; }
    [[nodiscard]] core::api_result<message> decode(std::string_view frame) const override;
    std::string commands(std::uint64_t batch_number, std::string_view operation_id,
                         const core::apdu_batch& batch) const override;
    std::string description(std::string_view app_id, std::string_view service_id,
                            std::string_view description_json) const override;
    std::string session(std::string_view session_id, std::string_view resume_token) const override;
    std::string resumed(std::string_view session_id) const override;
    std::string error(const core::api_error& error) const override;
    /// v1 sends the persisted frame verbatim.
    std::string final_status(std::string_view final_status_json) const override;
    std::string user_interaction(std::string_view operation_id, const core::prompt& p) const override;

private:
    limits limits_;
};

} // namespace tsm::transport::touch_point::v1
