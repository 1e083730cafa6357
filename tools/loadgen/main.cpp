// tsm-bench: load harness for tsmd. Registers its own app, connects N touch points (each
// delivers a session and answers every batch with 9000, or runs CCM batches on a sandbox card),
// posts operations from C keep-alive SP connections (closed loop, open loop at a fixed rate, or a
// sweep of rates) and receives the callbacks. Operations are /transceive (K APDUs), /ccm/install
// of a real CAP, or a mix of both. Or, in soak mode, holds N idle touch-point connections and
// reports tsmd's memory per connection. See docs/performance.md.
#include "admin_client.hpp"
#include "bench.hpp"
#include "peer_mqtt.hpp"
#include "peer_nats.hpp"
#include "proc_stats.hpp"
#include "report.hpp"
#include "sp_sink.hpp"
#include "svg_chart.hpp"
#include "touch_point.hpp"
#include "worker.hpp"

#include "tsm/core/cap/cap_file.hpp"
#include "tsm/core/hex.hpp"

#include <boost/asio/post.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <iterator>
#include <memory>
#include <thread>

using namespace tsm::tools::loadgen;

namespace {

std::atomic<bool> interrupted{false};

void sleep_ms(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

double seconds_since(std::int64_t t0) {
    return static_cast<double>(now_ns() - t0) / 1e9;
}

/// One progress line per second on stderr.
class progress {
public:
    progress(bench& b, const char* what) : b_(b), what_(what), t0_(now_ns()), last_t_(t0_) {
        last_cpu_ = self_cpu_seconds();
        if (auto p = sample_process(b.opt.tsmd_pid)) {
            last_tsmd_cpu_ = p->cpu_s;
        }
    }
    void tick(std::uint32_t step) {
        if (!b_.opt.progress || now_ns() - last_t_ < 1'000'000'000) {
            return;
        }
        const auto now = now_ns();
        const double dt = static_cast<double>(now - last_t_) / 1e9;
        const auto& sc = b_.st.steps[step];
        const auto called = sc.called.load();
        const double cpu = self_cpu_seconds();
        std::string tsmd = "";
        if (auto p = sample_process(b_.opt.tsmd_pid)) {
            char t[96];
            std::snprintf(t, sizeof t, " | tsmd cpu %3.0f%% rss %llu MiB",
                          100 * (p->cpu_s - last_tsmd_cpu_) / dt,
                          static_cast<unsigned long long>(p->rss_kib / 1024));
            tsmd = t;
            last_tsmd_cpu_ = p->cpu_s;
        }
        std::string ccm;
        if (b_.opt.scen == scenario::mixed) {
            const auto& kc = sc.kind[static_cast<int>(op_kind::ccm_install)];
            char t[80];
            std::snprintf(t, sizeof t, " (ccm issued %llu cb %llu)",
                          static_cast<unsigned long long>(kc.issued.load()),
                          static_cast<unsigned long long>(kc.called.load()));
            ccm = t;
        }
        std::fprintf(stderr,
                     "[%s %5.1fs] %7.0f ops/s  issued %llu acked %llu pushed %llu cb %llu inflight %llu%s  "
                     "sessions %llu  err %llu"
                     " | harness cpu %3.0f%%%s\n",
                     what_, seconds_since(t0_), static_cast<double>(called - last_called_) / dt,
                     static_cast<unsigned long long>(sc.issued.load()),
                     static_cast<unsigned long long>(sc.acked.load()),
                     static_cast<unsigned long long>(sc.pushed.load()),
                     static_cast<unsigned long long>(called),
                     static_cast<unsigned long long>(sc.issued.load() - sc.completed.load()), ccm.c_str(),
                     static_cast<unsigned long long>(b_.sessions_ready.load()),
                     static_cast<unsigned long long>(b_.st.error_total()), 100 * (cpu - last_cpu_) / dt,
                     tsmd.c_str());
        last_called_ = called;
        last_cpu_ = cpu;
        last_t_ = now;
    }

private:
    bench& b_;
    const char* what_;
    std::int64_t t0_, last_t_;
    std::uint64_t last_called_ = 0;
    double last_cpu_ = 0, last_tsmd_cpu_ = 0;
};

/// A step's or an operation kind's counts at the end of the step (step_counters -> step_result,
/// kind_counters -> kind_result): what was issued and not completed is lost.
template <class Counters, class Result>
void take_counts(const Counters& c, Result& r) {
    r.issued = c.issued.load();
    r.acked = c.acked.load();
    r.pushed = c.pushed.load();
    r.called = c.called.load();
    r.completed = c.completed.load();
    r.lost = r.issued - std::min(r.issued, r.completed);
}

/// Runs one measured step (closed loop, or open loop at `rate`) and drains it.
step_result run_step(bench& b, std::uint32_t idx, bool closed, double rate, const std::string& label) {
    const auto& o = b.opt;
    step_result r;
    r.label = label;
    r.offered_rate = closed ? 0 : rate;
    const auto tsmd0 = sample_process(o.tsmd_pid);
    const double cpu0 = self_cpu_seconds();
    b.step.store(idx);
    b.quota_taken.store(0);
    b.step_quota.store(o.ops);
    const std::int64_t t0 = now_ns() + 2'000'000;
    b.step_deadline_ns.store(t0 + static_cast<std::int64_t>(o.duration_s * 1e9));
    b.closed_loop.store(closed);
    b.issuing.store(true);
    for (auto& w : b.workers) {
        if (closed) {
            w->start_closed(idx);
        } else {
            w->start_open(idx, rate / static_cast<double>(b.workers.size()), t0);
        }
    }
    progress prog(b, label.c_str());
    auto& sc = b.st.steps[idx];
    while (b.issuing.load() && !interrupted.load()) {
        if (now_ns() >= b.step_deadline_ns.load()) {
            b.issuing.store(false);
        }
        prog.tick(idx);
        sleep_ms(20);
    }
    b.issuing.store(false);
    // Drain: wait until every issued operation finished, stable for 200 ms, or --drain elapsed.
    const std::int64_t drain_end = now_ns() + static_cast<std::int64_t>(o.drain_s * 1e9);
    int stable = 0;
    std::uint64_t last_issued = ~0ull;
    while (now_ns() < drain_end && !interrupted.load()) {
        const auto issued = sc.issued.load();
        stable = (issued == sc.completed.load() && issued == last_issued) ? stable + 1 : 0;
        last_issued = issued;
        if (stable >= 10) {
            break;
        }
        prog.tick(idx);
        sleep_ms(20);
    }
    take_counts(sc, r);
    for (int k = 0; k < op_kinds; ++k) {
        const auto& kc = sc.kind[static_cast<std::size_t>(k)];
        auto& kr = r.by_kind[static_cast<std::size_t>(k)];
        take_counts(kc, kr);
        kr.callback_failed = kc.callback_failed.load();
    }
    for (std::size_t i = 0; i < b.ops.capacity(); ++i) {
        op_slot& s = b.ops.at(i);
        const auto f = s.flags.load();
        if ((f & op_flag::in_use) && s.step.load() == idx) {
            auto& kr = r.by_kind[s.kind.load() % op_kinds];
            const bool no_ack = (f & (op_flag::acked | op_flag::rejected)) == 0;
            const bool no_push = (f & op_flag::pushed) == 0;
            const bool no_cb = (f & op_flag::called) == 0;
            r.lost_no_ack += no_ack;
            r.lost_no_push += no_push;
            r.lost_no_callback += no_cb;
            kr.lost_no_ack += no_ack;
            kr.lost_no_push += no_push;
            kr.lost_no_callback += no_cb;
        }
    }
    const auto first = sc.first_issue_ns.load();
    const auto last = sc.last_callback_ns.load();
    r.wall_s = last > first ? static_cast<double>(last - first) / 1e9 : 0;
    r.ops_per_s = r.wall_s > 0 ? static_cast<double>(r.called) / r.wall_s : 0;
    for (auto& kr : r.by_kind) {
        kr.ops_per_s = r.wall_s > 0 ? static_cast<double>(kr.called) / r.wall_s : 0;
    }
    r.harness_cpu_s = self_cpu_seconds() - cpu0;
    if (auto t1 = sample_process(o.tsmd_pid); t1 && tsmd0) {
        r.tsmd_cpu_s = t1->cpu_s - tsmd0->cpu_s;
        r.tsmd_rss_kib = t1->rss_kib;
    }
    return r;
}

} // namespace

int main(int argc, char** argv) {
    options o = parse_options(argc, argv);
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGINT, [](int) { interrupted.store(true); });
    const auto fd_limit = raise_fd_limit();
    if (o.peer == "nats") {
        return run_nats_peer(o);
    }
    if (o.peer == "mosquitto") {
        return run_mqtt_peer(o);
    }
    const std::uint64_t fds_needed = o.touch_points + o.sp_concurrency + 256;
    if (fds_needed > fd_limit) {
        std::cerr << "tsm-bench: need about " << fds_needed << " file descriptors, the limit is " << fd_limit
                  << " (ulimit -Hn); lower --touch-points\n";
        return 2;
    }

    bench b;
    b.opt = o;
    b.app = make_bench_app();
    std::string cap_bytes;
    if (o.scen != scenario::transceive) {
        // The CAP the SP uploads once; the installs name its package and first applet.
        std::ifstream in(o.cap_file, std::ios::binary);
        cap_bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (!in.good() && !in.eof()) {
            cap_bytes.clear();
        }
        if (cap_bytes.empty()) {
            std::cerr << "tsm-bench: cannot read the CAP file " << o.cap_file << "\n";
            return 2;
        }
        auto parsed = tsm::core::cap::parse_cap(cap_bytes);
        if (!parsed) {
            std::cerr << "tsm-bench: " << o.cap_file
                      << " is not a usable CAP file: " << parsed.error().message << "\n";
            return 2;
        }
        const auto& cap = parsed.value();
        if (cap.applets().empty()) {
            std::cerr << "tsm-bench: " << o.cap_file << " has no applet to install (library package)\n";
            return 2;
        }
        const auto& module = cap.applets().front().aid;
        b.ccm.elf = tsm::core::to_hex(cap.package_aid());
        b.ccm.module = tsm::core::to_hex(module);
        b.ccm.instance_prefix = tsm::core::to_hex(module.substr(0, std::min<std::size_t>(module.size(), 8)));
        b.ccm.lfdb_bytes = cap.load_file_data_block().size();
    }
    for (unsigned i = 0; i < o.threads; ++i) {
        b.workers.push_back(std::make_unique<worker>(b, i));
    }
    for (unsigned i = 0; i < o.touch_points; ++i) {
        auto s = std::make_unique<session_slot>();
        s->owner = i % o.threads;
        b.sessions.push_back(std::move(s));
        b.workers[i % o.threads]->add_touch_point(i);
    }
    if (o.mode != run_mode::soak) {
        for (unsigned i = 0; i < o.threads; ++i) {
            b.workers[i]->add_sp_clients(o.sp_concurrency / o.threads
                                         + (i < o.sp_concurrency % o.threads ? 1 : 0));
        }
    }
    sp_sink sink(b);
    b.sink_base = sink.start();
    for (auto& w : b.workers) {
        w->run_thread();
    }
    if (auto err = register_app(o, b.app, b.sink_base); !err.empty()) {
        std::cerr << "tsm-bench: cannot register the bench app: " << err << "\n";
        return 1;
    }
    // CCM: the SP uploads the CAP once, and every touch point's card gets its keys (by CIN).
    auto ccm_cleanup = [&] {
        if (o.scen == scenario::transceive) {
            return;
        }
        for (unsigned i = 0; i < o.touch_points; ++i) {
            delete_card_keys(o, card_cin(i));
        }
        if (!b.ccm.capfile_id.empty()) {
            delete_cap(o, b.app, b.ccm.capfile_id);
        }
    };
    if (o.scen != scenario::transceive) {
        std::string err = upload_cap(o, b.app, cap_bytes, b.ccm.capfile_id);
        for (unsigned i = 0; err.empty() && i < o.touch_points && !interrupted.load(); ++i) {
            err = put_card_keys(o, card_cin(i), card_key_hex);
        }
        if (!err.empty()) {
            std::cerr << "tsm-bench: CCM setup failed: " << err << "\n";
            ccm_cleanup();
            delete_app(o, b.app);
            return 1;
        }
        std::cerr << "tsm-bench: CAP " << o.cap_file << " uploaded (ELF " << b.ccm.elf << ", module "
                  << b.ccm.module << ", " << b.ccm.lfdb_bytes
                  << "-byte load file), SCP03 keys registered for " << o.touch_points << " cards\n";
    }

    run_result res;
    res.opt = o;
    res.app_id = b.app.id;
    res.fd_limit = fd_limit;
    const auto rss_before = sample_process(o.tsmd_pid);

    // Connect the touch points (bounded concurrency), wait for every session and delivery request.
    const std::int64_t c0 = now_ns();
    for (auto& w : b.workers) {
        w->connect_touch_points(std::max(1u, o.connect_concurrency / o.threads));
    }
    const std::int64_t connect_deadline = c0 + static_cast<std::int64_t>((60 + o.touch_points / 100.0) * 1e9);
    {
        progress prog(b, "connect");
        while (!interrupted.load() && now_ns() < connect_deadline
               && (b.sessions_ready.load() + b.sessions_failed.load() < o.touch_points
                   || (o.deliver && b.deliveries.load() < b.sessions_ready.load()))) {
            prog.tick(0);
            sleep_ms(20);
        }
    }
    sleep_ms(200); // let tsmd process the delivery answers (session becomes active)
    res.connect_s = seconds_since(c0);
    res.sessions = static_cast<unsigned>(b.sessions_ready.load());
    std::cerr << "tsm-bench: " << res.sessions << "/" << o.touch_points
              << (o.deliver ? " sessions delivered in " : " bare connections open in ") << res.connect_s
              << " s (app " << b.app.id << ", sink " << b.sink_base << ")\n";
    if (res.sessions == 0) {
        std::cerr << "tsm-bench: no session could be delivered\n";
        ccm_cleanup();
        delete_app(o, b.app);
        return 1;
    }

    if (o.mode == run_mode::soak) {
        res.is_soak = true;
        const auto connected = sample_process(o.tsmd_pid);
        const std::int64_t h0 = now_ns();
        progress prog(b, "soak");
        while (!interrupted.load() && seconds_since(h0) < o.duration_s) {
            prog.tick(0);
            sleep_ms(50);
        }
        const auto end = sample_process(o.tsmd_pid);
        res.soak.connections = res.sessions;
        res.soak.hold_s = seconds_since(h0);
        if (rss_before && connected && end) {
            res.soak.rss_before_kib = rss_before->rss_kib;
            res.soak.rss_connected_kib = connected->rss_kib;
            res.soak.rss_end_kib = end->rss_kib;
            res.soak.bytes_per_connection =
                1024.0 * (static_cast<double>(end->rss_kib) - static_cast<double>(rss_before->rss_kib))
                / static_cast<double>(res.sessions);
        }
    } else {
        std::uint32_t idx = 0;
        const bool closed = o.mode == run_mode::closed;
        if (o.warmup_s > 0) {
            options saved = b.opt;
            b.opt.duration_s = o.warmup_s;
            run_step(b, idx++, closed, closed ? 0 : (o.sweep.empty() ? o.rate : o.sweep.front()), "warmup");
            b.opt = saved;
        }
        std::vector<double> rates = o.sweep.empty() ? std::vector<double>{o.rate} : o.sweep;
        if (closed) {
            rates = {0};
        }
        for (double rate : rates) {
            if (interrupted.load() || idx >= stats::max_steps) {
                break;
            }
            char label[64];
            std::snprintf(label, sizeof label, closed ? "closed" : "open %.0f/s", rate);
            step_result r = run_step(b, idx, closed, rate, label);
            // The drain is observed through relaxed counters, which order nothing: a round trip
            // through each worker's io_context orders its last record() before the merge below.
            for (auto& w : b.workers) {
                auto reached = std::make_shared<std::promise<void>>(); // outlives a timed-out wait
                auto f = reached->get_future();
                boost::asio::post(w->ioc(), [reached] { reached->set_value(); });
                if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
                    std::fprintf(stderr, "tsm-bench: worker %u did not answer; histograms may be torn\n",
                                 w->index());
                }
            }
            for (auto& w : b.workers) {
                // Histograms are single-writer; the step is drained, so reading them here only races
                // with late duplicates (counted as errors, not recorded).
                for (int k = 0; k < latency_kinds; ++k) {
                    r.hist[static_cast<std::size_t>(k)].merge(w->hist(idx)[static_cast<std::size_t>(k)]);
                    for (int ok = 0; ok < op_kinds; ++ok) {
                        r.by_kind[static_cast<std::size_t>(ok)].hist[static_cast<std::size_t>(k)].merge(
                            w->hist(idx, static_cast<op_kind>(ok))[static_cast<std::size_t>(k)]);
                    }
                }
            }
            res.steps.push_back(std::move(r));
            ++idx;
        }
    }

    for (int k = 0; k < op_kinds; ++k) {
        const auto& codes = b.st.http_status[static_cast<std::size_t>(k)];
        for (std::size_t code = 0; code < codes.size(); ++code) {
            if (auto n = codes[code].load()) {
                res.http_status[static_cast<int>(code)] += n;
                res.http_status_by_kind[static_cast<std::size_t>(k)][static_cast<int>(code)] = n;
            }
        }
    }
    if (o.scen != scenario::transceive) {
        res.cap_file = o.cap_file;
        res.ccm_elf = b.ccm.elf;
        res.ccm_module = b.ccm.module;
        res.ccm_lfdb_bytes = b.ccm.lfdb_bytes;
    }
    for (int k = 0; k < static_cast<int>(error_kind::count_); ++k) {
        res.errors[error_name(static_cast<error_kind>(k))] = b.st.errors[static_cast<std::size_t>(k)].load();
    }
    sink.stop();
    for (auto& w : b.workers) {
        w->stop_thread();
    }
    ccm_cleanup();
    delete_app(o, b.app);
    print_summary(res);
    if (!o.json_file.empty() && !write_json(res, o.json_file)) {
        std::cerr << "tsm-bench: cannot write " << o.json_file << "\n";
    }
    if (!o.svg_file.empty() && !res.steps.empty() && !write_chart(res, o.svg_file)) {
        std::cerr << "tsm-bench: cannot write " << o.svg_file << "\n";
    }
    std::uint64_t lost = 0;
    for (const auto& s : res.steps) {
        lost += s.lost;
    }
    // --strict: any error, any SP answer other than 200, or a step with nothing called back fails.
    bool dirty = b.st.error_total() != 0;
    for (const auto& [code, n] : res.http_status) {
        dirty = dirty || (code != 200 && n != 0);
    }
    for (const auto& s : res.steps) {
        dirty = dirty || s.called == 0;
        for (int k = 0; k < op_kinds; ++k) {
            const auto& kr = s.by_kind[static_cast<std::size_t>(k)];
            // Every kind the scenario asks for must have run.
            const bool is_ccm = k == static_cast<int>(op_kind::ccm_install);
            const bool wanted = o.scen == scenario::mixed
                                    ? (is_ccm ? o.mix_ccm_weight : o.mix_transceive_weight) != 0
                                    : is_ccm == (o.scen == scenario::ccm_install);
            dirty = dirty || (wanted && kr.called == 0);
        }
    }
    if (o.strict && dirty && !lost) {
        std::printf("tsm-bench: --strict: errors were counted (see above)\n");
    }
    std::fflush(stdout);
    std::_Exit(lost ? 3 : (o.strict && dirty) ? 4 : 0); // skip tearing down thousands of sockets one by one
}
