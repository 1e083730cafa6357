#include "tsm/core/service_probe.hpp"

namespace tsm::core {

void latency_histogram::observe_us(std::uint64_t us) noexcept {
    const double ms = static_cast<double>(us) / 1000.0;
    int i = 0;
    while (i < bucket_count - 1 && ms > bounds_ms[i]) {
        ++i;
    }
    buckets[i].fetch_add(1, std::memory_order_relaxed);
    count.fetch_add(1, std::memory_order_relaxed);
    sum_us.fetch_add(us, std::memory_order_relaxed);
}

namespace {

std::atomic<std::int64_t>* state_gauge(service_probe& p, session_state s) noexcept {
    switch (s) {
    case session_state::delivering: return &p.sessions_delivering;
    case session_state::active: return &p.sessions_active;
    default: return nullptr; // ended sessions are counted, not gauged
    }
}

} // namespace

void session_metrics::on_session_created(session_state s) noexcept {
    if (auto* g = state_gauge(p_, s)) {
        add(*g, 1);
    }
}

void session_metrics::on_session_discarded(session_state s) noexcept {
    if (auto* g = state_gauge(p_, s)) {
        add(*g, -1);
    }
}

void session_metrics::on_transition(session_state from, session_state to) noexcept {
    on_session_discarded(from);
    on_session_created(to);
    if (to == session_state::completed) {
        inc(p_.sessions_completed);
    } else if (to == session_state::failed) {
        inc(p_.sessions_failed);
    }
}

void session_metrics::on_operation_started() noexcept {
    add(p_.operations_queued, -1);
    add(p_.operations_running, 1);
}

void session_metrics::on_operation_outcome(bool succeeded) noexcept {
    inc(succeeded ? p_.operations_succeeded : p_.operations_failed);
}

void session_metrics::on_operation_removed(bool started) noexcept {
    add(started ? p_.operations_running : p_.operations_queued, -1);
}

} // namespace tsm::core
