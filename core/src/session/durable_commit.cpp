#include "durable_commit.hpp"

#include <boost/asio/post.hpp>

#include <memory>
#include <system_error>

namespace tsm::core {

durable_commit::durable_commit(boost::asio::io_context& ioc, record_store& store, shard_gate& gate,
                               session_metrics& metrics, std::chrono::milliseconds retry)
    : ioc_(ioc), store_(store), gate_(gate), metrics_(metrics), retry_(retry) {}

void durable_commit::submit(write_set w, durability d, record_store::commit_handler done) {
    auto pass = gate_.enter();
    if (!pass) {
        boost::asio::post(ioc_, [done = std::move(done)] {
            done(std::make_error_code(std::errc::operation_canceled));
        });
        return;
    }
    if (!w.fence && fence_of_) {
        w.fence = fence_of_(w);
    }
    std::string fenced_session = w.fence ? w.fence->session_id : std::string();
    // The pass leaves the gate when this handler is destroyed, after `done` has run.
    store_.commit(std::move(w), d, ioc_.get_executor(),
                  [this, pass = std::move(pass), done = std::move(done),
                   fenced_session = std::move(fenced_session)](std::error_code ec) {
                      if (ec == store_errc::fenced && fenced_) {
                          fenced_(fenced_session); // before `done`: it finds the session gone
                      }
                      done(ec);
                  });
}

void durable_commit::use_fences(std::function<std::optional<session_fence>(const write_set&)> fence_of,
                                std::function<void(const std::string&)> fenced) {
    fence_of_ = std::move(fence_of);
    fenced_ = std::move(fenced);
}

void durable_commit::until_durable(attempt_fn attempt, std::function<void()> durable,
                                   std::function<void()> abandoned) {
    try_once(job{std::move(attempt), std::move(durable), std::move(abandoned)});
}

void durable_commit::try_once(job j) {
    if (stopped_) {
        if (j.abandoned) {
            j.abandoned();
        }
        return;
    }
    std::optional<write_set> w = j.attempt();
    if (!w) {
        return;
    }
    // std::function needs a copyable handler; the job moves through it once.
    auto shared = std::make_shared<job>(std::move(j));
    submit(std::move(*w), durability::sync, [this, shared](std::error_code ec) {
        if (!ec) {
            shared->durable();
            return;
        }
        if (ec == store_errc::fenced) { // the session's new owner carries on from the store
            if (shared->abandoned) {
                shared->abandoned();
            }
            return;
        }
        if (ec != std::errc::operation_canceled) {
            metrics_.on_store_error();
        }
        retry_later(std::move(*shared));
    });
}

void durable_commit::retry_later(job j) {
    auto pass = gate_.enter();
    if (stopped_ || !pass) {
        if (j.abandoned) {
            j.abandoned();
        }
        return;
    }
    waiting_.emplace_back(ioc_, retry_);
    auto pos = std::prev(waiting_.end());
    auto shared = std::make_shared<job>(std::move(j));
    pos->async_wait([this, pos, shared, pass = std::move(pass)](boost::system::error_code) {
        waiting_.erase(pos);
        try_once(std::move(*shared)); // abandons when stopped meanwhile
    });
}

void durable_commit::stop() {
    stopped_ = true;
    for (auto& t : waiting_) {
        t.cancel();
    }
}

} // namespace tsm::core
