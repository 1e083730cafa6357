#pragma once
// The session service's store writes, counted by its shard gate, and the one retry policy for a
// write that must land: a result, or a session end already applied in memory. Such a write is
// tried again every `retry` until the store takes it (memory and disk must not stay apart), and
// given up only once the service stops (the state is then recovered from the store at the next
// start). Owner: the session service; its shard's thread only.
#include "tsm/core/record_store.hpp"
#include "tsm/core/service_probe.hpp"
#include "tsm/core/shard_gate.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <list>
#include <optional>
#include <string>

namespace tsm::core {

class durable_commit {
public:
    /// The write of one attempt, made from the live state at that moment; nullopt when nothing
    /// is left to write (the session or its operation went away meanwhile).
    using attempt_fn = std::function<std::optional<write_set>()>;

    durable_commit(boost::asio::io_context& ioc, record_store& store, shard_gate& gate,
                   session_metrics& metrics, std::chrono::milliseconds retry);
    durable_commit(const durable_commit&) = delete;
    durable_commit& operator=(const durable_commit&) = delete;

    /// One write; `done` runs on this shard. Refused once the gate is closed: `done` then gets
    /// operation_canceled (posted).
    void submit(write_set w, durability d, record_store::commit_handler done);

    /// A sync write retried until durable. `durable` runs once it landed; `abandoned` when the
    /// service stopped before it did.
    void until_durable(attempt_fn attempt, std::function<void()> durable, std::function<void()> abandoned);

    /// No more retries: waiting ones are cancelled (their `abandoned` runs).
    void stop();

    /// Cluster mode. `fence_of` gives the fence of a write that has none (the session it writes,
    /// at the epoch this node holds it); `fenced` runs when the store refused a write because
    /// another node owns that session now. A fenced write is never retried (its `abandoned` runs).
    void use_fences(std::function<std::optional<session_fence>(const write_set&)> fence_of,
                    std::function<void(const std::string& session_id)> fenced);

private:
    struct job {
        attempt_fn attempt;
        std::function<void()> durable;
        std::function<void()> abandoned;
    };
    void try_once(job j);
    void retry_later(job j);

    boost::asio::io_context& ioc_;
    record_store& store_;
    shard_gate& gate_;
    session_metrics& metrics_;
    std::chrono::milliseconds retry_;
    std::list<boost::asio::steady_timer> waiting_;
    std::function<std::optional<session_fence>(const write_set&)> fence_of_;
    std::function<void(const std::string&)> fenced_;
    bool stopped_ = false;
};

} // namespace tsm::core
