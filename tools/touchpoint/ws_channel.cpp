#include "touchpoint/ws_channel.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/url/parse.hpp>

namespace tsm::tools::touchpoint {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

class ws_channel final : public frame_channel {
public:
    ws_channel() : ws_(ioc_) {}

    bool open(const std::string& url, const ws_channel_options& opts, std::string& error) {
        auto parsed = boost::urls::parse_uri(url);
        if (!parsed || parsed->scheme() != "ws" || parsed->host_address().empty()) {
            error = "invalid touch-point URL (expected ws://host:port/path): " + url;
            return false;
        }
        std::string host = parsed->host_address();
        std::string port = parsed->has_port() ? std::string(parsed->port()) : "80";
        std::string target = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
        if (parsed->has_query()) {
            target += "?" + std::string(parsed->encoded_query());
        }

        net::ip::tcp::resolver resolver(ioc_);
        beast::error_code ec;
        auto endpoints = resolver.resolve(host, port, ec);
        if (ec) {
            error = "resolve " + host + ": " + ec.message();
            return false;
        }
        auto& tcp = beast::get_lowest_layer(ws_);
        tcp.expires_after(opts.connect_timeout);
        bool done = false;
        tcp.async_connect(endpoints, [&](beast::error_code e, const auto&) {
            ec = e;
            done = true;
        });
        run_until(done);
        if (ec) {
            error = "connect " + url + ": " + ec.message();
            return false;
        }
        // The stream-level deadline must be off once the WebSocket has its own timeouts (Beast
        // websocket docs, "Timeouts").
        tcp.expires_never();
        websocket::stream_base::timeout t{};
        t.handshake_timeout = opts.connect_timeout;
        t.idle_timeout = opts.idle_timeout;
        t.keep_alive_pings = true;
        ws_.set_option(t);
        if (!opts.headers.empty()) {
            ws_.set_option(
                websocket::stream_base::decorator([headers = opts.headers](websocket::request_type& req) {
                    for (const auto& [name, value] : headers) {
                        req.set(name, value);
                    }
                }));
        }
        ws_.read_message_max(4 * 1024 * 1024);
        ws_.text(true);
        done = false;
        ws_.async_handshake(host + ":" + port, target, [&](beast::error_code e) {
            ec = e;
            done = true;
        });
        run_until(done);
        if (ec) {
            error = "WebSocket handshake " + url + ": " + ec.message();
            return false;
        }
        return true;
    }

    bool read(std::string& frame, std::string& error) override {
        buffer_.clear();
        beast::error_code ec;
        bool done = false;
        ws_.async_read(buffer_, [&](beast::error_code e, std::size_t) {
            ec = e;
            done = true;
        });
        run_until(done);
        if (ec) {
            error = ec == websocket::error::closed ? "connection closed by server" : ec.message();
            return false;
        }
        frame = beast::buffers_to_string(buffer_.data());
        return true;
    }

    bool write(std::string_view frame, std::string& error) override {
        beast::error_code ec;
        bool done = false;
        ws_.async_write(net::buffer(frame.data(), frame.size()), [&](beast::error_code e, std::size_t) {
            ec = e;
            done = true;
        });
        run_until(done);
        if (ec) {
            error = ec.message();
            return false;
        }
        return true;
    }

    void close() override {
        if (!ws_.is_open()) {
            return;
        }
        bool done = false;
        ws_.async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
        run_until(done);
    }

private:
    // run_one, not run: Beast keeps a timer and ping writes pending between our operations, so
    // run() would not return when our own operation completes.
    void run_until(const bool& done) {
        ioc_.restart();
        while (!done) {
            if (ioc_.run_one() == 0) {
                break; // nothing left to run; cannot happen while our operation is pending
            }
        }
    }

    net::io_context ioc_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
};

} // namespace

std::unique_ptr<frame_channel> connect_ws(const std::string& url, const ws_channel_options& opts,
                                          std::string& error) {
    auto ch = std::make_unique<ws_channel>();
    if (!ch->open(url, opts, error)) {
        return nullptr;
    }
    return ch;
}

} // namespace tsm::tools::touchpoint
