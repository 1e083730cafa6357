#include "touch_point.hpp"

#include "worker.hpp"

#include "sp_client.hpp"

#include "tsm/core/hex.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <simdjson.h>

namespace tsm::tools::loadgen {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

constexpr std::string_view tag_prefix = "80CA00FF08"; // GET DATA, Lc 8: the sequence number
constexpr const char* hexdig = "0123456789ABCDEF";

int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

simdjson::ondemand::parser& thread_parser() {
    thread_local simdjson::ondemand::parser p;
    return p;
}

bool sw_ok(std::string_view r) {
    if (r.size() < 2) {
        return false;
    }
    const auto sw1 = static_cast<unsigned char>(r[r.size() - 2]);
    const auto sw2 = static_cast<unsigned char>(r[r.size() - 1]);
    return (sw1 == 0x90 && sw2 == 0x00) || sw1 == 0x61;
}

} // namespace

std::string card_cin(std::uint32_t session) {
    char cin[17];
    std::snprintf(cin, sizeof cin, "0E48%012X", session);
    return cin;
}

std::string tagged_apdu(std::uint64_t seq) {
    std::string s(tag_prefix);
    for (int i = 15; i >= 0; --i) {
        s.push_back(hexdig[(seq >> (i * 4)) & 0xf]);
    }
    return s;
}

bool parse_tag(std::string_view apdu, std::uint64_t& seq) {
    if (apdu.size() != tag_prefix.size() + 16) {
        return false;
    }
    for (std::size_t i = 0; i < tag_prefix.size(); ++i) {
        if (hexval(apdu[i]) != hexval(tag_prefix[i])) {
            return false;
        }
    }
    std::uint64_t v = 0;
    for (std::size_t i = tag_prefix.size(); i < apdu.size(); ++i) {
        int h = hexval(apdu[i]);
        if (h < 0) {
            return false;
        }
        v = (v << 4) | static_cast<std::uint64_t>(h);
    }
    seq = v;
    return true;
}

touch_point::touch_point(worker& w, std::uint32_t session) : w_(w), session_(session), ws_(w.ioc()) {}

void touch_point::start(std::function<void(bool)> ready) {
    ready_ = std::move(ready);
    const auto& o = w_.b().opt;
    auto& tcp = beast::get_lowest_layer(ws_);
    tcp.expires_after(std::chrono::seconds(30));
    tcp.async_connect(
        net::ip::tcp::endpoint(net::ip::make_address(o.tsm.host), o.tsm.port), [this](beast::error_code ec) {
            if (ec) {
                return fail("connect");
            }
            beast::get_lowest_layer(ws_).expires_never();
            beast::get_lowest_layer(ws_).socket().set_option(net::ip::tcp::no_delay(true));
            ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
            ws_.read_message_max(1 << 20);
            ws_.auto_fragment(false);
            ws_.text(true);
            const auto& opt = w_.b().opt;
            ws_.async_handshake(opt.tsm.host + ":" + std::to_string(opt.tsm.port), "/touchpoint/v1",
                                [this](beast::error_code ec2) {
                                    if (ec2) {
                                        return fail("handshake");
                                    }
                                    if (!w_.b().opt.deliver) {
                                        // Bare connection (soak --no-deliver): counted as ready, no session.
                                        w_.b().sessions_ready.fetch_add(1, std::memory_order_release);
                                        read_next();
                                        auto r = std::move(ready_);
                                        ready_ = nullptr;
                                        return r(true);
                                    }
                                    const auto& b = w_.b();
                                    send(R"({"type":"deliver","appId":")" + b.app.id + R"(","serviceId":")"
                                         + b.opt.service + R"(","cardId":{"iin":"8A2C10","cin":")"
                                         + card_cin(session_) + R"(","platformVersion":2}})");
                                    read_next();
                                });
        });
}

void touch_point::fail(const char* /*what*/, bool count_ws_error) {
    if (dead_) {
        return;
    }
    dead_ = true;
    if (count_ws_error) {
        w_.b().st.error(error_kind::ws_error);
    }
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
    if (!has_session_ && ready_) {
        w_.b().sessions_failed.fetch_add(1);
        auto r = std::move(ready_);
        ready_ = nullptr;
        r(false);
    }
}

void touch_point::read_next() {
    ws_.async_read(buf_, [this](beast::error_code ec, std::size_t n) {
        if (ec) {
            if (ec == websocket::error::closed) {
                w_.b().st.error(error_kind::ws_closed);
                return fail("closed", false);
            }
            return fail("read", !w_.ioc().stopped());
        }
        on_frame(n);
        buf_.consume(buf_.size());
        read_next();
    });
}

void touch_point::on_frame(std::size_t n) {
    bench& b = w_.b();
    std::string& sc = w_.scratch();
    sc.assign(static_cast<const char*>(buf_.data().data()), n);
    if (sc.capacity() < n + simdjson::SIMDJSON_PADDING) {
        sc.reserve(n + simdjson::SIMDJSON_PADDING);
    }
    simdjson::ondemand::document doc;
    if (thread_parser().iterate(sc.data(), n, sc.capacity()).get(doc)) {
        b.st.error(error_kind::bad_frame);
        return;
    }
    std::string_view type;
    if (doc["type"].get_string().get(type)) {
        b.st.error(error_kind::bad_frame);
        return;
    }
    if (type == "commands") {
        const std::int64_t now = now_ns();
        std::int64_t batch = 0;
        simdjson::ondemand::array cmds;
        if (doc["batch"].get_int64().get(batch) || doc["commands"].get_array().get(cmds)) {
            b.st.error(error_kind::bad_frame);
            return;
        }
        std::size_t count = 0;
        std::uint64_t seq = ~0ull;
        bool tagged = false;
        const bool ccm = b.opt.scen != scenario::transceive;
        cmds_.clear();
        for (auto c : cmds) {
            if (count == 0 || ccm) {
                std::string_view apdu;
                const bool is_string = !c.get_string().get(apdu);
                if (count == 0) {
                    tagged = is_string && parse_tag(apdu, seq);
                }
                if (ccm) {
                    cmds_.push_back(is_string ? apdu : std::string_view{});
                }
            }
            ++count;
        }
        if (ccm && !tagged) {
            std::string_view op_id;
            bool stop_on_error = true;
            if (doc["operationId"].get_string().get(op_id)) {
                b.st.error(error_kind::bad_frame);
                return;
            }
            if (doc["stopOnError"].get_bool().get(stop_on_error)) {
                stop_on_error = true;
            }
            return on_ccm_batch(now, batch, op_id, stop_on_error);
        }
        std::string reply;
        reply.reserve(48 + count * 7);
        reply += R"({"type":"responses","batch":)";
        reply += std::to_string(batch);
        reply += R"(,"responses":[)";
        for (std::size_t i = 0; i < count; ++i) {
            reply += i ? R"(,"9000")" : R"("9000")";
        }
        reply += "]}";
        send(std::move(reply));
        op_slot* slot = tagged ? b.ops.find(seq) : nullptr;
        if (slot == nullptr) {
            b.st.error(error_kind::unknown_event);
            return;
        }
        bool completed = false;
        const auto old = b.ops.mark(*slot, op_flag::pushed, completed);
        if ((old & op_flag::pushed) == 0) {
            const auto step = slot->step.load(std::memory_order_relaxed);
            w_.record(step, slot->kind.load(std::memory_order_relaxed), latency_kind::push,
                      now - slot->t_start.load(std::memory_order_relaxed));
            b.st.steps[step].pushed.fetch_add(1, std::memory_order_relaxed);
            b.st.steps[step].kind[slot->kind.load(std::memory_order_relaxed) % op_kinds].pushed.fetch_add(
                1, std::memory_order_relaxed);
        }
        return;
    }
    if (type == "session") {
        std::string_view id;
        if (doc["sessionId"].get_string().get(id)) {
            b.st.error(error_kind::bad_frame);
            return;
        }
        b.sessions[session_]->id.assign(id);
        has_session_ = true;
        b.sessions_ready.fetch_add(1, std::memory_order_release);
        if (ready_) {
            auto r = std::move(ready_);
            ready_ = nullptr;
            r(true);
        }
        return;
    }
    if (type == "error") {
        b.st.error(error_kind::tp_error_frame);
        if (!has_session_) {
            b.st.error(error_kind::deliver_failed);
            fail("deliver refused", false);
        }
        return;
    }
    if (type == "status") {
        b.st.error(error_kind::session_ended);
        return;
    }
}

void touch_point::on_ccm_batch(std::int64_t now, std::int64_t batch, std::string_view operation_id,
                               bool stop_on_error) {
    bench& b = w_.b();
    if (!card_ || operation_id != card_op_) {
        // A new CCM operation. The previous one should have left its instance on its card.
        if (card_ && !card_op_found_) {
            b.st.error(error_kind::ccm_not_installed);
        }
        // A factory-fresh card: every install loads the CAP, like a fleet of cards each
        // installing once. tsmd's work is the same as for a real first install.
        static const tsm::sandbox::secure_element_config base =
            tsm::sandbox::secure_element_config::with_test_keys();
        auto cfg = base;
        if (auto cin = core::from_hex(card_cin(session_))) {
            cfg.cin = *cin;
        }
        card_ = std::make_unique<tsm::sandbox::secure_element>(std::move(cfg));
        card_op_.assign(operation_id);
        card_op_t0_ = now;
        card_op_found_ = false;
    }
    std::string reply;
    reply.reserve(64 + cmds_.size() * 8);
    reply += R"({"type":"responses","batch":)";
    reply += std::to_string(batch);
    reply += R"(,"responses":[)";
    bool first = true;
    for (std::string_view cmd : cmds_) {
        auto apdu = core::from_hex(cmd);
        std::string r = apdu ? card_->transceive(*apdu) : std::string("\x6F\x00", 2);
        if (!apdu) {
            b.st.error(error_kind::bad_frame);
        }
        reply += first ? "\"" : ",\"";
        first = false;
        reply += core::to_hex(r);
        reply += '"';
        if (stop_on_error && !sw_ok(r)) {
            b.st.error(error_kind::card_error);
            break;
        }
    }
    reply += "]}";
    // Identify the operation before answering: once the answer is out, the callback can arrive
    // (on another thread) and retire the operation.
    if (!card_op_found_) {
        const auto apps = card_->applications();
        if (!apps.empty()) {
            card_op_found_ = true;
            const std::uint64_t seq = seq_of_instance(apps.front().aid);
            if (op_slot* slot = b.ops.find(seq)) {
                bool completed = false;
                const auto old = b.ops.mark(*slot, op_flag::pushed, completed);
                if ((old & op_flag::pushed) == 0) {
                    const auto step = slot->step.load(std::memory_order_relaxed);
                    const auto kind = slot->kind.load(std::memory_order_relaxed);
                    w_.record(step, kind, latency_kind::push,
                              card_op_t0_ - slot->t_start.load(std::memory_order_relaxed));
                    b.st.steps[step].pushed.fetch_add(1, std::memory_order_relaxed);
                    b.st.steps[step].kind[kind % op_kinds].pushed.fetch_add(1, std::memory_order_relaxed);
                }
            } else {
                b.st.error(error_kind::unknown_event);
            }
        }
    }
    send(std::move(reply));
}

void touch_point::send(std::string frame) {
    out_.push_back(std::move(frame));
    if (!writing_) {
        write_next();
    }
}

void touch_point::write_next() {
    if (out_.empty() || dead_) {
        writing_ = false;
        return;
    }
    writing_ = true;
    ws_.async_write(net::buffer(out_.front()), [this](beast::error_code ec, std::size_t) {
        out_.pop_front();
        if (ec) {
            writing_ = false;
            return fail("write");
        }
        write_next();
    });
}

} // namespace tsm::tools::loadgen
