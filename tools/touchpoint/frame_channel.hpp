#pragma once
/// One touch-point connection as a sequence of text frames. The driver only sees this interface,
/// so tests can script a server and ws_channel stays the only WebSocket code.
/// Blocking calls; used by one thread.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace tsm::tools::touchpoint {

class frame_channel {
public:
    virtual ~frame_channel() = default;
    /// Next text frame into `frame`. False when the connection is lost; `error` says why.
    virtual bool read(std::string& frame, std::string& error) = 0;
    /// Sends one text frame. False when the connection is lost.
    virtual bool write(std::string_view frame, std::string& error) = 0;
    /// Best-effort orderly close.
    virtual void close() = 0;
};

/// Opens a new connection, or returns nullptr and fills `error`.
using channel_factory = std::function<std::unique_ptr<frame_channel>(std::string& error)>;

} // namespace tsm::tools::touchpoint
