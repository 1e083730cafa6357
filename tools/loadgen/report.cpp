#include "report.hpp"

#include "tsm/core/json_writer.hpp"

#include <cstdio>
#include <fstream>

namespace tsm::tools::loadgen {

namespace {

constexpr const char* kind_names[latency_kinds] = {"sp_ack", "post_to_push", "post_to_callback"};
constexpr double quantiles[] = {0.5, 0.9, 0.99, 0.999};
constexpr const char* quantile_names[] = {"p50", "p90", "p99", "p999"};

std::string num(double v) {
    char b[64];
    std::snprintf(b, sizeof b, "%.6g", v);
    return b;
}

double ms(std::int64_t ns) {
    return static_cast<double>(ns) / 1e6;
}

using u64 = unsigned long long;

void print_latency_table(const std::array<histogram, latency_kinds>& hist, const char* indent) {
    std::printf("%s%-18s %9s %9s %9s %9s %9s %9s\n", indent, "latency (ms)", "p50", "p90", "p99", "p99.9",
                "max", "n");
    for (int k = 0; k < latency_kinds; ++k) {
        const auto& h = hist[static_cast<std::size_t>(k)];
        std::printf("%s%-18s %9.3f %9.3f %9.3f %9.3f %9.3f %9llu\n", indent, kind_names[k],
                    ms(h.percentile(0.5)), ms(h.percentile(0.9)), ms(h.percentile(0.99)),
                    ms(h.percentile(0.999)), ms(h.max()), static_cast<u64>(h.count()));
    }
}

void write_latency_json(core::json_writer& w, const std::array<histogram, latency_kinds>& hist) {
    w.key("latencyMs").begin_object();
    for (int k = 0; k < latency_kinds; ++k) {
        const auto& h = hist[static_cast<std::size_t>(k)];
        w.key(kind_names[k]).begin_object();
        w.key("count").value(static_cast<std::uint64_t>(h.count()));
        for (int q = 0; q < 4; ++q) {
            w.key(quantile_names[q]).raw(num(ms(h.percentile(quantiles[q]))));
        }
        w.key("max").raw(num(ms(h.max())));
        w.key("mean").raw(num(h.mean() / 1e6));
        w.end_object();
    }
    w.end_object();
}

} // namespace

const char* op_kind_name(op_kind k) {
    switch (k) {
    case op_kind::transceive: return "transceive";
    case op_kind::ccm_install: return "ccm-install";
    }
    return "?";
}

const char* op_kind_endpoint(op_kind k) {
    switch (k) {
    case op_kind::transceive: return "/transceive";
    case op_kind::ccm_install: return "/ccm/install";
    }
    return "?";
}

const char* error_name(error_kind k) {
    switch (k) {
    case error_kind::sp_connect: return "sp_connect";
    case error_kind::sp_timeout: return "sp_timeout";
    case error_kind::ws_error: return "ws_error";
    case error_kind::ws_closed: return "ws_closed_by_server";
    case error_kind::tp_error_frame: return "tp_error_frame";
    case error_kind::session_ended: return "session_ended";
    case error_kind::deliver_failed: return "deliver_failed";
    case error_kind::callback_failed: return "callback_status_not_200";
    case error_kind::callback_duplicate: return "callback_duplicate";
    case error_kind::unknown_event: return "unknown_operation";
    case error_kind::ring_overrun: return "ring_overrun";
    case error_kind::bad_frame: return "bad_frame";
    case error_kind::card_error: return "card_sw_error";
    case error_kind::ccm_not_installed: return "ccm_instance_missing";
    case error_kind::count_: break;
    }
    return "?";
}

std::uint64_t stats::error_total() const {
    std::uint64_t n = 0;
    for (const auto& e : errors) {
        n += e.load();
    }
    return n;
}

void print_summary(const run_result& r) {
    std::printf(
        "tsm-bench: mode %s, %u sessions, %u SP connections, %u APDU(s)/op, %u thread(s), fd limit %llu\n",
        mode_name(r.opt.mode), r.sessions, r.opt.sp_concurrency, r.opt.apdus, r.opt.threads,
        static_cast<unsigned long long>(r.fd_limit));
    if (r.opt.scen != scenario::transceive) {
        std::printf("scenario %s", scenario_name(r.opt.scen));
        if (r.opt.scen == scenario::mixed) {
            std::printf(" (transceive=%u,ccm-install=%u)", r.opt.mix_transceive_weight, r.opt.mix_ccm_weight);
        }
        std::printf(": /ccm/install of %s (ELF %s, module %s, LFDB %zu bytes) on a fresh sandbox card per "
                    "operation\n",
                    r.cap_file.c_str(), r.ccm_elf.c_str(), r.ccm_module.c_str(), r.ccm_lfdb_bytes);
    }
    if (r.is_soak) {
        const auto& s = r.soak;
        std::printf("soak: %llu idle connections (%s) held %.1f s; tsmd RSS %llu KiB before, %llu KiB "
                    "connected, %llu KiB at end"
                    " -> %.0f bytes per connection\n",
                    static_cast<unsigned long long>(s.connections),
                    r.opt.deliver ? "one delivered session each" : "bare, no session", s.hold_s,
                    static_cast<unsigned long long>(s.rss_before_kib),
                    static_cast<unsigned long long>(s.rss_connected_kib),
                    static_cast<unsigned long long>(s.rss_end_kib), s.bytes_per_connection);
    }
    for (const auto& st : r.steps) {
        std::printf(
            "\n[%s] %.0f ops/s over %.2f s: issued %llu, acked %llu, pushed %llu, called back %llu, lost %llu"
            " (no ack %llu, no push %llu, no callback %llu)\n",
            st.label.c_str(), st.ops_per_s, st.wall_s, static_cast<unsigned long long>(st.issued),
            static_cast<unsigned long long>(st.acked), static_cast<unsigned long long>(st.pushed),
            static_cast<unsigned long long>(st.called), static_cast<unsigned long long>(st.lost),
            static_cast<unsigned long long>(st.lost_no_ack), static_cast<unsigned long long>(st.lost_no_push),
            static_cast<unsigned long long>(st.lost_no_callback));
        print_latency_table(st.hist, "  ");
        if (r.opt.scen == scenario::mixed) {
            for (int k = 0; k < op_kinds; ++k) {
                const auto& kr = st.by_kind[static_cast<std::size_t>(k)];
                std::printf("  -- %s: %.0f ops/s, issued %llu, acked %llu, pushed %llu, called back %llu "
                            "(not 200: %llu),"
                            " lost %llu (no ack %llu, no push %llu, no callback %llu)\n",
                            op_kind_name(static_cast<op_kind>(k)), kr.ops_per_s, static_cast<u64>(kr.issued),
                            static_cast<u64>(kr.acked), static_cast<u64>(kr.pushed),
                            static_cast<u64>(kr.called), static_cast<u64>(kr.callback_failed),
                            static_cast<u64>(kr.lost), static_cast<u64>(kr.lost_no_ack),
                            static_cast<u64>(kr.lost_no_push), static_cast<u64>(kr.lost_no_callback));
                print_latency_table(kr.hist, "     ");
            }
        }
        if (st.tsmd_cpu_s >= 0) {
            std::printf(
                "  tsmd CPU %.2f s (%.0f%% of one core), %.0f ops per tsmd CPU-second, RSS %llu KiB\n",
                st.tsmd_cpu_s, st.wall_s > 0 ? 100 * st.tsmd_cpu_s / st.wall_s : 0,
                st.tsmd_cpu_s > 0 ? static_cast<double>(st.called) / st.tsmd_cpu_s : 0,
                static_cast<unsigned long long>(st.tsmd_rss_kib));
        }
        std::printf("  harness CPU %.2f s (%.0f%% of one core)\n", st.harness_cpu_s,
                    st.wall_s > 0 ? 100 * st.harness_cpu_s / st.wall_s : 0);
    }
    for (int k = 0; k < op_kinds; ++k) {
        const auto& m = r.http_status_by_kind[static_cast<std::size_t>(k)];
        if (m.empty() && !(k == 0 && r.opt.scen == scenario::transceive)) {
            continue;
        }
        std::printf("\n%s answers:", op_kind_endpoint(static_cast<op_kind>(k)));
        for (const auto& [code, n] : m) {
            std::printf(" %d x %llu", code, static_cast<unsigned long long>(n));
        }
    }
    std::printf("\nerrors:");
    bool any = false;
    for (const auto& [name, n] : r.errors) {
        if (n) {
            std::printf(" %s=%llu", name.c_str(), static_cast<unsigned long long>(n));
            any = true;
        }
    }
    std::printf("%s\n", any ? "" : " none");
}

bool write_json(const run_result& r, const std::string& file) {
    core::json_writer w;
    w.begin_object();
    w.key("tool").value("tsm-bench");
    w.key("mode").value(mode_name(r.opt.mode));
    w.key("config").begin_object();
    w.key("tsm").value(r.opt.tsm.host + ":" + std::to_string(r.opt.tsm.port));
    w.key("touchPoints").value(r.opt.touch_points);
    w.key("sessions").value(r.sessions);
    w.key("spConcurrency").value(r.opt.sp_concurrency);
    w.key("apdus").value(r.opt.apdus);
    w.key("scenario").value(scenario_name(r.opt.scen));
    if (r.opt.scen == scenario::mixed) {
        w.key("mix").begin_object();
        w.key("transceive").value(r.opt.mix_transceive_weight);
        w.key("ccm-install").value(r.opt.mix_ccm_weight);
        w.end_object();
    }
    if (r.opt.scen != scenario::transceive) {
        w.key("cap").value(r.cap_file);
        w.key("executableLoadFile").value(r.ccm_elf);
        w.key("executableModule").value(r.ccm_module);
        w.key("loadFileDataBlockBytes").value(static_cast<std::uint64_t>(r.ccm_lfdb_bytes));
    }
    w.key("threads").value(r.opt.threads);
    w.key("durationS").raw(num(r.opt.duration_s));
    w.key("ops").value(static_cast<std::uint64_t>(r.opt.ops));
    w.key("fdLimit").value(static_cast<std::uint64_t>(r.fd_limit));
    w.key("appId").value(r.app_id);
    w.end_object();
    w.key("connectSeconds").raw(num(r.connect_s));
    if (r.is_soak) {
        w.key("soak").begin_object();
        w.key("connections").value(static_cast<std::uint64_t>(r.soak.connections));
        w.key("withSessions").value(r.opt.deliver);
        w.key("holdSeconds").raw(num(r.soak.hold_s));
        w.key("tsmdRssBeforeKiB").value(static_cast<std::uint64_t>(r.soak.rss_before_kib));
        w.key("tsmdRssConnectedKiB").value(static_cast<std::uint64_t>(r.soak.rss_connected_kib));
        w.key("tsmdRssEndKiB").value(static_cast<std::uint64_t>(r.soak.rss_end_kib));
        w.key("bytesPerConnection").raw(num(r.soak.bytes_per_connection));
        w.end_object();
    }
    w.key("steps").begin_array();
    for (const auto& st : r.steps) {
        w.begin_object();
        w.key("label").value(st.label);
        w.key("offeredRate").raw(num(st.offered_rate));
        w.key("opsPerSecond").raw(num(st.ops_per_s));
        w.key("wallSeconds").raw(num(st.wall_s));
        w.key("issued").value(static_cast<std::uint64_t>(st.issued));
        w.key("acked").value(static_cast<std::uint64_t>(st.acked));
        w.key("pushed").value(static_cast<std::uint64_t>(st.pushed));
        w.key("calledBack").value(static_cast<std::uint64_t>(st.called));
        w.key("lost").value(static_cast<std::uint64_t>(st.lost));
        w.key("lostNoAck").value(static_cast<std::uint64_t>(st.lost_no_ack));
        w.key("lostNoPush").value(static_cast<std::uint64_t>(st.lost_no_push));
        w.key("lostNoCallback").value(static_cast<std::uint64_t>(st.lost_no_callback));
        write_latency_json(w, st.hist);
        w.key("byKind").begin_object();
        for (int k = 0; k < op_kinds; ++k) {
            const auto& kr = st.by_kind[static_cast<std::size_t>(k)];
            if (kr.issued == 0) {
                continue;
            }
            w.key(op_kind_name(static_cast<op_kind>(k))).begin_object();
            w.key("opsPerSecond").raw(num(kr.ops_per_s));
            w.key("issued").value(static_cast<std::uint64_t>(kr.issued));
            w.key("acked").value(static_cast<std::uint64_t>(kr.acked));
            w.key("pushed").value(static_cast<std::uint64_t>(kr.pushed));
            w.key("calledBack").value(static_cast<std::uint64_t>(kr.called));
            w.key("callbackNot200").value(static_cast<std::uint64_t>(kr.callback_failed));
            w.key("lost").value(static_cast<std::uint64_t>(kr.lost));
            w.key("lostNoAck").value(static_cast<std::uint64_t>(kr.lost_no_ack));
            w.key("lostNoPush").value(static_cast<std::uint64_t>(kr.lost_no_push));
            w.key("lostNoCallback").value(static_cast<std::uint64_t>(kr.lost_no_callback));
            write_latency_json(w, kr.hist);
            w.end_object();
        }
        w.end_object();
        if (st.tsmd_cpu_s >= 0) {
            w.key("tsmdCpuSeconds").raw(num(st.tsmd_cpu_s));
            w.key("opsPerTsmdCpuSecond")
                .raw(num(st.tsmd_cpu_s > 0 ? static_cast<double>(st.called) / st.tsmd_cpu_s : 0));
            w.key("tsmdRssKiB").value(static_cast<std::uint64_t>(st.tsmd_rss_kib));
        }
        w.key("harnessCpuSeconds").raw(num(st.harness_cpu_s));
        w.end_object();
    }
    w.end_array();
    w.key("httpStatus").begin_object();
    for (const auto& [code, n] : r.http_status) {
        w.key(std::to_string(code)).value(static_cast<std::uint64_t>(n));
    }
    w.end_object();
    w.key("httpStatusByKind").begin_object();
    for (int k = 0; k < op_kinds; ++k) {
        const auto& m = r.http_status_by_kind[static_cast<std::size_t>(k)];
        if (m.empty()) {
            continue;
        }
        w.key(op_kind_name(static_cast<op_kind>(k))).begin_object();
        for (const auto& [code, n] : m) {
            w.key(std::to_string(code)).value(static_cast<std::uint64_t>(n));
        }
        w.end_object();
    }
    w.end_object();
    w.key("errors").begin_object();
    for (const auto& [name, n] : r.errors) {
        w.key(name).value(static_cast<std::uint64_t>(n));
    }
    w.end_object();
    w.end_object();
    std::ofstream out(file);
    out << w.str() << "\n";
    return static_cast<bool>(out);
}

} // namespace tsm::tools::loadgen
