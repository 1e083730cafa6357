#pragma once
/// The shard runtime: one single-threaded io_context per shard, each run by its own thread.
/// Every shard-owned object lives on exactly one of these contexts. The only ways to reach another
/// shard are invoke_on(shard, fn), invoke_on_owner(session_id, fn) and invoke_on_all(fn, done):
/// each moves a value-only closure onto the target's context (Seastar's sharded<>::invoke_on).
/// Thread safety: the invoke_* calls and current() are safe from any thread; start/stop/join
/// belong to the thread that owns the pool (main).
#include "tsm/core/ids.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace tsm::core {

class shard_pool {
public:
    explicit shard_pool(unsigned shard_count);
    ~shard_pool();
    shard_pool(const shard_pool&) = delete;
    shard_pool& operator=(const shard_pool&) = delete;

    unsigned size() const noexcept { return static_cast<unsigned>(contexts_.size()); }
    boost::asio::io_context& context(unsigned shard) { return *contexts_[shard]; }

    /// Starts one thread per shard. Contexts keep running until stop().
    void start();
    /// Lets every context run out of work guard; handlers already posted still run.
    void release();
    /// Stops every context at once (pending handlers are dropped) and joins the threads.
    void stop();
    /// Joins the threads (after release() once the work has drained, or after stop()).
    void join();

    /// Index of the shard whose thread is calling, or `no_shard` off shard threads.
    static unsigned current() noexcept;
    static constexpr unsigned no_shard = ~0u;

    /// Runs `fn()` on `shard`'s thread, later (never inline, even from that shard).
    template <class Fn>
    void invoke_on(unsigned shard, Fn&& fn) {
        boost::asio::post(*contexts_[shard], std::forward<Fn>(fn));
    }

    /// Runs `fn()` on the shard that owns `session_id` (owner_shard of ids.hpp).
    template <class Fn>
    void invoke_on_owner(std::string_view session_id, Fn&& fn) {
        invoke_on(owner_of(session_id), std::forward<Fn>(fn));
    }

    unsigned owner_of(std::string_view session_id) const noexcept { return owner_shard(session_id, size()); }

    /// Runs `fn(shard_index)` on every shard, then `done()` once all have returned: on the
    /// calling shard when called from one, else on the shard that finished last. `fn` is copied
    /// to each shard, so it must hold values only.
    template <class Fn, class Done>
    void invoke_on_all(Fn fn, Done done) {
        static_assert(std::is_invocable_v<Fn&, unsigned>, "fn(shard_index)");
        const unsigned home = current();
        auto state = std::make_shared<all_state>(size(), std::function<void()>(std::move(done)));
        for (unsigned i = 0; i < size(); ++i) {
            invoke_on(i, [this, i, fn, state, home]() mutable {
                fn(i);
                if (state->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
                    if (home == no_shard) {
                        state->done();
                    } else {
                        invoke_on(home, [state] { state->done(); });
                    }
                }
            });
        }
    }

    /// invoke_on_all for the main thread at start-up and shutdown: blocks until every shard has
    /// run `fn`. Refuses (throws std::logic_error) on a shard thread, where it would deadlock.
    void invoke_on_all_and_wait(const std::function<void(unsigned)>& fn);

private:
    struct all_state {
        all_state(unsigned n, std::function<void()> d) : remaining(n), done(std::move(d)) {}
        std::atomic<unsigned> remaining;
        std::function<void()> done;
    };
    using guard_t = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::vector<std::unique_ptr<guard_t>> guards_;
    std::vector<std::thread> threads_;

    friend class this_thread_as_shard;
};

/// Makes the calling thread count as shard `index` for the shard_owned checks while it lives.
/// For tests and single-context tools that run shard-owned objects on their own thread.
class this_thread_as_shard {
public:
    explicit this_thread_as_shard(unsigned index) noexcept;
    ~this_thread_as_shard();
    this_thread_as_shard(const this_thread_as_shard&) = delete;
    this_thread_as_shard& operator=(const this_thread_as_shard&) = delete;

private:
    unsigned previous_;
};

} // namespace tsm::core
