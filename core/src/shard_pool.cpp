#include "tsm/core/shard_pool.hpp"

#include <future>
#include <stdexcept>

namespace tsm::core {
namespace {
thread_local unsigned current_shard = shard_pool::no_shard;
}

shard_pool::shard_pool(unsigned shard_count) {
    if (shard_count == 0) {
        shard_count = 1;
    }
    for (unsigned i = 0; i < shard_count; ++i) {
        // Hint 1: one thread runs this context; cross-thread post() stays safe (unlike UNSAFE).
        contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
        guards_.push_back(std::make_unique<guard_t>(contexts_.back()->get_executor()));
    }
}

shard_pool::~shard_pool() {
    stop();
}

void shard_pool::start() {
    for (unsigned i = 0; i < contexts_.size(); ++i) {
        threads_.emplace_back([this, i] {
            current_shard = i;
            contexts_[i]->run();
            current_shard = no_shard;
        });
    }
}

void shard_pool::release() {
    for (auto& g : guards_) {
        g->reset();
    }
}

void shard_pool::stop() {
    release();
    for (auto& c : contexts_) {
        c->stop();
    }
    join();
}

void shard_pool::join() {
    for (auto& t : threads_) {
        if (t.joinable()) {
            t.join();
        }
    }
    threads_.clear();
}

unsigned shard_pool::current() noexcept {
    return current_shard;
}

void shard_pool::invoke_on_all_and_wait(const std::function<void(unsigned)>& fn) {
    if (current() != no_shard) {
        throw std::logic_error("invoke_on_all_and_wait on a shard thread would deadlock");
    }
    auto finished = std::make_shared<std::promise<void>>();
    auto all = finished->get_future();
    invoke_on_all([&fn](unsigned i) { fn(i); }, [finished] { finished->set_value(); });
    all.wait();
}

this_thread_as_shard::this_thread_as_shard(unsigned index) noexcept : previous_(current_shard) {
    current_shard = index;
}

this_thread_as_shard::~this_thread_as_shard() {
    current_shard = previous_;
}

} // namespace tsm::core
