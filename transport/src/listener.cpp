#include "listener.hpp"

#include "http_connection.hpp"

#include <boost/beast/core/bind_handler.hpp>

#include <chrono>

namespace tsm::transport {

namespace net = boost::asio;
using boost::system::error_code;

listener::listener(std::shared_ptr<server_shard> shard, net::ip::tcp::acceptor acceptor)
    : shard_(std::move(shard)), acceptor_(std::move(acceptor)), backoff_(shard_->ctx) {}

void listener::start() {
    do_accept();
}

void listener::stop() {
    error_code ec;
    acceptor_.close(ec);
    backoff_.cancel();
}

void listener::do_accept() {
    if (!acceptor_.is_open()) {
        return;
    }
    // Accept straight into this shard's context: the connection never changes thread.
    acceptor_.async_accept(shard_->ctx,
                           boost::beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(error_code ec, net::ip::tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
        return;
    }
    if (ec) {
        // Out of descriptors or memory: retrying at once would spin the shard.
        if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space
            || ec == net::error::no_memory) {
            backoff_.expires_after(std::chrono::milliseconds(50));
            backoff_.async_wait([self = shared_from_this()](error_code e) {
                if (!e) {
                    self->do_accept();
                }
            });
            return;
        }
        do_accept();
        return;
    }
    error_code ignored;
    socket.set_option(net::ip::tcp::no_delay(true), ignored);
    // Over the limit we still accept, so the client gets a 503 it can act on rather than a
    // connect timeout.
    const bool reject = shard_->open >= shard_->opts.max_connections_per_shard;
    std::make_shared<http_connection>(shard_, std::move(socket), reject)->start();
    do_accept();
}

} // namespace tsm::transport
