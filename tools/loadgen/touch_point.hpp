#pragma once
/// A simulated touch point: one WebSocket to tsmd, delivers one session, then answers every
/// `commands` batch at once with SW 9000 per APDU (a card that always succeeds). Records the
/// POST -> commands-frame latency from the sequence number carried in the first APDU.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

namespace tsm::tools::loadgen {

class worker;

/// First APDU of every operation: GET DATA with the 8-byte sequence number as data.
std::string tagged_apdu(std::uint64_t seq);
/// The sequence number from a tagged APDU (hex, either case); false if it is not one.
bool parse_tag(std::string_view apdu_hex, std::uint64_t& seq);

class touch_point {
public:
    touch_point(worker& w, std::uint32_t session);

    /// Connects, delivers, and calls `ready(true)` once the session frame arrived
    /// (`ready(false)` on failure). Runs on the worker's thread.
    void start(std::function<void(bool)> ready);
    bool has_session() const { return has_session_; }
    std::uint32_t session() const { return session_; }

private:
    void fail(const char* what, bool count_ws_error = true);
    void read_next();
    void on_frame(std::size_t n);
    void send(std::string frame);
    void write_next();

    worker& w_;
    std::uint32_t session_;
    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    boost::beast::flat_buffer buf_;
    std::deque<std::string> out_;
    bool writing_ = false;
    bool has_session_ = false;
    bool dead_ = false;
    std::function<void(bool)> ready_;
};

} // namespace tsm::tools::loadgen
