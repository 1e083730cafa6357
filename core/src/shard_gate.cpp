#include "tsm/core/shard_gate.hpp"

#include <boost/asio/post.hpp>

namespace tsm::core {

struct shard_gate::state {
    explicit state(boost::asio::any_io_executor e) : ex(std::move(e)) {}
    boost::asio::any_io_executor ex;
    std::atomic<std::size_t> count{0};
    std::atomic<bool> closing{false};
    std::function<void()> drained; // written once by close() on the owner, before closing is set

    void release() noexcept {
        // The last pass out after close() hands `drained` to the owner's executor.
        if (count.fetch_sub(1, std::memory_order_acq_rel) == 1 && closing.load(std::memory_order_acquire)) {
            fire();
        }
    }
    void fire() noexcept {
        if (auto d = std::exchange(drained, nullptr)) {
            boost::asio::post(ex, std::move(d));
        }
    }
};

shard_gate::pass::pass(const pass& o) noexcept : s_(o.s_) {
    if (s_) {
        s_->count.fetch_add(1, std::memory_order_relaxed);
    }
}

shard_gate::pass& shard_gate::pass::operator=(const pass& o) noexcept {
    if (this != &o) {
        pass copy(o);
        *this = std::move(copy);
    }
    return *this;
}

shard_gate::pass& shard_gate::pass::operator=(pass&& o) noexcept {
    if (this != &o) {
        leave();
        s_ = std::move(o.s_);
    }
    return *this;
}

shard_gate::pass::~pass() {
    leave();
}

void shard_gate::pass::leave() noexcept {
    if (auto s = std::move(s_)) {
        s->release();
    }
}

shard_gate::shard_gate(boost::asio::any_io_executor ex) : state_(std::make_shared<state>(std::move(ex))) {}

shard_gate::~shard_gate() = default;

shard_gate::pass shard_gate::enter() {
    if (state_->closing.load(std::memory_order_relaxed)) {
        return pass{};
    }
    state_->count.fetch_add(1, std::memory_order_relaxed);
    return pass{state_};
}

void shard_gate::close(std::function<void()> drained) {
    state_->drained = std::move(drained);
    // close() holds one count of its own while it sets `closing`, so the count reaches zero
    // after closing exactly once: in the last pass to leave, or here when none is left.
    state_->count.fetch_add(1, std::memory_order_relaxed);
    state_->closing.store(true, std::memory_order_release);
    state_->release();
}

bool shard_gate::closed() const noexcept {
    return state_->closing.load(std::memory_order_relaxed);
}

std::size_t shard_gate::in_flight() const noexcept {
    return state_->count.load(std::memory_order_relaxed);
}

} // namespace tsm::core
