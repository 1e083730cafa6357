#include "example_sp/http_listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <chrono>
#include <exception>
#include <iostream>
#include <thread>

namespace tsm::tools {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// Exceptions here are bugs (the handler is wrapped); say so instead of losing them silently.
void report_exception(std::exception_ptr e) {
    if (!e) {
        return;
    }
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        std::cerr << "http_listener: connection coroutine failed: " << ex.what() << "\n";
    }
}

http_reply call_handler(const http_handler& handler, const http_request_in& in) {
    try {
        return handler(in);
    } catch (const std::exception&) {
        return http_reply{500, R"({"error":{"code":"internal","message":"handler failed"}})"};
    }
}

net::awaitable<void> serve_connection(tcp::socket socket, std::shared_ptr<const http_handler> handler) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        stream.expires_after(std::chrono::seconds(30)); // idle keep-alive connections are dropped
        http::request_parser<http::string_body> parser;
        parser.body_limit(1024 * 1024);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (ec) {
            break;
        }
        auto req = parser.release();
        http_request_in in;
        in.method = std::string(req.method_string());
        in.target = std::string(req.target());
        for (const auto& f : req) {
            in.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        }
        in.body = std::move(req.body());
        http_reply rep = call_handler(*handler, in);

        http::response<http::string_body> res{static_cast<http::status>(rep.status), req.version()};
        res.set(http::field::server, "opentsm-tools");
        if (!rep.body.empty()) {
            res.set(http::field::content_type, rep.content_type);
        }
        res.body() = std::move(rep.body);
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
        if (wec || !res.keep_alive()) {
            break;
        }
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::shared_ptr<const http_handler> handler) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec == net::error::operation_aborted || !acceptor.is_open()) {
            co_return;
        }
        if (ec) {
            continue; // e.g. EMFILE: keep serving the connections we have
        }
        auto ex = acceptor.get_executor();
        net::co_spawn(ex, serve_connection(std::move(socket), handler), report_exception);
    }
}

} // namespace

std::string http_request_in::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (beast::iequals(k, name)) {
            return v;
        }
    }
    return {};
}

struct http_listener::impl {
    net::io_context ioc{1};
    tcp::acceptor acceptor{ioc};
    std::thread thread;
    std::uint16_t port = 0;
};

http_listener::http_listener() : impl_(std::make_unique<impl>()) {}

http_listener::~http_listener() {
    stop();
}

bool http_listener::start(const std::string& host, std::uint16_t port, http_handler handler,
                          std::string& error) {
    beast::error_code ec;
    auto addr = net::ip::make_address(host, ec);
    if (ec) {
        error = "invalid listen address " + host + ": " + ec.message();
        return false;
    }
    tcp::endpoint ep(addr, port);
    auto& acc = impl_->acceptor;
    if (acc.open(ep.protocol(), ec); !ec) {
        acc.set_option(net::socket_base::reuse_address(true), ec);
        acc.bind(ep, ec);
    }
    if (!ec) {
        acc.listen(net::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message();
        return false;
    }
    impl_->port = acc.local_endpoint().port();
    auto h = std::make_shared<const http_handler>(std::move(handler));
    net::co_spawn(impl_->ioc, accept_loop(acc, std::move(h)), report_exception);
    impl_->thread = std::thread([this] { impl_->ioc.run(); });
    return true;
}

std::uint16_t http_listener::port() const {
    return impl_->port;
}

void http_listener::stop() {
    if (!impl_->thread.joinable()) {
        return;
    }
    // Stopping the context abandons the coroutines; their frames (and sockets) are destroyed
    // with the io_context, so nothing runs after stop() returns.
    impl_->ioc.stop();
    impl_->thread.join();
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
}

} // namespace tsm::tools
