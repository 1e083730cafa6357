#include "admin_client.hpp"

#include "tsm/core/hex.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <random>

namespace tsm::tools::loadgen {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

std::string random_bytes(std::size_t n) {
    std::random_device rd;
    std::string s(n, '\0');
    for (auto& c : s) {
        c = static_cast<char>(rd() & 0xff);
    }
    return s;
}

int admin_call(const options& o, http::verb verb, const std::string& target, const std::string& body,
               std::string& reply) {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    beast::error_code ec;
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(net::ip::tcp::endpoint(net::ip::make_address(o.admin.host), o.admin.port), ec);
    if (ec) {
        reply = "connect: " + ec.message();
        return 0;
    }
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, o.admin.host);
    if (!o.admin_token.empty()) {
        req.set(http::field::authorization, "Bearer " + o.admin_token);
    }
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.prepare_payload();
    http::write(stream, req, ec);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    if (!ec) {
        http::read(stream, buf, res, ec);
    }
    if (ec) {
        reply = "admin call: " + ec.message();
        return 0;
    }
    reply = res.body();
    return static_cast<int>(res.result_int());
}

} // namespace

bench_app make_bench_app() {
    return bench_app{"bench-" + core::to_hex(random_bytes(4)), core::to_hex(random_bytes(16))};
}

std::string register_app(const options& o, const bench_app& app, const std::string& sp_base) {
    boost::json::object body{{"key", app.key},
                             {"descriptionUrl", sp_base + "/desc"},
                             {"deliveryUrl", sp_base + "/deliver"},
                             {"deliveryMethod", "PUT"},
                             {"callbackPrefixes", boost::json::array{sp_base + "/cb/"}}};
    std::string reply;
    int st = admin_call(o, http::verb::put, "/admin/v1/apps/" + app.id, boost::json::serialize(body), reply);
    if (st == 200) {
        return {};
    }
    return "PUT /admin/v1/apps/" + app.id + " -> " + std::to_string(st) + " " + reply;
}

void delete_app(const options& o, const bench_app& app) {
    std::string reply;
    admin_call(o, http::verb::delete_, "/admin/v1/apps/" + app.id, {}, reply);
}

} // namespace tsm::tools::loadgen
