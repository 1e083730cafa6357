#include "peer_mqtt.hpp"

#include "peer_harness.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <unistd.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

namespace tsm::tools::loadgen {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace mqtt {

namespace {

void append_u16(std::string& out, std::size_t v) {
    out.push_back(static_cast<char>((v >> 8) & 0xff));
    out.push_back(static_cast<char>(v & 0xff));
}

void append_str(std::string& out, std::string_view s) {
    append_u16(out, s.size());
    out.append(s);
}

std::string with_fixed_header(std::uint8_t first, const std::string& body) {
    std::string p;
    p.reserve(body.size() + 5);
    p.push_back(static_cast<char>(first));
    append_remaining_length(p, body.size());
    p += body;
    return p;
}

} // namespace

void append_remaining_length(std::string& out, std::size_t n) {
    do {
        auto digit = static_cast<std::uint8_t>(n % 128);
        n /= 128;
        if (n > 0) {
            digit |= 0x80;
        }
        out.push_back(static_cast<char>(digit));
    } while (n > 0);
}

std::string connect_packet(std::string_view client_id, std::uint16_t keepalive_s) {
    std::string body;
    append_str(body, "MQTT");
    body.push_back(4);    // protocol level: 3.1.1
    body.push_back(0x02); // clean session, no will, no user name / password
    append_u16(body, keepalive_s);
    append_str(body, client_id);
    return with_fixed_header(0x10, body);
}

std::string subscribe_packet(std::uint16_t packet_id, const std::vector<std::string>& topics) {
    std::string body;
    append_u16(body, packet_id);
    for (const auto& t : topics) {
        append_str(body, t);
        body.push_back(0); // QoS 0
    }
    return with_fixed_header(0x82, body); // SUBSCRIBE has flags 0010
}

std::string publish_packet(std::string_view topic, std::string_view payload) {
    std::string p;
    p.reserve(topic.size() + payload.size() + 8);
    p.push_back(0x30); // PUBLISH, QoS 0, no DUP, no RETAIN
    append_remaining_length(p, 2 + topic.size() + payload.size());
    append_str(p, topic);
    p.append(payload);
    return p;
}

void parser::feed(std::string_view data) {
    if (failed_) {
        return;
    }
    buf_.append(data);
    std::size_t pos = 0;
    for (;;) {
        if (buf_.size() - pos < 2) {
            break;
        }
        const auto header = static_cast<std::uint8_t>(buf_[pos]);
        std::size_t len = 0;
        std::size_t mult = 1;
        std::size_t i = pos + 1;
        bool complete = false;
        for (int n = 0; n < 4 && i < buf_.size(); ++n, ++i) {
            const auto d = static_cast<std::uint8_t>(buf_[i]);
            len += (d & 0x7f) * mult;
            mult *= 128;
            if ((d & 0x80) == 0) {
                complete = true;
                ++i;
                break;
            }
            if (n == 3) {
                failed_ = true; // a fifth length byte: malformed
                return;
            }
        }
        if (!complete || buf_.size() - i < len) {
            break; // header or body not complete yet
        }
        dispatch(header, std::string_view(buf_.data() + i, len));
        if (failed_) {
            return;
        }
        pos = i + len;
    }
    buf_.erase(0, pos);
}

void parser::dispatch(std::uint8_t header, std::string_view body) {
    const auto type = static_cast<packet>(header >> 4);
    switch (type) {
    case packet::connack:
        if (body.size() != 2) {
            failed_ = true;
        } else if (on_connack) {
            on_connack(static_cast<std::uint8_t>(body[1]));
        }
        return;
    case packet::suback:
        if (body.size() < 3) {
            failed_ = true;
        } else if (on_suback) {
            on_suback(static_cast<std::uint16_t>((static_cast<std::uint8_t>(body[0]) << 8)
                                                 | static_cast<std::uint8_t>(body[1])),
                      body.substr(2));
        }
        return;
    case packet::publish: {
        if (body.size() < 2) {
            failed_ = true;
            return;
        }
        const std::size_t tlen = (static_cast<std::size_t>(static_cast<std::uint8_t>(body[0])) << 8)
                                 | static_cast<std::uint8_t>(body[1]);
        const std::size_t qos = (header >> 1) & 3;
        const std::size_t skip = 2 + tlen + (qos ? 2 : 0);
        if (body.size() < skip) {
            failed_ = true;
            return;
        }
        if (on_publish) {
            on_publish(body.substr(2, tlen), body.substr(skip));
        }
        return;
    }
    case packet::pingresp:
        if (on_pingresp) {
            on_pingresp();
        }
        return;
    default: return; // nothing else is expected at QoS 0; ignore
    }
}

} // namespace mqtt

namespace {

using peer::mono_ns;

constexpr std::uint16_t keepalive_s = 60;

struct mqtt_run;

/// A touch point as an MQTT-over-WebSocket client: SUBSCRIBE tp/<i>, answers on rp/<i>.
class mqtt_device {
public:
    mqtt_device(mqtt_run& r, unsigned index);
    void start();
    void ping() {
        if (open_) {
            send(mqtt::pingreq_packet());
        }
    }

private:
    void read();
    void send(std::string s);
    void flush();
    void fail();

    mqtt_run& r_;
    unsigned index_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buf_;
    mqtt::parser parser_;
    std::string reply_topic_;
    peer::outbox out_;
    bool open_ = false;
    bool dead_ = false;
};

/// An SP connection over TCP: publishes requests to tp/<device>, receives replies on rp/<device>
/// for its devices (device % C == index).
class mqtt_sp {
public:
    mqtt_sp(mqtt_run& r, unsigned index);
    void start();
    void request(unsigned device);
    void ping() {
        if (open_ && !dead_) {
            out_.queue(mqtt::pingreq_packet());
            flush();
        }
    }

private:
    void read();
    void flush();
    void fail();

    mqtt_run& r_;
    unsigned index_;
    tcp::socket sock_;
    std::array<char, 64 * 1024> rbuf_{};
    mqtt::parser parser_;
    peer::outbox out_;
    bool open_ = false;
    bool dead_ = false;
    unsigned subacks_wanted_ = 0;
};

struct mqtt_run : peer::closed_loop<mqtt_sp> {
    std::string id_prefix; ///< client ids: unique per harness process
    std::vector<std::unique_ptr<mqtt_device>> devices;
    unsigned devices_ready = 0, devices_failed = 0, sps_ready = 0;
    std::uint64_t unknown = 0; ///< replies for no request in flight
    net::steady_timer ping_timer{ioc};

    explicit mqtt_run(const options& x) : closed_loop(x) {}

    void on_reply(unsigned device) {
        if (device >= sent_at.size() || sent_at[device] == 0) {
            ++unknown;
            return;
        }
        hist.record(mono_ns() - sent_at[device]);
        sent_at[device] = 0;
        ++replied;
        issue(device);
    }
    /// Keep-alive: a PINGREQ on every connection well within the keep-alive interval.
    void schedule_pings() {
        ping_timer.expires_after(std::chrono::seconds(keepalive_s / 3));
        ping_timer.async_wait([this](beast::error_code ec) {
            if (ec) {
                return;
            }
            for (auto& d : devices) {
                d->ping();
            }
            for (auto& s : sps) {
                s->ping();
            }
            schedule_pings();
        });
    }
};

mqtt_device::mqtt_device(mqtt_run& r, unsigned index)
    : r_(r), index_(index), ws_(r.ioc), reply_topic_("rp/" + std::to_string(index)) {
    parser_.on_connack = [this](std::uint8_t rc) {
        if (rc != 0) {
            std::fprintf(stderr, "tsm-bench peer mosquitto: touch point %u: CONNACK return code %u\n", index_,
                         rc);
            fail();
        }
    };
    parser_.on_suback = [this](std::uint16_t, std::string_view codes) {
        if (codes.empty() || static_cast<std::uint8_t>(codes[0]) == 0x80) {
            return fail();
        }
        if (!open_) {
            open_ = true;
            ++r_.devices_ready;
        }
    };
    parser_.on_publish = [this](std::string_view, std::string_view) {
        send(mqtt::publish_packet(reply_topic_, r_.payload.reply));
    };
}

void mqtt_device::start() {
    auto& t = beast::get_lowest_layer(ws_);
    t.expires_after(std::chrono::seconds(30));
    t.async_connect(tcp::endpoint(net::ip::make_address(r_.o.peer_ws.host), r_.o.peer_ws.port),
                    [this](beast::error_code ec) {
                        if (ec) {
                            return fail();
                        }
                        beast::get_lowest_layer(ws_).expires_never();
                        beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true));
                        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
                        // MQTT over WebSocket: subprotocol "mqtt", binary frames (MQTT 3.1.1 §6).
                        ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
                            req.set(beast::http::field::sec_websocket_protocol, "mqtt");
                        }));
                        ws_.binary(true);
                        ws_.async_handshake(
                            r_.o.peer_ws.host + ":" + std::to_string(r_.o.peer_ws.port), "/mqtt",
                            [this](beast::error_code ec2) {
                                if (ec2) {
                                    return fail();
                                }
                                send(mqtt::connect_packet(r_.id_prefix + "d" + std::to_string(index_),
                                                          keepalive_s)
                                     + mqtt::subscribe_packet(1, {"tp/" + std::to_string(index_)}));
                                read();
                            });
                    });
}

void mqtt_device::fail() {
    if (dead_) {
        return;
    }
    dead_ = true;
    ++r_.errors;
    if (!open_) {
        ++r_.devices_failed;
    }
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
}

void mqtt_device::read() {
    ws_.async_read(buf_, [this](beast::error_code ec, std::size_t n) {
        if (ec) {
            return fail();
        }
        parser_.feed(std::string_view(static_cast<const char*>(buf_.data().data()), n));
        buf_.consume(buf_.size());
        if (parser_.failed()) {
            return fail();
        }
        read();
    });
}

void mqtt_device::send(std::string s) {
    if (dead_) {
        return;
    }
    out_.queue(s);
    flush();
}

void mqtt_device::flush() {
    if (dead_ || !out_.start()) {
        return;
    }
    ws_.async_write(out_.in_flight(), [this](beast::error_code ec, std::size_t) {
        out_.written();
        if (ec) {
            return fail();
        }
        flush();
    });
}

mqtt_sp::mqtt_sp(mqtt_run& r, unsigned index) : r_(r), index_(index), sock_(r.ioc) {
    parser_.on_connack = [this](std::uint8_t rc) {
        if (rc != 0) {
            std::fprintf(stderr, "tsm-bench peer mosquitto: SP connection %u: CONNACK return code %u\n",
                         index_, rc);
            fail();
        }
    };
    parser_.on_suback = [this](std::uint16_t, std::string_view codes) {
        for (char c : codes) {
            if (static_cast<std::uint8_t>(c) == 0x80) {
                return fail();
            }
        }
        if (subacks_wanted_ > 0 && --subacks_wanted_ == 0) {
            open_ = true;
            ++r_.sps_ready;
        }
    };
    parser_.on_publish = [this](std::string_view topic, std::string_view) {
        // rp/<device>
        unsigned device = ~0u;
        if (topic.size() > 3 && topic.substr(0, 3) == "rp/") {
            std::from_chars(topic.data() + 3, topic.data() + topic.size(), device);
        }
        r_.on_reply(device);
    };
}

void mqtt_sp::start() {
    sock_.async_connect(tcp::endpoint(net::ip::make_address(r_.o.peer_tcp.host), r_.o.peer_tcp.port),
                        [this](beast::error_code ec) {
                            if (ec) {
                                return fail();
                            }
                            sock_.set_option(tcp::no_delay(true));
                            out_.queue(mqtt::connect_packet(r_.id_prefix + "s" + std::to_string(index_),
                                                            keepalive_s));
                            // The reply topics of this connection's devices, at most 256 filters per SUBSCRIBE.
                            const auto c = static_cast<unsigned>(r_.sps.size());
                            std::vector<std::string> topics;
                            std::uint16_t pid = 1;
                            for (unsigned d = index_; d < r_.o.touch_points; d += c) {
                                topics.push_back("rp/" + std::to_string(d));
                                if (topics.size() == 256) {
                                    out_.queue(mqtt::subscribe_packet(pid++, topics));
                                    ++subacks_wanted_;
                                    topics.clear();
                                }
                            }
                            if (!topics.empty()) {
                                out_.queue(mqtt::subscribe_packet(pid++, topics));
                                ++subacks_wanted_;
                            }
                            if (subacks_wanted_ == 0) {
                                open_ = true; // more SP connections than devices: nothing to receive
                                ++r_.sps_ready;
                            }
                            flush();
                            read();
                        });
}

void mqtt_sp::fail() {
    if (dead_) {
        return;
    }
    dead_ = true;
    ++r_.errors;
    beast::error_code ignored;
    sock_.close(ignored);
}

void mqtt_sp::request(unsigned device) {
    out_.queue(mqtt::publish_packet("tp/" + std::to_string(device), r_.payload.request));
    flush();
}

void mqtt_sp::read() {
    sock_.async_read_some(net::buffer(rbuf_), [this](beast::error_code ec, std::size_t n) {
        if (ec) {
            return fail();
        }
        parser_.feed(std::string_view(rbuf_.data(), n));
        if (parser_.failed()) {
            return fail();
        }
        read();
    });
}

void mqtt_sp::flush() {
    if (dead_ || !out_.start()) {
        return;
    }
    net::async_write(sock_, out_.in_flight(), [this](beast::error_code ec, std::size_t) {
        out_.written();
        if (ec) {
            return fail();
        }
        flush();
    });
}

} // namespace

int run_mqtt_peer(const options& o) {
    mqtt_run r(o);
    r.id_prefix = "tsmb" + std::to_string(::getpid()) + "-";
    r.payload = peer::make_payloads(o.apdus);
    r.sent_at.assign(o.touch_points, 0);
    peer::measurement m(o.peer_pid);
    for (unsigned i = 0; i < o.touch_points; ++i) {
        r.devices.push_back(std::make_unique<mqtt_device>(r, i));
    }
    const unsigned c = std::max(1u, o.sp_concurrency);
    for (unsigned i = 0; i < c; ++i) {
        r.sps.push_back(std::make_unique<mqtt_sp>(r, i));
    }
    for (auto& s : r.sps) {
        s->start();
    }
    r.schedule_pings();
    // Connect in waves of --connect-concurrency.
    for (unsigned i = 0; i < o.touch_points; ++i) {
        r.devices[i]->start();
        if ((i + 1) % o.connect_concurrency == 0) {
            peer::run_until(
                r.ioc, [&] { return r.devices_ready + r.devices_failed >= i + 1; }, 30);
        }
    }
    peer::run_until(
        r.ioc, [&] { return r.devices_ready + r.devices_failed >= o.touch_points && r.sps_ready >= c; }, 60);
    std::fprintf(stderr,
                 "tsm-bench peer mosquitto: %u/%u touch points subscribed (MQTT over WebSocket), %u/%u SP "
                 "connections (MQTT over TCP), errors %llu\n",
                 r.devices_ready, o.touch_points, r.sps_ready, c, static_cast<unsigned long long>(r.errors));
    if (r.devices_ready == 0 || r.sps_ready < c) {
        std::fprintf(stderr, "tsm-bench peer mosquitto: setup failed (is the WebSocket listener up, with "
                             "protocol websockets?)\n");
        std::fflush(stderr);
        std::_Exit(1);
    }
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
    std::printf("peer mosquitto: %u touch points (MQTT 3.1.1 over WebSocket), %u SP connections (MQTT over "
                "TCP), QoS 0, %u APDU(s)/request\n",
                o.touch_points, c, o.apdus);
    std::printf("  %.0f request/replies/s over %.2f s: issued %llu, replied %llu, lost %llu, errors %llu, "
                "unknown replies %llu\n",
                static_cast<double>(r.replied) / wall, wall, static_cast<unsigned long long>(r.issued),
                static_cast<unsigned long long>(r.replied),
                static_cast<unsigned long long>(r.issued - r.replied),
                static_cast<unsigned long long>(r.errors), static_cast<unsigned long long>(r.unknown));
    m.print(r.hist, r.replied, o.touch_points);
    std::fflush(stdout);
    std::_Exit(r.issued == r.replied ? 0 : 3);
}

} // namespace tsm::tools::loadgen
