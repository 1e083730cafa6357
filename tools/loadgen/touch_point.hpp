#pragma once
/// A simulated touch point: one WebSocket to tsmd, delivers one session, then answers every
/// `commands` batch at once. A /transceive batch (its first APDU carries the harness's sequence
/// number) gets SW 9000 per APDU (a card that always succeeds), and the POST -> commands-frame
/// latency is recorded from that sequence number. A CCM batch (ccm-install/mixed scenarios) is
/// executed by a sandbox GlobalPlatform card (tsm::sandbox::secure_element, GP test keys),
/// honouring stopOnError. Each CCM operation gets a factory-fresh card, so every install is a
/// first install with its full LOAD; the operation is identified once the card has created the
/// instance, whose AID ends with the sequence number, and its push latency is then recorded from
/// the arrival of the operation's first frame.
#include "tsm/sandbox/secure_element.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::tools::loadgen {

class worker;

/// First APDU of every operation: GET DATA with the 8-byte sequence number as data.
std::string tagged_apdu(std::uint64_t seq);
/// The sequence number from a tagged APDU (hex, either case); false if it is not one.
bool parse_tag(std::string_view apdu_hex, std::uint64_t& seq);
/// The CIN (16 hex digits) of touch point `session`'s card: 0E48 + the index.
std::string card_cin(std::uint32_t session);
/// The card keys registered for every touch point's CIN (GP test keys 40..4F, SCP03, kvn 0x30).
inline constexpr const char* card_key_hex = "404142434445464748494A4B4C4D4E4F";

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
    /// Runs a CCM batch on the sandbox card and answers it.
    void on_ccm_batch(std::int64_t now, std::int64_t batch, std::string_view operation_id,
                      bool stop_on_error);

    worker& w_;
    std::uint32_t session_;
    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    boost::beast::flat_buffer buf_;
    std::deque<std::string> out_;
    bool writing_ = false;
    bool has_session_ = false;
    bool dead_ = false;
    std::function<void(bool)> ready_;
    std::vector<std::string_view> cmds_;                 ///< the current frame's commands (valid in on_frame)
    std::unique_ptr<tsm::sandbox::secure_element> card_; ///< CCM: the card of the current operation
    std::string card_op_;                                ///< its operationId
    std::int64_t card_op_t0_ = 0;                        ///< arrival of its first frame
    bool card_op_found_ = false;                         ///< its sequence number is known (instance created)
};

} // namespace tsm::tools::loadgen
