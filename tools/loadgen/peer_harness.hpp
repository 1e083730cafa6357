#pragma once
/// What the peer scenarios (peer_nats, peer_mqtt) share: the request and reply payloads, the
/// event-loop pump, a connection's outgoing bytes, and the server figures around the measured run.
#include "histogram.hpp"
#include "options.hpp"
#include "proc_stats.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::tools::loadgen::peer {

std::int64_t mono_ns();

struct payloads {
    std::string request; ///< like a transceive body with K APDUs
    std::string reply;   ///< like a responses frame with K answers
};

/// Same payload sizes as a transceive body and a responses frame with `apdus` APDUs.
payloads make_payloads(unsigned apdus);

/// Runs `ioc` in 20 ms slices until `done()` or `timeout_s` has passed.
void run_until(boost::asio::io_context& ioc, const std::function<bool()>& done, double timeout_s);

/// The closed loop both peers run: one request in flight per touch point; device d's requests
/// go out on SP connection d % C, and each reply issues the device's next request until --ops
/// requests were issued or --duration has passed. Everything runs on `ioc` (declared first:
/// destroyed after the connections).
template <class Sp>
struct closed_loop {
    const options& o;
    boost::asio::io_context ioc;
    std::vector<std::unique_ptr<Sp>> sps;
    std::vector<std::int64_t> sent_at; ///< per device: request send time
    histogram hist;
    payloads payload;
    std::uint64_t issued = 0, replied = 0, errors = 0;
    bool issuing = false;
    std::int64_t deadline = 0;

    explicit closed_loop(const options& x) : o(x) {}

    void issue(unsigned device) {
        if (!issuing || issued >= o.ops || mono_ns() >= deadline) {
            issuing = false;
            return;
        }
        ++issued;
        sent_at[device] = mono_ns();
        sps[device % sps.size()]->request(device);
    }
};

/// A connection's outgoing bytes: at most one write in flight; what is queued meanwhile goes
/// out in the next write, all at once.
class outbox {
public:
    void queue(std::string_view s) { pending_ += s; }
    /// True when a write should start now (none in flight, something queued): the queued bytes
    /// become `in_flight()`.
    bool start() {
        if (writing_ || pending_.empty()) {
            return false;
        }
        writing_ = true;
        writing_buf_.swap(pending_);
        pending_.clear();
        return true;
    }
    boost::asio::const_buffer in_flight() const { return boost::asio::buffer(writing_buf_); }
    /// The write started by `start()` has completed (or failed).
    void written() {
        writing_ = false;
        writing_buf_.clear();
    }

private:
    std::string pending_;
    std::string writing_buf_;
    bool writing_ = false;
};

/// The peer server's CPU and RSS and the harness's CPU around the measured run.
class measurement {
public:
    /// Samples the server's RSS before any connection.
    explicit measurement(int peer_pid);
    /// All connections are up: samples RSS and CPU and starts the clock; returns the start (mono_ns).
    std::int64_t connected();
    /// The run is over: samples CPU and stops the clock.
    void finished();
    double wall_s() const { return wall_s_; }
    /// Prints the latency percentiles, the server's CPU per reply and RSS per connection, and
    /// the harness's CPU.
    void print(const histogram& hist, std::uint64_t replied, unsigned touch_points) const;

private:
    int pid_;
    std::optional<proc_sample> rss0_, rss_connected_, cpu0_, cpu1_;
    double self0_ = 0, self1_ = 0;
    std::int64_t t0_ = 0;
    double wall_s_ = 0;
};

} // namespace tsm::tools::loadgen::peer
