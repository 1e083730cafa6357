#pragma once
/// One accepted TCP connection speaking HTTP/1.1 with keep-alive. Lives on the shard that
/// accepted it; the handler's responder may finish a request from any thread. One request at a
/// time: the next request is read only after the response has been written. A WebSocket upgrade
/// hands the socket to a ws_connection and ends this object.
#include "listener.hpp"

#include "tsm/transport/http_types.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace tsm::transport {

class http_connection : public std::enable_shared_from_this<http_connection> {
public:
    /// `reject`: the shard is full; read one request, answer 503 and close.
    http_connection(std::shared_ptr<server_shard> shard, boost::asio::ip::tcp::socket socket, bool reject);
    ~http_connection();
    http_connection(const http_connection&) = delete;
    http_connection& operator=(const http_connection&) = delete;

    void start();
    /// stop_accepting(): closes the connection if it is waiting for a request; a connection
    /// busy with a request closes after writing the response. Shard thread.
    void stop_if_idle();
    /// Called (on the shard thread) with the handler's response.
    void respond(http_response res);

private:
    enum class state : std::uint8_t { reading, handling, writing, closing };

    void do_read();
    void on_read(boost::system::error_code ec, std::size_t n);
    void handle_request();
    void upgrade(boost::beast::http::request<boost::beast::http::string_body> req);
    void write_error(core::api_errc code, std::string message);
    void do_write(http_response res, bool keep_alive);
    void on_write(boost::system::error_code ec, std::size_t n);
    void do_linger();
    void on_linger(boost::system::error_code ec, std::size_t n);
    void close();

    std::shared_ptr<server_shard> shard_;
    connection_slot slot_;
    http_connection_node node_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::optional<boost::beast::http::response<boost::beast::http::string_body>> res_;
    std::string remote_;
    unsigned version_ = 11;
    std::size_t lingered_ = 0;
    state state_ = state::reading;
    bool keep_alive_ = true;
    bool reject_ = false;
};

} // namespace tsm::transport
