#include "tsm/transport/health/health_api.hpp"

#include "metrics_text.hpp"

#include <cstdio>

namespace tsm::transport {
namespace {

using metrics_text::help;
using metrics_text::line;

template <class A>
double get(const A& a) {
    return static_cast<double>(a.load(std::memory_order_relaxed));
}

http_response json_response(int status, std::string body) {
    http_response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

void render_probe(std::string& out, const core::service_probe& p) {
    help(out, "tsm_sessions", "gauge", "Service delivery sessions by state");
    line(out, "tsm_sessions", "{state=\"delivering\"}", get(p.sessions_delivering));
    line(out, "tsm_sessions", "{state=\"active\"}", get(p.sessions_active));
    help(out, "tsm_sessions_ended_total", "counter", "Sessions ended, by outcome");
    line(out, "tsm_sessions_ended_total", "{outcome=\"completed\"}", get(p.sessions_completed));
    line(out, "tsm_sessions_ended_total", "{outcome=\"failed\"}", get(p.sessions_failed));
    line(out, "tsm_sessions_ended_total", "{outcome=\"expired\"}", get(p.sessions_expired));
    help(out, "tsm_sessions_moved_total", "counter", "Sessions another node took over (cluster mode)");
    line(out, "tsm_sessions_moved_total", "", get(p.sessions_moved));
    help(out, "tsm_operations", "gauge", "Operations by state");
    line(out, "tsm_operations", "{state=\"queued\"}", get(p.operations_queued));
    line(out, "tsm_operations", "{state=\"running\"}", get(p.operations_running));
    help(out, "tsm_operations_total", "counter", "Operations finished or refused, by result");
    line(out, "tsm_operations_total", "{result=\"succeeded\"}", get(p.operations_succeeded));
    line(out, "tsm_operations_total", "{result=\"failed\"}", get(p.operations_failed));
    line(out, "tsm_operations_total", "{result=\"rejected\"}", get(p.operations_rejected));
    help(out, "tsm_apdu_batches_sent_total", "counter", "APDU batches pushed to touch points");
    line(out, "tsm_apdu_batches_sent_total", "", get(p.batches_sent));
    help(out, "tsm_outbox_depth", "gauge", "SP callbacks waiting for delivery");
    line(out, "tsm_outbox_depth", "", get(p.outbox_depth));
    help(out, "tsm_callback_attempts_total", "counter", "SP callback attempts, by result");
    line(out, "tsm_callback_attempts_total", "{result=\"success\"}", get(p.callback_successes));
    line(out, "tsm_callback_attempts_total", "{result=\"failure\"}", get(p.callback_failures));
    help(out, "tsm_callbacks_expired_total", "counter", "Callbacks dropped after their maximum age");
    line(out, "tsm_callbacks_expired_total", "", get(p.callbacks_expired));
    help(out, "tsm_callback_latency_seconds", "histogram", "SP callback HTTP latency");
    double cumulative = 0;
    for (int i = 0; i < core::latency_histogram::bucket_count; ++i) {
        cumulative += get(p.callback_latency.buckets[i]);
        char labels[48];
        if (i + 1 < core::latency_histogram::bucket_count) {
            std::snprintf(labels, sizeof labels, "{le=\"%g\"}",
                          core::latency_histogram::bounds_ms[i] / 1000.0);
        } else {
            std::snprintf(labels, sizeof labels, "{le=\"+Inf\"}");
        }
        line(out, "tsm_callback_latency_seconds_bucket", labels, cumulative);
    }
    line(out, "tsm_callback_latency_seconds_sum", "", get(p.callback_latency.sum_us) / 1e6);
    line(out, "tsm_callback_latency_seconds_count", "", get(p.callback_latency.count));
    help(out, "tsm_store_errors_total", "counter", "Failed durable writes seen by sessions");
    line(out, "tsm_store_errors_total", "", get(p.store_errors));
}

void render_store(std::string& out, const core::store_stats& s) {
    help(out, "tsm_store_commits_total", "counter", "Write sets committed");
    line(out, "tsm_store_commits_total", "", get(s.commits));
    help(out, "tsm_store_group_writes_total", "counter", "Group writes (one per group commit)");
    line(out, "tsm_store_group_writes_total", "", get(s.group_writes));
    help(out, "tsm_store_fsyncs_total", "counter", "Synced group writes");
    line(out, "tsm_store_fsyncs_total", "", get(s.fsyncs));
    help(out, "tsm_store_failures_total", "counter", "Failed group writes");
    line(out, "tsm_store_failures_total", "", get(s.failures));
    help(out, "tsm_store_batch_size", "histogram", "Write sets per group write");
    double cum = 0;
    for (int i = 0; i < core::store_stats::batch_buckets; ++i) {
        cum += get(s.batch_size_le[i]);
        char labels[48];
        if (i + 1 < core::store_stats::batch_buckets) {
            std::snprintf(labels, sizeof labels, "{le=\"%d\"}", 1 << i);
        } else {
            std::snprintf(labels, sizeof labels, "{le=\"+Inf\"}");
        }
        line(out, "tsm_store_batch_size_bucket", labels, cum);
    }
    line(out, "tsm_store_batch_size_sum", "", get(s.commits));
    line(out, "tsm_store_batch_size_count", "", cum);
}

} // namespace

health_api::health_api(health_sources sources) : sources_(std::move(sources)) {
    routes_.add("/healthz", {"GET", "HEAD"}, [](http_request&, const route_match&, http_responder& respond) {
        respond(json_response(200, R"({"status":"ok"})"));
    });
    routes_.add("/readyz", {"GET", "HEAD"},
                [this](http_request&, const route_match&, http_responder& respond) {
                    const bool ok = ready_.load() && !draining_.load()
                                    && (!sources_.store_writable || sources_.store_writable());
                    respond(ok ? json_response(200, R"({"status":"ready"})")
                               : json_response(503, R"({"status":"not-ready"})"));
                });
    routes_.add("/metrics", {"GET", "HEAD"},
                [this](http_request&, const route_match&, http_responder& respond) {
                    http_response r;
                    r.content_type = "text/plain; version=0.0.4";
                    r.body = render_metrics();
                    respond(std::move(r));
                });
}

bool health_api::serve(http_request& req, http_responder& respond) const {
    return routes_.dispatch(req, respond, /*answer_not_found=*/false);
}

std::string health_api::render_metrics() const {
    std::string out;
    out.reserve(4096);
    render_probe(out, *sources_.probe);
    if (sources_.store_writable) {
        help(out, "tsm_store_writable", "gauge", "1 while the shared store takes writes (cluster mode)");
        line(out, "tsm_store_writable", "", sources_.store_writable() ? 1.0 : 0.0);
    }
    if (sources_.ws_connections) {
        help(out, "tsm_websocket_connections", "gauge", "Open touch-point WebSocket connections");
        line(out, "tsm_websocket_connections", "", static_cast<double>(sources_.ws_connections()));
    }
    if (sources_.http_connections) {
        help(out, "tsm_http_connections", "gauge", "Open HTTP connections on the SP listener");
        line(out, "tsm_http_connections", "", static_cast<double>(sources_.http_connections()));
    }
    if (held_fetches_) {
        help(out, "tsm_fidesmo_held_fetches", "gauge", "Fidesmo service/fetch requests held (long poll)");
        line(out, "tsm_fidesmo_held_fetches", "", static_cast<double>(held_fetches_()));
    }
    if (sources_.store != nullptr) {
        render_store(out, *sources_.store);
    }
    return out;
}

} // namespace tsm::transport
