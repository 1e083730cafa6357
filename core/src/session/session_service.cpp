// session_service: construction, lifecycle (adopt, start, shutdown, the expiry timer) and the
// gated I/O every flow goes through. The flows themselves: delivery_handshake.cpp,
// operation_engine.cpp, session_ending.cpp.
#include "tsm/core/session_service.hpp"

#include "durable_commit.hpp"
#include "tsm/core/clock.hpp"

#include <boost/asio/post.hpp>

namespace tsm::core {

session_service::session_service(boost::asio::io_context& ioc, record_store& store, touch_point_port& tp,
                                 sp_port& sp, outbox_relay& relay, app_directory& apps,
                                 const secret_hasher& hasher, const operation_registry& kinds,
                                 const key_vault& vault, session_service_config cfg, service_probe& probe)
    : owner_(cfg.owner_shard, "session_service"), ioc_(ioc), store_(store), tp_(tp), sp_(sp), relay_(relay),
      apps_(apps), hasher_(hasher), kinds_(kinds), vault_(vault), cfg_(std::move(cfg)), metrics_(probe),
      gate_(ioc.get_executor()),
      durable_(std::make_unique<durable_commit>(ioc, store, gate_, metrics_, cfg_.write_retry_interval)),
      sweep_timer_(ioc) {
    if (cfg_.cluster) { // one node owns everything it holds: nothing to fence
        durable_->use_fences([this](const write_set& w) { return fence_of(w); },
                             [this](const std::string& id) { drop_fenced(id); });
    }
}

session_service::~session_service() = default;

delivery_session* session_service::find(const std::string& session_id) {
    auto it = sessions_.find(session_id);
    return it == sessions_.end() ? nullptr : it->second.get();
}

std::size_t session_service::session_count() const noexcept {
    owner_.assert_on_owner();
    return sessions_.size();
}

void session_service::transition(delivery_session& s, session_state to) {
    metrics_.on_transition(s.state(), to);
    s.set_state(to);
}

void session_service::commit(write_set w, durability d, record_store::commit_handler done) {
    durable_->submit(std::move(w), d, std::move(done));
}

void session_service::call_sp(std::string method, std::string url, std::string body,
                              sp_port::reply_handler done) {
    auto pass = gate_.enter();
    if (!pass) {
        boost::asio::post(ioc_, [done = std::move(done)] { done(sp_reply{0, {}, "shutting down"}); });
        return;
    }
    // The SP port runs `done` on this shard; the pass leaves the gate after it has run.
    sp_.call(std::move(method), std::move(url), std::move(body),
             [pass = std::move(pass), done = std::move(done)](sp_reply reply) { done(std::move(reply)); });
}

// ---------------------------------------------------------------- lifecycle

void session_service::adopt(session_record rec, std::vector<operation_record> ops) {
    owner_.assert_on_owner();
    auto s = std::make_unique<delivery_session>(std::move(rec));
    metrics_.on_session_created(s->state());
    // The expiry clock restarts with the process: the touch point needs time to resume.
    s->touch(now_ms());
    for (auto& r : ops) {
        s->recover(std::move(r));
        metrics_.on_operation_queued();
    }
    auto& ref = *s;
    sessions_[ref.id()] = std::move(s);
    if (ref.state() == session_state::delivering) {
        // The SP may not have seen the delivery request; ask again (SPs must accept repeats).
        send_delivery_request(ref.id());
    }
    if (ref.record().recipe && !ref.terminal() && ref.head() == nullptr) {
        end_interrupted_recipe(ref);
        return;
    }
    pump(ref);
}

void session_service::start() {
    owner_.assert_on_owner();
    schedule_sweep();
}

void session_service::schedule_sweep() {
    if (stopped_) {
        return;
    }
    auto pass = gate_.enter();
    sweep_timer_.expires_after(cfg_.sweep_interval);
    sweep_timer_.async_wait([this, pass = std::move(pass)](boost::system::error_code ec) {
        if (ec || stopped_) {
            return;
        }
        sweep();
        schedule_sweep();
    });
}

void session_service::shutdown(std::function<void()> drained) {
    owner_.assert_on_owner();
    stopped_ = true;
    sweep_timer_.cancel();
    durable_->stop();
    if (!gate_.closed()) {
        gate_.close(drained ? std::move(drained) : [] {});
    } else if (drained) {
        boost::asio::post(ioc_, std::move(drained));
    }
}

} // namespace tsm::core
