#pragma once
/// Real network clients for the integration tests: a blocking HTTP/1.1 call and a WebSocket
/// touch-point client, both bounded by timeouts so a broken server fails a test instead of
/// hanging it. Loopback only.
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tsm::test {

using namespace std::chrono_literals;

struct http_reply {
    int status = 0; ///< 0: transport failure or timeout
    std::string body;
    std::map<std::string, std::string> headers; ///< lower-case names
    boost::json::value json() const;            ///< parsed body (null when not JSON)
};

using header_list = std::vector<std::pair<std::string, std::string>>;

http_reply http_call(unsigned short port, const std::string& method, const std::string& target,
                     const header_list& headers = {}, const std::string& body = {},
                     std::chrono::milliseconds timeout = 10s);

/// One WebSocket connection to tsmd's touch-point endpoint.
class ws_client {
public:
    explicit ws_client(unsigned short port, const std::string& path = "/touchpoint/v1");
    ~ws_client();

    void send(const std::string& text);
    void send_json(const boost::json::value& v) { send(boost::json::serialize(v)); }
    /// Next text message, or nullopt on timeout or close.
    std::optional<std::string> read(std::chrono::milliseconds timeout = 5s);
    /// Next message parsed; nullopt on timeout/close/not JSON.
    std::optional<boost::json::object> read_json(std::chrono::milliseconds timeout = 5s);
    /// Reads until a message of `type` arrives (others are collected in `skipped`). An `error`
    /// frame set aside on the way fails the test: no stray error may go unnoticed.
    std::optional<boost::json::object> read_type(const std::string& type,
                                                 std::chrono::milliseconds timeout = 5s);
    bool closed() const noexcept { return closed_; }
    unsigned close_code() const noexcept { return close_code_; }
    /// Drops the TCP connection without a close handshake (a touch point losing its link).
    void drop();
    void close(unsigned code = 1000);

    /// Frames read_type set aside (other types than the one awaited), in arrival order.
    std::vector<boost::json::object> skipped;

private:
    boost::asio::io_context ioc_;
    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    bool closed_ = false;
    unsigned close_code_ = 0;
    bool reading_ = false;
    bool read_done_ = false;
    boost::system::error_code read_ec_;
    boost::beast::flat_buffer read_buf_;
};

} // namespace tsm::test
