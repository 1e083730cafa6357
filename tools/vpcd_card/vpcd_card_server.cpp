#include "vpcd_card_server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <ostream>
#include <thread>

namespace tsm::tools::vpcd {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

bool send_message(tcp::socket& s, std::string_view payload, boost::system::error_code& ec) {
    const char header[2] = {static_cast<char>((payload.size() >> 8) & 0xFF),
                            static_cast<char>(payload.size() & 0xFF)};
    std::array<net::const_buffer, 2> bufs{net::buffer(header, 2),
                                          net::buffer(payload.data(), payload.size())};
    net::write(s, bufs, ec);
    return !ec;
}

bool read_message(tcp::socket& s, std::string& payload, boost::system::error_code& ec) {
    unsigned char header[2];
    net::read(s, net::buffer(header, 2), ec);
    if (ec) {
        return false;
    }
    payload.assign(static_cast<std::size_t>(header[0]) << 8 | header[1], '\0');
    net::read(s, net::buffer(payload.data(), payload.size()), ec);
    return !ec;
}

} // namespace

vpcd_card_result serve_vpcd(sandbox::secure_element& card, const vpcd_card_options& opts, std::ostream& log) {
    vpcd_card_result result;
    net::io_context ioc;
    tcp::socket socket(ioc);
    boost::system::error_code ec;
    const auto deadline = std::chrono::steady_clock::now() + opts.connect_timeout;
    const auto address = net::ip::make_address(opts.host, ec);
    if (ec) {
        result.error = "bad reader address " + opts.host + ": " + ec.message();
        return result;
    }
    for (;;) {
        socket.connect(tcp::endpoint(address, opts.port), ec);
        if (!ec) {
            break;
        }
        socket.close();
        if (std::chrono::steady_clock::now() >= deadline) {
            result.error = "connect " + opts.host + ":" + std::to_string(opts.port) + ": " + ec.message()
                           + " (is pcscd running with the vpcd reader?)";
            return result;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    result.connected = true;
    log << "vpcd-card: inserted into " << opts.host << ":" << opts.port << "\n" << std::flush;
    std::string msg;
    while (read_message(socket, msg, ec)) {
        if (msg.size() == 1) {
            switch (msg[0]) {
            case 0x00: log << "vpcd-card: power off\n" << std::flush; break;
            case 0x01:
                card.reset();
                log << "vpcd-card: power on\n" << std::flush;
                break;
            case 0x02: card.reset(); break;
            case 0x04:
                if (!send_message(socket, opts.atr, ec)) {
                    result.error = "write: " + ec.message();
                    return result;
                }
                log << "vpcd-card: ATR sent\n" << std::flush;
                break;
            default: break; // unknown controls get no reply, as vpcd expects none
            }
            continue;
        }
        if (msg.empty()) {
            continue;
        }
        if (opts.remove_after && result.apdus >= *opts.remove_after) {
            socket.close(ec);
            result.removed = true;
            log << "vpcd-card: removed after " << result.apdus << " APDU(s)\n" << std::flush;
            return result;
        }
        const auto response = card.transceive(msg);
        if (!send_message(socket, response, ec)) {
            result.error = "write: " + ec.message();
            return result;
        }
        ++result.apdus;
    }
    result.error = ec == net::error::eof ? "the reader closed the connection" : ec.message();
    return result;
}

} // namespace tsm::tools::vpcd
