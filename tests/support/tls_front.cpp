#include "tls_front.hpp"

#include "net_clients.hpp"
#include "test_tls.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <cstdio>
#include <mutex>

namespace tsm::test {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct tls_front::impl {
    net::io_context ioc;
    ssl::context ctx{ssl::context::tls_server};
    tcp::acceptor acceptor{ioc};
    unsigned short backend = 0;
    std::thread accept_thread;
    std::mutex mu;
    std::vector<std::thread> workers;
    std::atomic<bool> stopping{false};

    void serve(tcp::socket socket) {
        beast::ssl_stream<tcp::socket> stream(std::move(socket), ctx);
        beast::error_code ec;
        stream.handshake(ssl::stream_base::server, ec);
        if (ec) {
            return;
        }
        beast::flat_buffer buf;
        for (;;) {
            http::request<http::string_body> req;
            http::read(stream, buf, req, ec);
            if (ec) {
                return;
            }
            header_list headers;
            for (const auto& f : req) {
                if (f.name() != http::field::host && f.name() != http::field::content_length) {
                    headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
                }
            }
            auto reply = http_call(backend, std::string(req.method_string()), std::string(req.target()),
                                   headers, req.body());
            http::response<http::string_body> res{static_cast<http::status>(reply.status ? reply.status
                                                                                         : 502),
                                                  11};
            res.set(http::field::content_type, "application/json");
            res.body() = reply.body;
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            http::write(stream, res, ec);
            if (ec || !req.keep_alive()) {
                return;
            }
        }
    }
};

tls_front::tls_front(unsigned short backend_port) : impl_(std::make_unique<impl>()) {
    auto cert = tsm::transport::test::make_self_signed_cert();
    ca_file_ = tsm::transport::test::write_temp_file(cert.cert_pem, ".pem");
    impl_->ctx.use_certificate_chain(net::buffer(cert.cert_pem));
    impl_->ctx.use_private_key(net::buffer(cert.key_pem), ssl::context::pem);
    impl_->backend = backend_port;
    tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(ep.protocol());
    impl_->acceptor.bind(ep);
    impl_->acceptor.listen();
    port_ = impl_->acceptor.local_endpoint().port();
    impl_->accept_thread = std::thread([p = impl_.get()] {
        for (;;) {
            beast::error_code ec;
            tcp::socket s(p->ioc);
            p->acceptor.accept(s, ec);
            if (ec || p->stopping) {
                return;
            }
            std::lock_guard lk(p->mu);
            p->workers.emplace_back([p, s = std::move(s)]() mutable { p->serve(std::move(s)); });
        }
    });
}

tls_front::~tls_front() {
    impl_->stopping = true;
    beast::error_code ec;
    // Wake the blocking accept with a throwaway connection, then join everything.
    {
        net::io_context io;
        tcp::socket s(io);
        s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
    }
    impl_->accept_thread.join();
    impl_->acceptor.close(ec);
    std::lock_guard lk(impl_->mu);
    for (auto& w : impl_->workers) {
        // Workers end when their client closes the connection: stop tsmd before this front.
        w.join();
    }
    std::remove(ca_file_.c_str());
}

std::string tls_front::base() const {
    return "https://127.0.0.1:" + std::to_string(port_);
}

} // namespace tsm::test
