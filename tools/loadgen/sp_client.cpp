#include "sp_client.hpp"

#include "touch_point.hpp"
#include "worker.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

namespace tsm::tools::loadgen {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

/// An SP API POST over keep-alive HTTP/1.1 with the SP's credentials, session and callback URL.
std::string sp_request(std::string_view path, const std::string& host_port, const std::string& app_id,
                       const std::string& app_key, const std::string& session_id,
                       const std::string& callback_url, const std::string& body) {
    std::string r;
    r.reserve(300 + body.size());
    r += "POST ";
    r += path;
    r += " HTTP/1.1\r\nHost: ";
    r += host_port;
    r += "\r\napp_id: ";
    r += app_id;
    r += "\r\napp_key: ";
    r += app_key;
    r += "\r\nsessionId: ";
    r += session_id;
    r += "\r\ncallbackUrl: ";
    r += callback_url;
    r += "\r\nContent-Type: application/json\r\nContent-Length: ";
    r += std::to_string(body.size());
    r += "\r\n\r\n";
    r += body;
    return r;
}

} // namespace

std::string transceive_request(const std::string& host_port, const std::string& app_id,
                               const std::string& app_key, const std::string& session_id,
                               const std::string& callback_url, std::uint64_t seq, unsigned apdus) {
    std::string body;
    body.reserve(32 + apdus * 14);
    body += R"({"commands":[")";
    body += tagged_apdu(seq);
    body += '"';
    for (unsigned i = 1; i < apdus; ++i) {
        body += R"(,"00B0000010")"; // READ BINARY, 16 bytes
    }
    body += "]}";
    return sp_request("/transceive", host_port, app_id, app_key, session_id, callback_url, body);
}

std::string ccm_install_request(const std::string& host_port, const std::string& app_id,
                                const std::string& app_key, const std::string& session_id,
                                const std::string& callback_url, std::uint64_t seq, const std::string& elf,
                                const std::string& module, const std::string& instance_prefix) {
    static constexpr const char* hexdig = "0123456789ABCDEF";
    std::string body;
    body.reserve(160);
    body += R"({"executableLoadFile":")";
    body += elf;
    body += R"(","executableModule":")";
    body += module;
    body += R"(","application":")";
    body += instance_prefix;
    for (int i = 15; i >= 0; --i) {
        body.push_back(hexdig[(seq >> (i * 4)) & 0xf]);
    }
    body += R"(","privileges":"00"})";
    return sp_request("/ccm/install", host_port, app_id, app_key, session_id, callback_url, body);
}

std::uint64_t seq_of_instance(std::string_view aid) {
    std::uint64_t v = 0;
    const std::size_t from = aid.size() >= 8 ? aid.size() - 8 : 0;
    for (std::size_t i = from; i < aid.size(); ++i) {
        v = (v << 8) | static_cast<unsigned char>(aid[i]);
    }
    return v;
}

sp_client::sp_client(worker& w) : w_(w), stream_(w.ioc()) {}

void sp_client::post(std::uint32_t session, std::uint64_t seq, op_kind kind) {
    bench& b = w_.b();
    seq_ = seq;
    kind_ = kind;
    const std::string host_port = b.opt.tsm.host + ":" + std::to_string(b.opt.tsm.port);
    const std::string callback = b.sink_base + "/cb/" + std::to_string(seq);
    if (kind == op_kind::ccm_install) {
        req_ = ccm_install_request(host_port, b.app.id, b.app.key, b.sessions[session]->id, callback, seq,
                                   b.ccm.elf, b.ccm.module, b.ccm.instance_prefix);
    } else {
        req_ = transceive_request(host_port, b.app.id, b.app.key, b.sessions[session]->id, callback, seq,
                                  b.opt.apdus);
    }
    stream_.expires_after(std::chrono::seconds(10));
    if (connected_) {
        return write();
    }
    stream_.async_connect(net::ip::tcp::endpoint(net::ip::make_address(b.opt.tsm.host), b.opt.tsm.port),
                          [this](beast::error_code ec) {
                              if (ec) {
                                  return finish_transport_error(ec == beast::error::timeout);
                              }
                              stream_.socket().set_option(net::ip::tcp::no_delay(true));
                              connected_ = true;
                              write();
                          });
}

void sp_client::write() {
    net::async_write(stream_, net::buffer(req_), [this](beast::error_code ec, std::size_t) {
        if (ec) {
            return finish_transport_error(ec == beast::error::timeout);
        }
        res_ = {};
        http::async_read(stream_, buf_, res_, [this](beast::error_code ec2, std::size_t) { on_answer(ec2); });
    });
}

void sp_client::on_answer(beast::error_code ec) {
    if (ec) {
        return finish_transport_error(ec == beast::error::timeout);
    }
    const std::int64_t now = now_ns();
    bench& b = w_.b();
    const int status = static_cast<int>(res_.result_int());
    b.st.http_status[static_cast<std::size_t>(kind_)]
                    [static_cast<std::size_t>(status >= 100 && status < 600 ? status : 0)]
                        .fetch_add(1, std::memory_order_relaxed);
    if (!res_.keep_alive()) {
        beast::error_code ignored;
        stream_.socket().close(ignored);
        connected_ = false;
    }
    if (op_slot* slot = b.ops.find(seq_)) {
        const auto step = slot->step.load(std::memory_order_relaxed);
        const auto kind = slot->kind.load(std::memory_order_relaxed);
        bool completed = false;
        if (status == 200) {
            w_.record(step, kind, latency_kind::ack, now - slot->t_start.load(std::memory_order_relaxed));
            b.st.steps[step].acked.fetch_add(1, std::memory_order_relaxed);
            b.st.steps[step].kind[kind % op_kinds].acked.fetch_add(1, std::memory_order_relaxed);
            b.ops.mark(*slot, op_flag::acked, completed);
        } else {
            const auto session = slot->session.load(std::memory_order_relaxed);
            b.ops.mark(*slot, op_flag::rejected, completed);
            // No callback will come: closed loop goes on with this session.
            w_.b().workers[b.sessions[session]->owner]->session_done(session);
        }
        if (completed) {
            b.st.steps[step].completed.fetch_add(1, std::memory_order_relaxed);
            b.st.steps[step].kind[kind % op_kinds].completed.fetch_add(1, std::memory_order_relaxed);
            b.st.completed_total.fetch_add(1, std::memory_order_relaxed);
        }
    }
    w_.client_idle(this);
}

void sp_client::finish_transport_error(bool timeout) {
    bench& b = w_.b();
    b.st.error(timeout ? error_kind::sp_timeout : error_kind::sp_connect);
    beast::error_code ignored;
    stream_.socket().close(ignored);
    connected_ = false;
    buf_.clear();
    if (op_slot* slot = b.ops.find(seq_)) {
        const auto step = slot->step.load(std::memory_order_relaxed);
        const auto kind = slot->kind.load(std::memory_order_relaxed);
        bool completed = false;
        b.ops.mark(*slot, op_flag::ack_lost, completed);
        if (completed) {
            b.st.steps[step].completed.fetch_add(1, std::memory_order_relaxed);
            b.st.steps[step].kind[kind % op_kinds].completed.fetch_add(1, std::memory_order_relaxed);
            b.st.completed_total.fetch_add(1, std::memory_order_relaxed);
        }
    }
    w_.client_idle(this);
}

} // namespace tsm::tools::loadgen
