#include "peer_harness.hpp"

#include <chrono>
#include <cstdio>

namespace tsm::tools::loadgen::peer {

std::int64_t mono_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

payloads make_payloads(unsigned apdus) {
    payloads p;
    p.request = R"({"commands":["80CA00FF080000000000000000")";
    for (unsigned i = 1; i < apdus; ++i) {
        p.request += R"(,"00B0000010")";
    }
    p.request += "]}";
    p.reply = R"({"type":"responses","batch":1,"responses":["9000")";
    for (unsigned i = 1; i < apdus; ++i) {
        p.reply += R"(,"9000")";
    }
    p.reply += "]}";
    return p;
}

void run_until(boost::asio::io_context& ioc, const std::function<bool()>& done, double timeout_s) {
    const auto end = mono_ns() + static_cast<std::int64_t>(timeout_s * 1e9);
    while (!done() && mono_ns() < end) {
        ioc.run_for(std::chrono::milliseconds(20));
    }
}

measurement::measurement(int peer_pid) : pid_(peer_pid), rss0_(sample_process(peer_pid)) {}

std::int64_t measurement::connected() {
    rss_connected_ = sample_process(pid_);
    cpu0_ = sample_process(pid_);
    self0_ = self_cpu_seconds();
    t0_ = mono_ns();
    return t0_;
}

void measurement::finished() {
    wall_s_ = static_cast<double>(mono_ns() - t0_) / 1e9;
    cpu1_ = sample_process(pid_);
    self1_ = self_cpu_seconds();
}

void measurement::print(const histogram& hist, std::uint64_t replied, unsigned touch_points) const {
    const auto ms = [](std::int64_t ns) { return static_cast<double>(ns) / 1e6; };
    std::printf("  request->reply ms: p50 %.3f p90 %.3f p99 %.3f p99.9 %.3f max %.3f\n",
                ms(hist.percentile(0.5)), ms(hist.percentile(0.9)), ms(hist.percentile(0.99)),
                ms(hist.percentile(0.999)), ms(hist.max()));
    if (cpu0_ && cpu1_) {
        const double cpu = cpu1_->cpu_s - cpu0_->cpu_s;
        std::printf("  server CPU %.2f s (%.0f%% of one core), %.0f request/replies per server CPU-second, "
                    "RSS %llu KiB\n",
                    cpu, 100 * cpu / wall_s_, cpu > 0 ? static_cast<double>(replied) / cpu : 0,
                    static_cast<unsigned long long>(cpu1_->rss_kib));
    }
    if (rss0_ && rss_connected_ && touch_points > 0) {
        std::printf("  server RSS per connection: %.0f bytes\n",
                    1024.0
                        * (static_cast<double>(rss_connected_->rss_kib) - static_cast<double>(rss0_->rss_kib))
                        / touch_points);
    }
    std::printf("  harness CPU %.2f s\n", self1_ - self0_);
}

} // namespace tsm::tools::loadgen::peer
