#pragma once
/// The shard runtime as the adapters see it (Seastar's sharded<T>): the pool of shard threads plus
/// each shard's services. The only ways to act on a shard's services:
///   local()                      the calling shard's own (asserts it runs on a shard thread),
///   invoke_on(i, fn)             fn(services) later on shard i,
///   invoke_on_owner(id, fn)      fn(services) on the shard that owns session `id`,
///   invoke_on_all(fn, done)      fn(services) on every shard, then done() (see shard_pool).
/// Closures must hold values only: they run on another thread.
/// Thread safety: every member is safe from any thread; local() only from shard threads.
#include "tsm/core/shard_pool.hpp"
#include "tsm/core/shard_services.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>
#include <vector>

namespace tsm::core {

class shard_runtime {
public:
    /// `services[i]` belongs to pool shard i; both outlive the runtime.
    shard_runtime(shard_pool& pool, std::vector<shard_services*> services)
        : pool_(pool), services_(std::move(services)) {}

    unsigned size() const noexcept { return pool_.size(); }
    unsigned owner_of(std::string_view session_id) const noexcept { return pool_.owner_of(session_id); }

    shard_services& local() const noexcept {
        const unsigned i = shard_pool::current();
        if (i >= services_.size()) {
            std::fprintf(stderr, "tsm: shard_runtime::local() called off a shard thread\n");
            std::abort();
        }
        return *services_[i];
    }

    template <class Fn>
    void invoke_on(unsigned shard, Fn&& fn) {
        pool_.invoke_on(shard, [s = services_[shard], fn = std::forward<Fn>(fn)]() mutable { fn(*s); });
    }

    template <class Fn>
    void invoke_on_owner(std::string_view session_id, Fn&& fn) {
        invoke_on(owner_of(session_id), std::forward<Fn>(fn));
    }

    template <class Fn, class Done>
    void invoke_on_all(Fn fn, Done done) {
        pool_.invoke_on_all([services = services_, fn](unsigned i) mutable { fn(*services[i]); },
                            std::move(done));
    }

    /// Start-up and shutdown from the main thread only: blocks until every shard ran `fn`.
    void invoke_on_all_and_wait(const std::function<void(shard_services&)>& fn) {
        pool_.invoke_on_all_and_wait([this, &fn](unsigned i) { fn(*services_[i]); });
    }

private:
    shard_pool& pool_;
    std::vector<shard_services*> services_;
};

} // namespace tsm::core
