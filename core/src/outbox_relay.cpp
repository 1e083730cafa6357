#include "tsm/core/outbox_relay.hpp"

#include "tsm/core/clock.hpp"
#include "tsm/core/log.hpp"
#include "tsm/core/sealed_payload.hpp"

#include <boost/asio/post.hpp>
#include <sodium.h>

#include <chrono>
#include <cstdio>

namespace tsm::core {
namespace {

std::uint64_t steady_us() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(
        duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count());
}

double random01() {
    return static_cast<double>(randombytes_uniform(1'000'000)) / 1'000'000.0;
}

} // namespace

std::string url_origin(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        return std::string(url);
    }
    const auto path = url.find_first_of("/?#", scheme_end + 3);
    return std::string(url.substr(0, path));
}

outbox_relay::outbox_relay(boost::asio::io_context& ioc, record_store& store, sp_port& sp,
                           outbox_relay_config cfg, service_probe& probe, const key_vault* vault)
    : owner_(cfg.owner_shard, "outbox_relay"), ioc_(ioc), store_(store), sp_(sp), cfg_(cfg), probe_(probe),
      vault_(vault), gate_(ioc.get_executor()) {}

outbox_relay::~outbox_relay() {
    stopped_ = true;
    for (auto& w : waiting_) {
        w.timer.cancel();
    }
}

std::size_t outbox_relay::pending() const noexcept {
    owner_.assert_on_owner();
    return pending_;
}

void outbox_relay::enqueue(outbox_entry e, std::uint32_t attempts) {
    owner_.assert_on_owner();
    if (stopped_) {
        return; // stays in the store; the next start sends it
    }
    ++pending_;
    add(probe_.outbox_depth, 1);
    std::string host = url_origin(e.url);
    hosts_[host].ready.push_back(item{std::move(e), attempts});
    pump(host);
}

void outbox_relay::shutdown(std::function<void()> drained) {
    owner_.assert_on_owner();
    stopped_ = true;
    for (auto& w : waiting_) {
        w.timer.cancel();
    }
    if (!gate_.closed()) {
        gate_.close(drained ? std::move(drained) : [] {});
    } else if (drained) {
        boost::asio::post(ioc_, std::move(drained));
    }
}

void outbox_relay::pump(const std::string& host) {
    auto it = hosts_.find(host);
    if (it == hosts_.end()) {
        return;
    }
    host_queue& q = it->second;
    while (!stopped_ && q.in_flight < cfg_.max_in_flight_per_host && !q.ready.empty()) {
        item next = std::move(q.ready.front());
        q.ready.pop_front();
        ++q.in_flight;
        attempt(host, std::move(next));
    }
    if (q.in_flight == 0 && q.ready.empty()) {
        hosts_.erase(it);
    }
}

void outbox_relay::attempt(const std::string& host, item it) {
    inc(probe_.callback_attempts);
    const std::uint64_t started = steady_us();
    std::string url = it.entry.url;
    std::string body;
    if (it.entry.sealed) {
        auto opened = vault_ == nullptr ? std::nullopt : vault_->open(it.entry.body, outbox_body_context(it.entry.id));
        if (!opened) {
            // Never deliverable (another key-encryption key, or damaged): dropped, not retried.
            log::error("sealed callback does not open; dropped", {{"operationId", it.entry.id}});
            boost::asio::post(ioc_, [this, pass = gate_.enter(), host, it = std::move(it)] {
                --hosts_[host].in_flight;
                retire(it.entry);
                pump(host);
            });
            return;
        }
        body = std::move(*opened);
    } else {
        body = it.entry.body;
    }
    auto pass = gate_.enter(); // never refused here: attempts stop with stopped_, before close()
    sp_.call("POST", std::move(url), std::move(body),
             [this, pass = std::move(pass), host, it = std::move(it), started](sp_reply reply) mutable {
                 on_reply(host, std::move(it), std::move(reply), started);
             });
}

void outbox_relay::on_reply(const std::string& host, item it, sp_reply reply, std::uint64_t started_us) {
    probe_.callback_latency.observe_us(steady_us() - started_us);
    --hosts_[host].in_flight;
    if (reply.status >= 200 && reply.status < 300) {
        inc(probe_.callback_successes);
        retire(it.entry);
        pump(host);
        return;
    }
    inc(probe_.callback_failures);
    ++it.attempts;
    const auto delay = next_retry_delay(cfg_.retry, it.attempts, it.entry.created_ms, now_ms(), random01());
    if (!delay) {
        inc(probe_.callbacks_expired);
        log::warn("callback expired",
                  {{"operationId", it.entry.id}, {"attempts", std::to_string(it.attempts)}});
        retire(it.entry);
        pump(host);
        return;
    }
    if (!stopped_) {
        waiting_.emplace_back(std::move(it), ioc_);
        auto pos = std::prev(waiting_.end());
        pos->timer.expires_after(*delay);
        pos->timer.async_wait([this, pass = gate_.enter(), pos](boost::system::error_code) {
            item again = std::move(pos->it);
            waiting_.erase(pos);
            if (stopped_) {
                return;
            }
            --pending_;
            add(probe_.outbox_depth, -1);
            enqueue(std::move(again.entry), again.attempts);
        });
    }
    pump(host);
}

void outbox_relay::retire(const outbox_entry& e) {
    --pending_;
    add(probe_.outbox_depth, -1);
    write_set w;
    w.delete_outbox.push_back(e.id);
    // Relaxed: losing this delete in a crash only means one more (idempotent) delivery.
    store_.commit(std::move(w), durability::relaxed, ioc_.get_executor(),
                  [pass = gate_.enter()](std::error_code) {});
}

} // namespace tsm::core
