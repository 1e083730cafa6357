#include "net_clients.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/test/unit_test.hpp>

namespace tsm::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

boost::json::value http_reply::json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    return ec ? boost::json::value() : v;
}

http_reply http_call(unsigned short port, const std::string& method, const std::string& target,
                     const header_list& headers, const std::string& body, std::chrono::milliseconds timeout) {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    http_reply out;
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) {
        req.set(k, v);
    }
    if (!body.empty() || method == "POST" || method == "PUT") {
        if (req.find(http::field::content_type) == req.end()) {
            req.set(http::field::content_type, "application/json");
        }
        req.body() = body;
        req.prepare_payload();
    }
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    stream.expires_after(timeout);
    stream.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
        if (ec) {
            return;
        }
        http::async_write(stream, req, [&](beast::error_code ec2, std::size_t) {
            if (ec2) {
                return;
            }
            http::async_read(stream, buf, parser, [&](beast::error_code ec3, std::size_t) {
                if (ec3) {
                    return;
                }
                auto& res = parser.get();
                out.status = static_cast<int>(res.result_int());
                out.body = res.body();
                for (const auto& f : res) {
                    std::string name(f.name_string());
                    for (auto& c : name) {
                        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                    }
                    out.headers[name] = std::string(f.value());
                }
            });
        });
    });
    ioc.run_for(timeout + 1s);
    return out;
}

ws_client::ws_client(unsigned short port, const std::string& path) : ws_(ioc_) {
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    ws_.handshake("127.0.0.1", path);
}

ws_client::~ws_client() {
    if (!closed_) {
        beast::error_code ec;
        beast::get_lowest_layer(ws_).socket().close(ec);
    }
}

void ws_client::send(const std::string& text) {
    if (closed_) {
        return;
    }
    ws_.text(true);
    bool written = false;
    ws_.async_write(net::buffer(text), [&](beast::error_code, std::size_t) { written = true; });
    ioc_.restart();
    // Runs until the write completes; a pending read may complete meanwhile (kept for read()).
    while (!written && ioc_.run_one_for(5s) > 0) {
    }
}

std::optional<std::string> ws_client::read(std::chrono::milliseconds timeout) {
    if (closed_) {
        return std::nullopt;
    }
    if (!reading_) {
        reading_ = true;
        read_done_ = false;
        read_buf_.clear();
        ws_.async_read(read_buf_, [this](beast::error_code ec, std::size_t) {
            read_done_ = true;
            read_ec_ = ec;
        });
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!read_done_) {
        ioc_.restart();
        auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::nanoseconds(0) || ioc_.run_one_for(left) == 0) {
            if (read_done_) {
                break;
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                return std::nullopt; // the read stays pending for the next call
            }
        }
    }
    reading_ = false;
    if (read_ec_) {
        closed_ = true;
        close_code_ = ws_.reason().code;
        return std::nullopt;
    }
    return beast::buffers_to_string(read_buf_.data());
}

std::optional<boost::json::object> ws_client::read_json(std::chrono::milliseconds timeout) {
    auto text = read(timeout);
    if (!text) {
        return std::nullopt;
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(*text, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    return v.as_object();
}

std::optional<boost::json::object> ws_client::read_type(const std::string& type,
                                                        std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline
                                                                          - std::chrono::steady_clock::now());
        auto m = read_json(left);
        if (!m) {
            return std::nullopt;
        }
        const bool typed = m->contains("type") && (*m)["type"].is_string();
        if (typed && (*m)["type"].as_string() == type) {
            return m;
        }
        if (typed && (*m)["type"].as_string() == "error") {
            BOOST_ERROR("unexpected error frame while waiting for '" << type
                                                                     << "': " << boost::json::serialize(*m));
        }
        skipped.push_back(std::move(*m));
    }
    return std::nullopt;
}

void ws_client::drop() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).socket().close(ec);
    closed_ = true;
}

void ws_client::close(unsigned code) {
    beast::error_code ec;
    ws_.close(websocket::close_reason(static_cast<websocket::close_code>(code)), ec);
    closed_ = true;
}

} // namespace tsm::test
