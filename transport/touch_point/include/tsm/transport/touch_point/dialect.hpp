#pragma once
/// One touch-point protocol ("dialect"): the WebSocket paths it is served on, how its frames decode
/// into messages and how the server's answers are rendered. The gateway speaks to connections only
/// through a dialect and keeps each connection's own, so several protocols (v1/, fidesmo_ws/) are
/// served side by side, each on its own paths. Implementations are stateless: any thread.
#include "tsm/transport/touch_point/message.hpp"

#include "tsm/core/api_error.hpp"
#include "tsm/core/operation.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::transport::touch_point {

class dialect {
public:
    virtual ~dialect() = default;

    /// The WebSocket path patterns this dialect is served on (transport::ws_path_matches), e.g.
    /// "/touchpoint/v1". No two dialects of one gateway may match the same path.
    virtual std::vector<std::string> paths() const = 0;

    /// What opening a connection on `target` (path and query) asks for: nothing (the touch point
    /// speaks first, as in v1), or a message handled as if it were the connection's first frame
    /// (the Fidesmo WebSocket URL names the delivery). An error refuses the connection: it gets
    /// the error frame and is closed with close_after_error().
    [[nodiscard]] virtual core::api_result<std::optional<message>> opening(std::string_view target) const {
        (void)target;
        return std::optional<message>{};
    }

    /// One text frame from the touch point. Errors are api_errc::bad_request with a message for
    /// the touch point.
    [[nodiscard]] virtual core::api_result<message> decode(std::string_view frame) const = 0;

    /// The protocol has no stopOnError: its touch points run every command of a batch
    /// (core::connection_ref::runs_every_command).
    virtual bool runs_every_command() const noexcept { return false; }
    /// The close code that follows an error frame; 0: the connection stays open (v1's errors are
    /// answers, a Fidesmo status frame ends the exchange). When not 0 (here or in
    /// close_after_bad_frame), the session the connection carries is failed as on CLIENT_ERROR:
    /// its touch point has taken the error as the end and will not come back for it.
    virtual std::uint16_t close_after_error() const noexcept { return 0; }
    /// The close code that follows the error frame for a frame decode() refused; 0: stays open.
    virtual std::uint16_t close_after_bad_frame() const noexcept { return 0; }

    // Renderers. An empty string: the dialect has no such frame (nothing is sent).
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
    /// A prompt for the user (user-interaction / user-action). Only sent on connections whose
    /// deliver or resume message set `prompts`; dialects without such a step keep the default.
    virtual std::string user_interaction(std::string_view operation_id, const core::prompt& p) const {
        (void)operation_id;
        (void)p;
        return {};
    }
};

} // namespace tsm::transport::touch_point
