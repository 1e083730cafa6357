#pragma once
/// One touch-point protocol ("dialect"): how its frames decode into messages and how the server's
/// answers are rendered. The gateway speaks to connections only through a dialect, so a second
/// protocol (e.g. the Fidesmo client protocol, beside v1/) is one more implementation of this
/// interface, served on its own WebSocket path. Implementations are stateless: any thread.
#include "tsm/transport/touch_point/message.hpp"

#include "tsm/core/api_error.hpp"
#include "tsm/core/operation.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tsm::transport::touch_point {

class dialect {
public:
    virtual ~dialect() = default;

    /// The WebSocket path this dialect is served on, e.g. "/touchpoint/v1".
    virtual std::string_view path() const noexcept = 0;

    /// One text frame from the touch point. Errors are api_errc::bad_request with a message for
    /// the touch point.
    [[nodiscard]] virtual core::api_result<message> decode(std::string_view frame) const = 0;

    virtual std::string commands(std::uint64_t batch_number, std::string_view operation_id,
                                 const core::apdu_batch& batch) const = 0;
    virtual std::string description(std::string_view app_id, std::string_view service_id,
                                    std::string_view description_json) const = 0;
    virtual std::string session(std::string_view session_id, std::string_view resume_token) const = 0;
    virtual std::string resumed(std::string_view session_id) const = 0;
    virtual std::string error(const core::api_error& error) const = 0;
    /// The final status from its persisted form (session_record::final_status_json, which is a
    /// v1 status frame: core renders it so that it can be stored).
    virtual std::string final_status(std::string_view final_status_json) const = 0;
};

} // namespace tsm::transport::touch_point
