#pragma once
/// One harness thread: an io_context with its share of the touch points and SP connections, the
/// closed-loop ready queue or the open-loop schedule, and its latency histograms (single writer).
#include "bench.hpp"
#include "histogram.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace tsm::tools::loadgen {

class sp_client;
class touch_point;

class worker {
public:
    worker(bench& b, unsigned index);
    ~worker();

    void run_thread();
    void stop_thread();

    boost::asio::io_context& ioc() { return ioc_; }
    unsigned index() const { return index_; }
    bench& b() { return b_; }

    using hist_set = std::array<histogram, latency_kinds>;
    /// Records a latency sample for the operation's step, overall and for its kind (called on
    /// this worker's thread only).
    void record(std::uint32_t step, std::uint8_t kind, latency_kind k, std::int64_t ns) {
        hist_[step][0][static_cast<int>(k)].record(ns);
        hist_[step][1 + (kind % op_kinds)][static_cast<int>(k)].record(ns);
    }
    /// The step's histograms: all operations.
    const hist_set& hist(std::uint32_t step) const { return hist_[step][0]; }
    /// The step's histograms for one operation kind.
    const hist_set& hist(std::uint32_t step, op_kind k) const { return hist_[step][1 + static_cast<int>(k)]; }

    // Touch points (created by main before the threads run).
    void add_touch_point(std::uint32_t session);
    /// Connects this worker's touch points, at most `concurrency` at once. Posts onto the thread.
    void connect_touch_points(unsigned concurrency);
    std::size_t touch_point_count() const { return tps_.size(); }

    void add_sp_clients(unsigned n);

    /// Step control (posted onto this worker's thread by main).
    void start_closed(std::uint32_t step);
    void start_open(std::uint32_t step, double rate_per_s, std::int64_t t0);

    /// A callback for `session` arrived (any thread): closed loop makes the session ready again.
    void session_done(std::uint32_t session);
    /// An SP connection finished its request (this thread).
    void client_idle(sp_client* c);

    /// Scratch buffer for simdjson (padded), one per thread.
    std::string& scratch() { return scratch_; }

private:
    void connect_next(unsigned concurrency);
    void on_tick();
    void pump();
    void issue(sp_client* c, std::uint32_t session, std::int64_t t_start);
    /// The kind of the next operation: fixed by the scenario, or for `mixed` spread evenly so
    /// that every prefix of this worker's operations keeps the --mix ratio (no randomness).
    op_kind next_kind();

    bench& b_;
    unsigned index_;
    boost::asio::io_context ioc_;
    std::thread thread_;
    std::vector<std::array<hist_set, 1 + op_kinds>> hist_; ///< [step][0 = all, 1 + kind][latency]
    std::vector<std::unique_ptr<touch_point>> tps_;
    std::size_t next_connect_ = 0;
    unsigned connecting_ = 0;
    std::vector<std::unique_ptr<sp_client>> clients_;
    std::vector<sp_client*> idle_;

    std::uint32_t step_ = 0;
    bool closed_ = true;
    std::deque<std::uint32_t> ready_; ///< closed loop: sessions without an operation in flight

    struct pending {
        std::uint32_t session;
        std::int64_t intended;
    };
    std::deque<pending> backlog_; ///< open loop: scheduled, waiting for an idle connection
    boost::asio::steady_timer timer_;
    double period_ns_ = 0;
    std::int64_t t0_ = 0;
    std::uint64_t scheduled_ = 0;
    std::size_t rr_ = 0; ///< round robin over this worker's sessions
    std::vector<std::uint32_t> my_sessions_;
    bool ticking_ = false;
    std::string scratch_;
    std::uint64_t kind_n_ = 0; ///< operations this worker issued (mixed ratio)
};

} // namespace tsm::tools::loadgen
