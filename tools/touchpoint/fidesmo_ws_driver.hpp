#pragma once
/// `tsm-touchpoint --protocol fidesmo-ws`: one service delivery over the Fidesmo WebSocket
/// dialect (the Fidesmo client protocol, section 4). The URL names the delivery; the client
/// never sends a first message: it answers each `commands` with `responses` (lower-case hex,
/// every command run whatever its SW) until the terminal `status`, then closes with 1000. A
/// lost card or an undecodable frame is answered with status CLIENT_ERROR and a close.
/// Synchronous; one run() per instance.
#include "touchpoint/card.hpp"
#include "touchpoint/frame_channel.hpp"
#include "touchpoint/touchpoint_options.hpp"

#include <iosfwd>
#include <optional>
#include <string>

namespace tsm::tools::touchpoint {

/// `<base>/ws/apps/{app}/services/{service}?cin=<cin>` plus one query parameter per field
/// (percent-encoded). `base` is ws://... or http://... (turned into ws://); a trailing / is
/// added. nullopt with `error` set for another scheme.
std::optional<std::string> fidesmo_ws_url(const touchpoint_options& opts, const std::string& cin_hex,
                                          std::string& error);

class fidesmo_ws_driver {
public:
    fidesmo_ws_driver(touchpoint_options opts, card& c, channel_factory connect, std::ostream& out,
                      std::ostream& err);

    /// Runs the whole delivery; returns an exit_code.
    int run();

    const std::string& session_id() const { return session_id_; }

private:
    int client_error(const std::string& message, int code);

    touchpoint_options opts_;
    card& card_;
    channel_factory connect_;
    std::ostream& out_;
    std::ostream& err_;
    std::unique_ptr<frame_channel> ch_;
    std::string session_id_;
};

} // namespace tsm::tools::touchpoint
