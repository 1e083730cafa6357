#include "peer_nats.hpp"

#include "peer_harness.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::tools::loadgen {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

using peer::mono_ns;

/// Incremental parser of the NATS server->client protocol (INFO, PING, PONG, +OK, -ERR, MSG).
class nats_parser {
public:
    std::function<void(std::string_view subject, std::string_view reply, std::string_view payload)> on_msg;
    std::function<void()> on_ping;
    std::function<void()> on_pong;
    std::function<void(std::string_view)> on_err;

    void feed(std::string_view data) {
        buf_.append(data);
        std::size_t pos = 0;
        for (;;) {
            auto eol = buf_.find("\r\n", pos);
            if (eol == std::string::npos) {
                break;
            }
            std::string_view line(buf_.data() + pos, eol - pos);
            if (line.rfind("MSG ", 0) == 0) {
                // MSG <subject> <sid> [reply-to] <#bytes>
                std::string_view parts[5];
                int n = 0;
                std::size_t i = 4;
                while (i < line.size() && n < 5) {
                    auto sp = line.find(' ', i);
                    if (sp == std::string_view::npos) sp = line.size();
                    parts[n++] = line.substr(i, sp - i);
                    i = sp + 1;
                }
                std::size_t len = 0;
                std::from_chars(parts[n - 1].data(), parts[n - 1].data() + parts[n - 1].size(), len);
                if (buf_.size() < eol + 2 + len + 2) {
                    break; // payload not complete yet
                }
                std::string_view payload(buf_.data() + eol + 2, len);
                on_msg(parts[0], n == 4 ? parts[2] : std::string_view{}, payload);
                pos = eol + 2 + len + 2;
                continue;
            }
            if (line == "PING" && on_ping) {
                on_ping();
            } else if (line == "PONG" && on_pong) {
                on_pong();
            } else if (line.rfind("-ERR", 0) == 0 && on_err) {
                on_err(line);
            }
            pos = eol + 2;
        }
        buf_.erase(0, pos);
    }

private:
    std::string buf_;
};

struct peer_run;

/// A touch point as a NATS WebSocket client: SUB tp.<i>, answers every request.
class nats_device {
public:
    nats_device(peer_run& r, unsigned index);
    void start();

private:
    void read();
    void send(std::string s);
    void flush();

    peer_run& r_;
    unsigned index_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buf_;
    nats_parser parser_;
    peer::outbox out_;
    bool ready_ = false;
};

/// An SP connection over TCP: publishes requests with reply inbox _INBOX.<c>.<device>.
class nats_sp {
public:
    nats_sp(peer_run& r, unsigned index);
    void start();
    void request(unsigned device);

private:
    void read();
    void flush();

    peer_run& r_;
    unsigned index_;
    tcp::socket sock_;
    std::array<char, 64 * 1024> rbuf_{};
    nats_parser parser_;
    peer::outbox out_;
};

struct peer_run : peer::closed_loop<nats_sp> {
    std::vector<std::unique_ptr<nats_device>> devices;
    unsigned devices_ready = 0, sps_ready = 0;

    explicit peer_run(const options& x) : closed_loop(x) {}

    void on_reply(unsigned device) {
        hist.record(mono_ns() - sent_at[device]);
        ++replied;
        issue(device);
    }
};

nats_device::nats_device(peer_run& r, unsigned index) : r_(r), index_(index), ws_(r.ioc) {
    parser_.on_msg = [this](std::string_view, std::string_view reply, std::string_view) {
        if (!reply.empty()) {
            std::string m = "PUB ";
            m.append(reply);
            m += ' ';
            m += std::to_string(r_.payload.reply.size());
            m += "\r\n";
            m += r_.payload.reply;
            m += "\r\n";
            send(std::move(m));
        }
    };
    parser_.on_ping = [this] { send("PONG\r\n"); };
    parser_.on_pong = [this] {
        if (!ready_) {
            ready_ = true;
            ++r_.devices_ready;
        }
    };
    parser_.on_err = [this](std::string_view) { ++r_.errors; };
}

void nats_device::start() {
    auto& t = beast::get_lowest_layer(ws_);
    t.async_connect(tcp::endpoint(net::ip::make_address(r_.o.peer_ws.host), r_.o.peer_ws.port),
                    [this](beast::error_code ec) {
                        if (ec) {
                            ++r_.errors;
                            return;
                        }
                        beast::get_lowest_layer(ws_).expires_never();
                        beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true));
                        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
                        ws_.binary(true);
                        ws_.async_handshake(
                            r_.o.peer_ws.host + ":" + std::to_string(r_.o.peer_ws.port), "/",
                            [this](beast::error_code ec2) {
                                if (ec2) {
                                    ++r_.errors;
                                    return;
                                }
                                send(
                                    "CONNECT {\"verbose\":false,\"pedantic\":false,\"echo\":false}\r\nSUB tp."
                                    + std::to_string(index_) + " 1\r\nPING\r\n");
                                read();
                            });
                    });
}

void nats_device::read() {
    ws_.async_read(buf_, [this](beast::error_code ec, std::size_t n) {
        if (ec) {
            ++r_.errors;
            return;
        }
        parser_.feed(std::string_view(static_cast<const char*>(buf_.data().data()), n));
        buf_.consume(buf_.size());
        read();
    });
}

void nats_device::send(std::string s) {
    out_.queue(s);
    flush();
}

void nats_device::flush() {
    if (!out_.start()) {
        return;
    }
    ws_.async_write(out_.in_flight(), [this](beast::error_code ec, std::size_t) {
        out_.written();
        if (ec) {
            ++r_.errors;
            return;
        }
        flush();
    });
}

nats_sp::nats_sp(peer_run& r, unsigned index) : r_(r), index_(index), sock_(r.ioc) {
    parser_.on_msg = [this](std::string_view subject, std::string_view, std::string_view) {
        // _INBOX.<c>.<device>
        auto dot = subject.rfind('.');
        unsigned device = 0;
        std::from_chars(subject.data() + dot + 1, subject.data() + subject.size(), device);
        r_.on_reply(device);
    };
    parser_.on_ping = [this] {
        out_.queue("PONG\r\n");
        flush();
    };
    parser_.on_pong = [this] { ++r_.sps_ready; };
    parser_.on_err = [this](std::string_view) { ++r_.errors; };
}

void nats_sp::start() {
    sock_.async_connect(tcp::endpoint(net::ip::make_address(r_.o.peer_tcp.host), r_.o.peer_tcp.port),
                        [this](beast::error_code ec) {
                            if (ec) {
                                ++r_.errors;
                                return;
                            }
                            sock_.set_option(tcp::no_delay(true));
                            out_.queue(
                                "CONNECT {\"verbose\":false,\"pedantic\":false,\"echo\":false}\r\nSUB _INBOX."
                                + std::to_string(index_) + ".* 1\r\nPING\r\n");
                            flush();
                            read();
                        });
}

void nats_sp::request(unsigned device) {
    out_.queue("PUB tp." + std::to_string(device) + " _INBOX." + std::to_string(index_) + "."
               + std::to_string(device) + " " + std::to_string(r_.payload.request.size()) + "\r\n");
    out_.queue(r_.payload.request);
    out_.queue("\r\n");
    flush();
}

void nats_sp::read() {
    sock_.async_read_some(net::buffer(rbuf_), [this](beast::error_code ec, std::size_t n) {
        if (ec) {
            ++r_.errors;
            return;
        }
        parser_.feed(std::string_view(rbuf_.data(), n));
        read();
    });
}

void nats_sp::flush() {
    if (!out_.start()) {
        return;
    }
    net::async_write(sock_, out_.in_flight(), [this](beast::error_code ec, std::size_t) {
        out_.written();
        if (ec) {
            ++r_.errors;
            return;
        }
        flush();
    });
}

} // namespace

int run_nats_peer(const options& o) {
    peer_run r(o);
    r.payload = peer::make_payloads(o.apdus);
    r.sent_at.resize(o.touch_points);
    peer::measurement m(o.peer_pid);
    for (unsigned i = 0; i < o.touch_points; ++i) {
        r.devices.push_back(std::make_unique<nats_device>(r, i));
    }
    for (unsigned i = 0; i < o.sp_concurrency; ++i) {
        r.sps.push_back(std::make_unique<nats_sp>(r, i));
        r.sps.back()->start();
    }
    // Connect in waves of --connect-concurrency.
    for (unsigned i = 0; i < o.touch_points; ++i) {
        r.devices[i]->start();
        if ((i + 1) % o.connect_concurrency == 0) {
            peer::run_until(
                r.ioc, [&] { return r.devices_ready + r.errors >= i + 1; }, 30);
        }
    }
    peer::run_until(
        r.ioc,
        [&] { return r.devices_ready + r.errors >= o.touch_points && r.sps_ready >= o.sp_concurrency; }, 60);
    std::fprintf(stderr,
                 "tsm-bench peer nats: %u/%u touch points subscribed, %u SP connections, errors %llu\n",
                 r.devices_ready, o.touch_points, r.sps_ready, static_cast<unsigned long long>(r.errors));
    const auto t0 = m.connected();
    r.issuing = true;
    r.deadline = t0 + static_cast<std::int64_t>(o.duration_s * 1e9);
    for (unsigned i = 0; i < o.touch_points; ++i) {
        r.issue(i);
    }
    peer::run_until(
        r.ioc, [&] { return !r.issuing && r.replied >= r.issued; }, o.duration_s + o.drain_s);
    m.finished();
    const double wall = m.wall_s();
    std::printf(
        "peer nats-server: %u touch points (WebSocket), %u SP connections (TCP), %u APDU(s)/request\n",
        o.touch_points, o.sp_concurrency, o.apdus);
    std::printf("  %.0f request/replies/s over %.2f s: issued %llu, replied %llu, lost %llu, errors %llu\n",
                static_cast<double>(r.replied) / wall, wall, static_cast<unsigned long long>(r.issued),
                static_cast<unsigned long long>(r.replied),
                static_cast<unsigned long long>(r.issued - r.replied),
                static_cast<unsigned long long>(r.errors));
    m.print(r.hist, r.replied, o.touch_points);
    std::fflush(stdout);
    std::_Exit(r.issued == r.replied ? 0 : 3);
}

} // namespace tsm::tools::loadgen
