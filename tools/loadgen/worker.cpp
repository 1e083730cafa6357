#include "worker.hpp"

#include "sp_client.hpp"
#include "touch_point.hpp"

#include <boost/asio/post.hpp>

#include <cmath>

namespace tsm::tools::loadgen {

namespace net = boost::asio;

worker::worker(bench& b, unsigned index) : b_(b), index_(index), timer_(ioc_) {
    hist_.resize(stats::max_steps);
    scratch_.reserve(64 * 1024);
}

worker::~worker() {
    stop_thread();
    clients_.clear();
    tps_.clear();
}

void worker::run_thread() {
    thread_ = std::thread([this] {
        auto guard = net::make_work_guard(ioc_);
        ioc_.run();
    });
}

void worker::stop_thread() {
    ioc_.stop();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void worker::add_touch_point(std::uint32_t session) {
    tps_.push_back(std::make_unique<touch_point>(*this, session));
}

void worker::add_sp_clients(unsigned n) {
    for (unsigned i = 0; i < n; ++i) {
        clients_.push_back(std::make_unique<sp_client>(*this));
        idle_.push_back(clients_.back().get());
    }
}

void worker::connect_touch_points(unsigned concurrency) {
    net::post(ioc_, [this, concurrency] { connect_next(concurrency); });
}

void worker::connect_next(unsigned concurrency) {
    while (connecting_ < concurrency && next_connect_ < tps_.size()) {
        ++connecting_;
        tps_[next_connect_++]->start([this, concurrency](bool) {
            --connecting_;
            connect_next(concurrency);
        });
    }
}

void worker::start_closed(std::uint32_t step) {
    net::post(ioc_, [this, step] {
        step_ = step;
        closed_ = true;
        ticking_ = false;
        backlog_.clear();
        ready_.clear();
        for (auto& tp : tps_) {
            if (tp->has_session()) {
                ready_.push_back(tp->session());
            }
        }
        pump();
    });
}

void worker::start_open(std::uint32_t step, double rate_per_s, std::int64_t t0) {
    net::post(ioc_, [this, step, rate_per_s, t0] {
        step_ = step;
        closed_ = false;
        ready_.clear();
        my_sessions_.clear();
        for (auto& tp : tps_) {
            if (tp->has_session()) {
                my_sessions_.push_back(tp->session());
            }
        }
        if (my_sessions_.empty()) {
            return;
        }
        period_ns_ = 1e9 / rate_per_s;
        t0_ = t0;
        scheduled_ = 0;
        ticking_ = true;
        on_tick();
    });
}

void worker::on_tick() {
    if (!ticking_) {
        return;
    }
    const std::int64_t now = now_ns();
    for (;;) {
        const auto intended = t0_ + static_cast<std::int64_t>(static_cast<double>(scheduled_) * period_ns_);
        if (intended > now) {
            break;
        }
        if (!b_.take_quota(intended)) {
            ticking_ = false;
            break;
        }
        ++scheduled_;
        backlog_.push_back({my_sessions_[rr_++ % my_sessions_.size()], intended});
    }
    pump();
    if (!ticking_) {
        return;
    }
    const auto next = t0_ + static_cast<std::int64_t>(static_cast<double>(scheduled_) * period_ns_);
    timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(next)));
    timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) {
            on_tick();
        }
    });
}

void worker::session_done(std::uint32_t session) {
    net::post(ioc_, [this, session] {
        if (closed_) {
            ready_.push_back(session);
            pump();
        }
    });
}

void worker::client_idle(sp_client* c) {
    idle_.push_back(c);
    pump();
}

void worker::pump() {
    while (!idle_.empty()) {
        if (closed_) {
            if (ready_.empty() || !b_.take_quota(now_ns())) {
                return;
            }
            const auto s = ready_.front();
            ready_.pop_front();
            sp_client* c = idle_.back();
            idle_.pop_back();
            issue(c, s, now_ns());
        } else {
            if (backlog_.empty()) {
                return;
            }
            const auto p = backlog_.front();
            backlog_.pop_front();
            sp_client* c = idle_.back();
            idle_.pop_back();
            issue(c, p.session, p.intended);
        }
    }
}

op_kind worker::next_kind() {
    switch (b_.opt.scen) {
    case scenario::transceive: return op_kind::transceive;
    case scenario::ccm_install: return op_kind::ccm_install;
    case scenario::mixed: break;
    }
    // The n-th operation is a CCM install when floor(n * f) steps up: exactly f of every prefix
    // (rounded down), evenly spaced.
    const double f = b_.opt.mix_ccm;
    const auto n = ++kind_n_;
    const auto before = static_cast<std::uint64_t>(std::floor(static_cast<double>(n - 1) * f + 1e-9));
    const auto now = static_cast<std::uint64_t>(std::floor(static_cast<double>(n) * f + 1e-9));
    return now > before ? op_kind::ccm_install : op_kind::transceive;
}

void worker::issue(sp_client* c, std::uint32_t session, std::int64_t t_start) {
    const std::uint64_t seq = b_.next_seq.fetch_add(1, std::memory_order_relaxed);
    const op_kind kind = next_kind();
    if (!b_.ops.claim(seq, session, step_, t_start, static_cast<std::uint8_t>(kind))) {
        b_.st.error(error_kind::ring_overrun);
        idle_.push_back(c);
        return;
    }
    auto& sc = b_.st.steps[step_];
    std::int64_t zero = 0;
    sc.first_issue_ns.compare_exchange_strong(zero, t_start, std::memory_order_relaxed);
    sc.issued.fetch_add(1, std::memory_order_relaxed);
    sc.kind[static_cast<int>(kind)].issued.fetch_add(1, std::memory_order_relaxed);
    b_.st.issued_total.fetch_add(1, std::memory_order_relaxed);
    c->post(session, seq, kind);
}

} // namespace tsm::tools::loadgen
