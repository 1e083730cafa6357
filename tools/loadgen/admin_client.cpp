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
#include <utility>
#include <vector>

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

int http_call(const endpoint& to, const std::string& admin_token, http::verb verb, const std::string& target,
              const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
              const char* content_type, std::string& reply) {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    beast::error_code ec;
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(net::ip::tcp::endpoint(net::ip::make_address(to.host), to.port), ec);
    if (ec) {
        reply = "connect: " + ec.message();
        return 0;
    }
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, to.host);
    if (!admin_token.empty()) {
        req.set(http::field::authorization, "Bearer " + admin_token);
    }
    for (const auto& [k, v] : headers) {
        req.set(k, v);
    }
    if (!body.empty()) {
        req.set(http::field::content_type, content_type);
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

int admin_call(const options& o, http::verb verb, const std::string& target, const std::string& body,
               std::string& reply) {
    return http_call(o.admin, o.admin_token, verb, target, {}, body, "application/json", reply);
}

std::vector<std::pair<std::string, std::string>> sp_auth(const bench_app& app) {
    return {{"app_id", app.id}, {"app_key", app.key}};
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

namespace tsm::tools::loadgen {

std::string upload_cap(const options& o, const bench_app& app, const std::string& cap_bytes,
                       std::string& capfile_id) {
    std::string reply;
    const int st = http_call(o.tsm, {}, http::verb::post, "/v3/apps/" + app.id + "/capfiles", sp_auth(app),
                             cap_bytes, "application/octet-stream", reply);
    if (st != 200) {
        return "POST /v3/apps/" + app.id + "/capfiles -> " + std::to_string(st) + " " + reply;
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(reply, ec);
    if (ec || !v.is_object() || !v.as_object().contains("id") || !v.as_object().at("id").is_string()) {
        return "CAP upload: no id in the answer: " + reply;
    }
    capfile_id = std::string(v.as_object().at("id").as_string());
    return {};
}

void delete_cap(const options& o, const bench_app& app, const std::string& capfile_id) {
    std::string reply;
    http_call(o.tsm, {}, http::verb::delete_, "/v3/apps/" + app.id + "/capfiles/" + capfile_id, sp_auth(app),
              {}, "application/json", reply);
}

std::string put_card_keys(const options& o, const std::string& cin, const std::string& key_hex) {
    boost::json::object body{{"iin", "8A2C10"},       {"isd", "A000000151000000"},
                             {"scp", "03"},           {"kvn", 48},
                             {"securityLevel", "03"}, {"enc", key_hex},
                             {"mac", key_hex},        {"dek", key_hex}};
    std::string reply;
    const int st =
        admin_call(o, http::verb::put, "/admin/v1/cards/" + cin, boost::json::serialize(body), reply);
    if (st == 200) {
        return {};
    }
    return "PUT /admin/v1/cards/" + cin + " -> " + std::to_string(st) + " " + reply;
}

void delete_card_keys(const options& o, const std::string& cin) {
    std::string reply;
    admin_call(o, http::verb::delete_, "/admin/v1/cards/" + cin, {}, reply);
}

} // namespace tsm::tools::loadgen
