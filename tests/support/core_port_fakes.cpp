#include "core_port_fakes.hpp"

#include <stdexcept>

#include "tsm/transport/touch_point/v1/codec.hpp"

#include <boost/asio/post.hpp>
#include <boost/test/unit_test.hpp>

#include <sodium.h>

#include <algorithm>

namespace {

/// libsodium must be initialised once before ids, tokens and hashers are used.
struct sodium_fixture {
    sodium_fixture() {
        if (sodium_init() < 0) {
            throw std::runtime_error("sodium_init failed");
        }
    }
};
BOOST_TEST_GLOBAL_FIXTURE(sodium_fixture);

} // namespace

namespace tsm::test {

namespace tp_v1 = transport::touch_point::v1;

// ---------------------------------------------------------------- fake_store

void fake_store::apply(const core::write_set& w) {
    for (const auto& a : w.put_apps) {
        apps[a.app_id] = a;
    }
    for (const auto& id : w.delete_apps) {
        apps.erase(id);
    }
    for (const auto& s : w.put_sessions) {
        sessions[s.session_id] = s;
    }
    for (const auto& o : w.put_operations) {
        operations[o.operation_id] = o;
    }
    for (const auto& e : w.put_outbox) {
        outbox[e.id] = e;
    }
    for (const auto& id : w.delete_outbox) {
        outbox.erase(id);
    }
}

void fake_store::finish(std::function<void()> fn) {
    if (hold) {
        held_.push_back(std::move(fn));
    } else {
        fn();
    }
}

void fake_store::commit(core::write_set w, core::durability d, boost::asio::any_io_executor ex,
                        commit_handler done) {
    commits.push_back(commit_record{w, d});
    std::error_code ec;
    if (fail_next_) {
        ec = *fail_next_;
        fail_next_.reset();
    }
    finish([this, w = std::move(w), ex, done = std::move(done), ec]() mutable {
        if (!ec) {
            apply(w);
            stats_.commits.fetch_add(1);
        } else {
            stats_.failures.fetch_add(1);
        }
        boost::asio::post(ex, [done = std::move(done), ec] { done(ec); });
    });
}

void fake_store::load_operation(std::string operation_id, boost::asio::any_io_executor ex,
                                load_operation_handler done) {
    std::optional<core::operation_record> rec;
    if (auto it = operations.find(operation_id); it != operations.end()) {
        rec = it->second;
    }
    boost::asio::post(ex,
                      [done = std::move(done), rec = std::move(rec)]() mutable { done({}, std::move(rec)); });
}

std::error_code fake_store::load_all(core::recovered_state& out) {
    for (const auto& [id, a] : apps) {
        out.apps.push_back(a);
    }
    for (const auto& [id, s] : sessions) {
        if (!core::is_terminal(s.state)) {
            out.sessions.push_back(s);
        }
    }
    for (const auto& [id, o] : operations) {
        if (o.state != core::operation_state::done) {
            out.operations.push_back(o);
        }
    }
    std::sort(out.operations.begin(), out.operations.end(), [](const auto& a, const auto& b) {
        return a.session_id != b.session_id ? a.session_id < b.session_id : a.seq < b.seq;
    });
    for (const auto& [id, e] : outbox) {
        out.outbox.push_back(e);
    }
    return {};
}

std::size_t fake_store::release() {
    auto pending = std::move(held_);
    held_.clear();
    for (auto& fn : pending) {
        fn();
    }
    return pending.size();
}

// ---------------------------------------------------------------- fake_sp_port

void fake_sp_port::call(std::string method, std::string url, std::string body, reply_handler done) {
    calls.push_back(call_record{std::move(method), std::move(url), std::move(body), std::move(done)});
}

void fake_sp_port::answer(std::size_t index, int status, std::string body) {
    // Runs on shard threads in the adapter tests: no Boost.Test macro here (they are not
    // thread-safe); a misuse throws, which fails the test that made it.
    if (index >= calls.size() || calls[index].answered) {
        throw std::logic_error("fake_sp_port::answer: no open call " + std::to_string(index));
    }
    calls[index].answered = true;
    auto done = std::move(calls[index].done);
    calls[index].done = nullptr;
    core::sp_reply r;
    r.status = status;
    r.body = std::move(body);
    if (status == 0) {
        r.error = "connection refused";
    }
    done(std::move(r));
}

std::vector<std::size_t> fake_sp_port::open_calls(std::string_view url_prefix) const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < calls.size(); ++i) {
        if (!calls[i].answered && calls[i].url.starts_with(url_prefix)) {
            out.push_back(i);
        }
    }
    return out;
}

std::vector<std::size_t> fake_sp_port::calls_to(std::string_view url_prefix) const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < calls.size(); ++i) {
        if (calls[i].url.starts_with(url_prefix)) {
            out.push_back(i);
        }
    }
    return out;
}

// ---------------------------------------------------------------- fake_touch_point

void fake_touch_point::send_commands(core::connection_ref conn, std::uint64_t batch_number,
                                     std::string_view operation_id, const core::apdu_batch& batch) {
    record(conn, tp_v1::frames::commands(batch_number, operation_id, batch));
}

void fake_touch_point::send_description(core::connection_ref conn, std::string_view app_id,
                                        std::string_view service_id, std::string_view description_json) {
    record(conn, tp_v1::frames::description(app_id, service_id, description_json));
}

void fake_touch_point::send_session(core::connection_ref conn, std::string_view session_id,
                                    std::string_view resume_token) {
    record(conn, tp_v1::frames::session(session_id, resume_token));
}

void fake_touch_point::send_resumed(core::connection_ref conn, std::string_view session_id) {
    record(conn, tp_v1::frames::resumed(session_id));
}

void fake_touch_point::send_error(core::connection_ref conn, const core::api_error& error) {
    record(conn, tp_v1::frames::error(error));
}

void fake_touch_point::send_final_status(core::connection_ref conn, std::string_view final_status_json) {
    record(conn, std::string(final_status_json));
}

void fake_touch_point::send_user_interaction(core::connection_ref conn, std::string_view operation_id,
                                             const core::prompt& p) {
    record(conn, tp_v1::frames::user_interaction(operation_id, p));
}

void fake_touch_point::record(core::connection_ref conn, std::string frame) {
    frames_[{conn.shard, conn.id}].push_back(std::move(frame));
}

void fake_touch_point::close(core::connection_ref conn, std::uint16_t code, std::string reason) {
    closes_[{conn.shard, conn.id}].push_back(close_record{code, std::move(reason)});
}

const std::vector<std::string>& fake_touch_point::frames(core::connection_ref conn) const {
    static const std::vector<std::string> none;
    auto it = frames_.find({conn.shard, conn.id});
    return it == frames_.end() ? none : it->second;
}

const std::vector<fake_touch_point::close_record>& fake_touch_point::closes(core::connection_ref conn) const {
    static const std::vector<close_record> none;
    auto it = closes_.find({conn.shard, conn.id});
    return it == closes_.end() ? none : it->second;
}

std::vector<std::string> fake_touch_point::frames_of_type(core::connection_ref conn,
                                                          std::string_view type) const {
    const std::string needle = "\"type\":\"" + std::string(type) + "\"";
    std::vector<std::string> out;
    for (const auto& f : frames(conn)) {
        if (f.find(needle) != std::string::npos) {
            out.push_back(f);
        }
    }
    return out;
}

} // namespace tsm::test
