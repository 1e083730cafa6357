#include "tsm/transport/http_server.hpp"

#include "http_connection.hpp"
#include "listener.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include <sys/socket.h>

#include <stdexcept>
#include <system_error>

namespace tsm::transport {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

using reuse_port = net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

tcp::endpoint parse_endpoint(const std::string& host_port) {
    auto colon = host_port.rfind(':');
    if (colon == std::string::npos) {
        throw std::invalid_argument("listen address must be host:port: " + host_port);
    }
    std::string host = host_port.substr(0, colon);
    std::string port_s = host_port.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    unsigned long port = 0;
    try {
        std::size_t used = 0;
        port = std::stoul(port_s, &used);
        if (used != port_s.size() || port > 65535) {
            throw std::invalid_argument("port");
        }
    } catch (const std::exception&) {
        throw std::invalid_argument("bad port in listen address: " + host_port);
    }
    if (host.empty() || host == "*") {
        host = "0.0.0.0";
    } else if (host == "localhost") {
        host = "127.0.0.1";
    }
    boost::system::error_code ec;
    auto addr = net::ip::make_address(host, ec);
    if (ec) {
        throw std::system_error(ec, "listen address " + host_port);
    }
    return {addr, static_cast<unsigned short>(port)};
}

std::string format_endpoint(const tcp::endpoint& ep) {
    auto a = ep.address().to_string();
    return (ep.address().is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(ep.port());
}

} // namespace

struct http_server::impl {
    std::vector<net::io_context*> contexts;
    std::vector<std::shared_ptr<server_shard>> shards;
    std::vector<std::shared_ptr<listener>> listeners;
};

http_server::http_server(std::vector<net::io_context*> contexts, http_server_options opts,
                         http_handler& handler, ws_hub* ws, std::vector<std::string> ws_paths)
    : impl_(std::make_unique<impl>()) {
    impl_->contexts = std::move(contexts);
    for (unsigned i = 0; i < impl_->contexts.size(); ++i) {
        impl_->shards.push_back(
            std::make_shared<server_shard>(i, *impl_->contexts[i], opts, handler, ws, ws_paths));
    }
}

http_server::~http_server() {
    stop_accepting();
}

std::string http_server::listen(const std::string& host_port) {
    auto ep = parse_endpoint(host_port);
    {
        // SO_REUSEPORT would let us silently share a port that another process (same user) holds
        // with SO_REUSEPORT, splitting traffic between two servers. Claim it first without the
        // option: that bind fails if anyone holds the port, and it picks the port for ":0".
        tcp::acceptor probe(impl_->shards.front()->ctx);
        probe.open(ep.protocol());
        probe.set_option(net::socket_base::reuse_address(true));
        boost::system::error_code ec;
        probe.bind(ep, ec);
        if (ec) {
            throw std::system_error(ec, "listen address " + host_port + " is in use");
        }
        ep.port(probe.local_endpoint().port());
        // Closing a socket that never listened leaves no TIME_WAIT: the port is free for the
        // shard acceptors below.
    }
    std::vector<std::shared_ptr<listener>> made;
    for (auto& shard : impl_->shards) {
        // Throwing overloads: this is startup, and a bind failure must stop it.
        tcp::acceptor a(shard->ctx);
        a.open(ep.protocol());
        a.set_option(net::socket_base::reuse_address(true));
        // Every shard binds the same port; the kernel spreads incoming connections across the
        // acceptors by flow hash, so no accept is ever handed between threads.
        a.set_option(reuse_port(true));
        a.bind(ep);
        a.listen(net::socket_base::max_listen_connections);
        if (ep.port() == 0) {
            ep.port(a.local_endpoint().port());
        }
        made.push_back(std::make_shared<listener>(shard, std::move(a)));
    }
    for (auto& l : made) {
        impl_->listeners.push_back(std::move(l));
    }
    return format_endpoint(ep);
}

void http_server::start() {
    for (std::size_t i = 0; i < impl_->listeners.size(); ++i) {
        auto& l = impl_->listeners[i];
        net::post(impl_->shards[i % impl_->shards.size()]->ctx, [l]() { l->start(); });
    }
}

void http_server::stop_accepting() {
    for (std::size_t i = 0; i < impl_->listeners.size(); ++i) {
        auto& l = impl_->listeners[i];
        net::post(impl_->shards[i % impl_->shards.size()]->ctx, [l]() { l->stop(); });
    }
    for (auto& s : impl_->shards) {
        net::post(s->ctx, [s]() {
            s->stopping = true;
            std::vector<std::shared_ptr<http_connection>> idle;
            for (auto& node : s->http_conns) {
                idle.push_back(node.owner->shared_from_this());
            }
            for (auto& c : idle) {
                c->stop_if_idle();
            }
        });
    }
}

std::size_t http_server::connection_count() const noexcept {
    std::size_t n = 0;
    for (const auto& s : impl_->shards) {
        n += s->http_open.load(std::memory_order_relaxed);
    }
    return n;
}

} // namespace tsm::transport
