#pragma once
/// frame_channel over a Beast WebSocket client (ws:// only). Blocking API built on async
/// operations so that connect, handshake and idle liveness are all bounded by timeouts.
#include "touchpoint/frame_channel.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tsm::tools::touchpoint {

struct ws_channel_options {
    std::chrono::milliseconds connect_timeout{10000};
    /// No frame and no pong for this long: the connection is considered lost. Pings are sent at
    /// half this interval, so a server that is only slow (waiting on its SP) keeps us connected.
    std::chrono::milliseconds idle_timeout{30000};
    /// Extra headers on the upgrade request (the Fidesmo dialect sends its client headers).
    std::vector<std::pair<std::string, std::string>> headers;
};

/// Connects to `url` (ws://host[:port]/path[?query]). nullptr and `error` set on failure.
std::unique_ptr<frame_channel> connect_ws(const std::string& url, const ws_channel_options& opts,
                                          std::string& error);

} // namespace tsm::tools::touchpoint
