#include "touchpoint/fidesmo_http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

namespace tsm::tools::touchpoint {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::vector<std::pair<std::string, std::string>> fidesmo_client_headers() {
    return {
        {"User-Agent", "fdsm/tsm-touchpoint"},
        {"Fidesmo-Client-Description", "fdsm/;fdsm/tsm-touchpoint/tsm-touchpoint;Linux-Desktop"},
        {"Fidesmo-Client-Capabilities", "se-access,payment-aid-access,accounts"},
        {"Accept-Language", "en"},
        {"Accept", "application/json; charset=UTF-8"},
        {"Content-Type", "application/json; charset=UTF-8"},
    };
}

std::optional<fidesmo_http_client> fidesmo_http_client::make(const std::string& base_url,
                                                             std::string& error) {
    auto parsed = boost::urls::parse_uri(base_url);
    if (!parsed || parsed->scheme() != "http" || parsed->host_address().empty()) {
        error = "invalid Fidesmo API URL (expected http://host[:port]/path/): " + base_url;
        return std::nullopt;
    }
    fidesmo_http_client c;
    c.host_ = parsed->host_address();
    c.port_ = parsed->has_port() ? std::string(parsed->port()) : "80";
    c.base_path_ = std::string(parsed->encoded_path());
    if (!c.base_path_.starts_with('/')) {
        c.base_path_.insert(c.base_path_.begin(), '/');
    }
    if (!c.base_path_.ends_with('/')) {
        c.base_path_ += '/'; // as fdsm does with FIDESMO_API_URL
    }
    return c;
}

http_answer fidesmo_http_client::request(const std::string& method, const std::string& path,
                                         const std::string& body) {
    http_answer out;
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    beast::error_code ec;
    net::ip::tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host_, port_, ec);
    if (ec) {
        out.error = "resolve " + host_ + ": " + ec.message();
        return out;
    }
    http::request<http::string_body> req{method == "POST" ? http::verb::post : http::verb::get,
                                         base_path_ + path, 11};
    req.set(http::field::host, host_ + ":" + port_);
    for (const auto& [name, value] : fidesmo_client_headers()) {
        req.set(name, value);
    }
    if (!authorization_.empty()) {
        req.set(http::field::authorization, authorization_);
    }
    req.keep_alive(false);
    if (method == "POST") {
        req.body() = body;
    }
    req.prepare_payload();

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    stream.expires_after(timeout_);
    stream.async_connect(endpoints, [&](beast::error_code e, const auto&) {
        if (e) {
            ec = e;
            return;
        }
        http::async_write(stream, req, [&](beast::error_code we, std::size_t) {
            if (we) {
                ec = we;
                return;
            }
            http::async_read(stream, buffer, parser, [&](beast::error_code re, std::size_t) { ec = re; });
        });
    });
    ioc.run();
    if (ec) {
        out.error = method + " " + base_path_ + path + ": " + ec.message();
        return out;
    }
    out.status = static_cast<int>(parser.get().result_int());
    out.body = std::move(parser.get().body());
    beast::error_code ignored;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    return out;
}

} // namespace tsm::tools::touchpoint
