#pragma once
/// /healthz (alive), /readyz (recovered and not draining) and /metrics (Prometheus text format)
/// for both listeners: the SP and admin APIs hand every request to serve() first.
/// Thread safety: serve() and the set_* of ready/draining are safe from any shard; the sources
/// (probe, store stats, connection counters) are wired once at start-up, before serving.
#include "tsm/core/record_store.hpp"
#include "tsm/core/service_probe.hpp"
#include "tsm/transport/http_types.hpp"
#include "tsm/transport/route_table.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace tsm::transport {

/// Where the metrics come from. Counters left empty are not rendered.
struct health_sources {
    const core::service_probe* probe = nullptr;
    const core::store_stats* store = nullptr;
    std::function<std::size_t()> ws_connections;
    std::function<std::size_t()> http_connections;
    /// Whether the store can take writes now (cluster mode: the node's lease renewal reached a
    /// writable primary); empty: always. Not ready while it says no.
    std::function<bool()> store_writable;
};

class health_api {
public:
    /// `sources.probe` must be set and outlive this object.
    explicit health_api(health_sources sources);
    health_api(const health_api&) = delete;
    health_api& operator=(const health_api&) = delete;

    /// Answers /healthz, /readyz and /metrics (GET or HEAD; other methods 405) and returns true;
    /// false for every other path, with nothing answered.
    bool serve(http_request& req, http_responder& respond) const;

    void set_ready(bool ready) noexcept { ready_.store(ready); }             ///< recovery done, listeners up
    void set_draining(bool draining) noexcept { draining_.store(draining); } ///< SIGTERM received
    /// Wired after the SP listener exists, before it serves.
    void set_http_connections(std::function<std::size_t()> count) {
        sources_.http_connections = std::move(count);
    }

    /// The Fidesmo long poll's held fetches (a gauge); wired before serving.
    void set_held_fetches(std::function<std::int64_t()> count) { held_fetches_ = std::move(count); }

    /// The Prometheus text of every metric.
    std::string render_metrics() const;

private:
    health_sources sources_;
    std::function<std::int64_t()> held_fetches_;
    std::atomic<bool> ready_{false};
    std::atomic<bool> draining_{false};
    route_table routes_;
};

} // namespace tsm::transport
