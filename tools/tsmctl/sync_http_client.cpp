#include "tsmctl/sync_http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

namespace tsm::tools {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

sync_http_response fail(std::error_code ec, std::string what) {
    sync_http_response r;
    r.ec = ec ? ec : std::make_error_code(std::errc::invalid_argument);
    r.error = std::move(what);
    return r;
}

} // namespace

sync_http_response http_call(const sync_http_request& req) {
    auto parsed = boost::urls::parse_absolute_uri(req.url);
    if (!parsed) {
        return fail({}, "invalid URL: " + req.url);
    }
    const auto& u = *parsed;
    if (u.scheme() != "http") {
        return fail({}, "only http:// URLs are supported: " + req.url);
    }
    std::string host = u.host_address();
    if (host.empty()) {
        return fail({}, "URL has no host: " + req.url);
    }
    std::string port = u.has_port() ? std::string(u.port()) : "80";
    std::string target = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
    if (u.has_query()) {
        target += "?";
        target += u.encoded_query();
    }

    // Blocking calls with a stream deadline: tcp_stream only honours expires_after for async
    // operations, so each step is async and the context is run to completion.
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    net::ip::tcp::resolver resolver(ioc);
    beast::error_code ec;
    auto endpoints = resolver.resolve(host, port, ec);
    if (ec) {
        return fail(ec, "resolve " + host + ": " + ec.message());
    }
    stream.expires_after(req.timeout);

    http::request<http::string_body> hreq{http::string_to_verb(req.method), target, 11};
    if (hreq.method() == http::verb::unknown) {
        hreq.method_string(req.method);
    }
    hreq.set(http::field::host, u.has_port() ? host + ":" + port : host);
    hreq.set(http::field::user_agent, "opentsm-tools/0.1");
    hreq.set(http::field::connection, "close");
    bool has_content_type = false;
    for (const auto& [name, value] : req.headers) {
        has_content_type |= beast::iequals(name, "content-type");
        hreq.set(name, value);
    }
    if (!req.body.empty() && !has_content_type) {
        hreq.set(http::field::content_type, "application/json");
    }
    hreq.body() = req.body;
    hreq.prepare_payload();

    sync_http_response out;
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(8 * 1024 * 1024);
    std::string stage = "connect";
    stream.async_connect(endpoints, [&](beast::error_code cec, const auto&) {
        if (cec) {
            ec = cec;
            return;
        }
        stage = "write";
        http::async_write(stream, hreq, [&](beast::error_code wec, std::size_t) {
            if (wec) {
                ec = wec;
                return;
            }
            stage = "read";
            http::async_read(stream, buffer, parser, [&](beast::error_code rec, std::size_t) { ec = rec; });
        });
    });
    ioc.run();
    if (ec) {
        return fail(ec, stage + " " + req.url + ": " + ec.message());
    }
    auto res = parser.release();
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    for (const auto& field : res) {
        out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    beast::error_code ignored;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    return out;
}

void append_path_segment(std::string& out, std::string_view segment) {
    static constexpr char digits[] = "0123456789ABCDEF";
    for (unsigned char c : segment) {
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                          || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 0xF];
        }
    }
}

} // namespace tsm::tools
