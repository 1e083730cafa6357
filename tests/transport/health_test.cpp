// health_api: /healthz, /readyz (ready, then draining) and /metrics (Prometheus text with the
// probe's, the store's and the connection counters' values), GET and HEAD only, and nothing
// answered for other paths (the API behind it handles them).
#include "tsm/transport/health/health_api.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>

#include <optional>
#include <string>

using namespace tsm;
namespace tr = tsm::transport;

namespace {

struct served {
    bool handled = false;
    std::optional<tr::http_response> response;
};

served serve(const tr::health_api& h, std::string method, std::string target) {
    tr::http_request req;
    req.method = std::move(method);
    req.target = std::move(target);
    served s;
    tr::http_responder respond = [&s](tr::http_response r) { s.response = std::move(r); };
    s.handled = h.serve(req, respond);
    return s;
}

/// The value of the sample line `name` (name includes the labels), or nullopt.
std::optional<std::string> sample(const std::string& text, const std::string& name) {
    const std::string prefix = "\n" + name + " ";
    auto at = ("\n" + text).find(prefix);
    if (at == std::string::npos) {
        return std::nullopt;
    }
    const auto begin = at + prefix.size() - 1;
    return text.substr(begin, text.find('\n', begin) - begin);
}

} // namespace

BOOST_AUTO_TEST_SUITE(health_api)

BOOST_AUTO_TEST_CASE(healthz_always_and_readyz_only_between_start_and_drain) {
    core::service_probe probe;
    tr::health_api h({.probe = &probe,
                      .store = nullptr,
                      .ws_connections = {},
                      .http_connections = {},
                      .store_writable = {}});
    auto alive = serve(h, "GET", "/healthz");
    BOOST_TEST(alive.handled);
    BOOST_REQUIRE(alive.response);
    BOOST_TEST(alive.response->status == 200);
    BOOST_TEST(alive.response->body == R"({"status":"ok"})");

    auto starting = serve(h, "GET", "/readyz");
    BOOST_REQUIRE(starting.response);
    BOOST_TEST(starting.response->status == 503);
    BOOST_TEST(starting.response->body == R"({"status":"not-ready"})");
    h.set_ready(true);
    auto ready = serve(h, "HEAD", "/readyz?probe=1");
    BOOST_REQUIRE(ready.response);
    BOOST_TEST(ready.response->status == 200);
    BOOST_TEST(ready.response->body == R"({"status":"ready"})");
    h.set_draining(true);
    BOOST_TEST(serve(h, "GET", "/readyz").response->status == 503);
    BOOST_TEST(serve(h, "GET", "/healthz").response->status == 200);
}

BOOST_AUTO_TEST_CASE(readyz_follows_a_shared_stores_writability) {
    core::service_probe probe;
    std::atomic<bool> writable{true};
    tr::health_api h({.probe = &probe,
                      .store = nullptr,
                      .ws_connections = {},
                      .http_connections = {},
                      .store_writable = [&writable] { return writable.load(); }});
    h.set_ready(true);
    BOOST_TEST(serve(h, "GET", "/readyz").response->status == 200);
    BOOST_TEST(serve(h, "GET", "/metrics").response->body.find("tsm_store_writable 1") != std::string::npos);
    writable = false; // the node cannot renew its lease: a balancer must stop sending it traffic
    BOOST_TEST(serve(h, "GET", "/readyz").response->status == 503);
    BOOST_TEST(serve(h, "GET", "/metrics").response->body.find("tsm_store_writable 0") != std::string::npos);
    BOOST_TEST(serve(h, "GET", "/healthz").response->status == 200); // alive all the same
    writable = true;
    BOOST_TEST(serve(h, "GET", "/readyz").response->status == 200);
}

BOOST_AUTO_TEST_CASE(other_methods_are_405_and_other_paths_are_left_alone) {
    core::service_probe probe;
    tr::health_api h({.probe = &probe,
                      .store = nullptr,
                      .ws_connections = {},
                      .http_connections = {},
                      .store_writable = {}});
    for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
        for (const char* method : {"POST", "PUT", "DELETE"}) {
            auto s = serve(h, method, path);
            BOOST_TEST(s.handled);
            BOOST_REQUIRE(s.response);
            BOOST_TEST(s.response->status == 405, method << " " << path);
            BOOST_TEST(s.response->body.find("method-not-allowed") != std::string::npos);
        }
    }
    for (const char* path : {"/", "/health", "/healthz/x", "/metrics/", "/admin/v1/apps", "/transceive"}) {
        auto s = serve(h, "GET", path);
        BOOST_TEST(!s.handled, path);
        BOOST_TEST(!s.response.has_value(), path);
    }
}

BOOST_AUTO_TEST_CASE(metrics_show_the_probe_store_and_connection_counters) {
    core::service_probe probe;
    core::store_stats store;
    probe.sessions_active = 3;
    probe.sessions_completed = 7;
    probe.operations_rejected = 2;
    probe.outbox_depth = 5;
    probe.callback_latency.buckets[0] = 4;
    probe.callback_latency.buckets[1] = 1;
    probe.callback_latency.count = 5;
    probe.callback_latency.sum_us = 2500000;
    store.commits = 11;
    store.fsyncs = 9;
    store.batch_size_le[0] = 6;
    store.batch_size_le[2] = 2;
    std::size_t ws = 4;
    tr::health_api h({.probe = &probe,
                      .store = &store,
                      .ws_connections = [&ws] { return ws; },
                      .http_connections = {},
                      .store_writable = {}});
    h.set_http_connections([] { return std::size_t{12}; });

    auto s = serve(h, "GET", "/metrics");
    BOOST_REQUIRE(s.response);
    BOOST_TEST(s.response->status == 200);
    BOOST_TEST(s.response->content_type == "text/plain; version=0.0.4");
    const std::string& m = s.response->body;
    BOOST_TEST(m.find("# HELP tsm_sessions Service delivery sessions by state\n# TYPE tsm_sessions gauge\n")
               != std::string::npos);
    BOOST_TEST(sample(m, R"(tsm_sessions{state="active"})").value_or("?") == "3");
    BOOST_TEST(sample(m, R"(tsm_sessions{state="delivering"})").value_or("?") == "0");
    BOOST_TEST(sample(m, R"(tsm_sessions_ended_total{outcome="completed"})").value_or("?") == "7");
    BOOST_TEST(sample(m, R"(tsm_operations_total{result="rejected"})").value_or("?") == "2");
    BOOST_TEST(sample(m, "tsm_outbox_depth").value_or("?") == "5");
    // Histogram buckets are cumulative, +Inf equals the count.
    BOOST_TEST(m.find("# TYPE tsm_callback_latency_seconds histogram\n") != std::string::npos);
    BOOST_TEST(sample(m, R"(tsm_callback_latency_seconds_bucket{le="+Inf"})").value_or("?") == "5");
    BOOST_TEST(sample(m, "tsm_callback_latency_seconds_sum").value_or("?") == "2.5");
    BOOST_TEST(sample(m, "tsm_callback_latency_seconds_count").value_or("?") == "5");
    BOOST_TEST(sample(m, "tsm_websocket_connections").value_or("?") == "4");
    BOOST_TEST(sample(m, "tsm_http_connections").value_or("?") == "12");
    BOOST_TEST(sample(m, "tsm_store_commits_total").value_or("?") == "11");
    BOOST_TEST(sample(m, "tsm_store_fsyncs_total").value_or("?") == "9");
    BOOST_TEST(sample(m, R"(tsm_store_batch_size_bucket{le="1"})").value_or("?") == "6");
    BOOST_TEST(sample(m, R"(tsm_store_batch_size_bucket{le="2"})").value_or("?") == "6");
    BOOST_TEST(sample(m, R"(tsm_store_batch_size_bucket{le="4"})").value_or("?") == "8");
    BOOST_TEST(sample(m, R"(tsm_store_batch_size_bucket{le="+Inf"})").value_or("?") == "8");
    BOOST_TEST(sample(m, "tsm_store_batch_size_count").value_or("?") == "8");
    // Values are read at each scrape.
    ws = 1;
    BOOST_TEST(sample(serve(h, "GET", "/metrics").response->body, "tsm_websocket_connections").value_or("?")
               == "1");
}

BOOST_AUTO_TEST_CASE(metrics_without_a_store_or_counters_leave_them_out) {
    core::service_probe probe;
    tr::health_api h({.probe = &probe,
                      .store = nullptr,
                      .ws_connections = {},
                      .http_connections = {},
                      .store_writable = {}});
    const std::string m = serve(h, "GET", "/metrics").response->body;
    BOOST_TEST(m.find("tsm_sessions") != std::string::npos);
    BOOST_TEST(m.find("tsm_store_commits_total") == std::string::npos);
    BOOST_TEST(m.find("tsm_websocket_connections") == std::string::npos);
    BOOST_TEST(m.find("tsm_http_connections") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
