#pragma once
/// Health, readiness and metrics endpoints shared by the SP and admin listeners.
#include "tsm/core/record_store.hpp"
#include "tsm/core/service_probe.hpp"
#include "tsm/transport/http_types.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <string>

namespace tsm::tsmd {

struct health {
    std::atomic<bool> ready{false};    ///< recovery done, listeners up
    std::atomic<bool> draining{false}; ///< SIGTERM received
    const core::service_probe* probe = nullptr;
    const core::store_stats* store = nullptr;
    std::function<std::size_t()> ws_connections;
    std::function<std::size_t()> http_connections;

    /// Answers /healthz, /readyz, /metrics; nullopt for other paths.
    std::optional<transport::http_response> serve(const transport::http_request& req) const;
    std::string render_metrics() const;
};

} // namespace tsm::tsmd
