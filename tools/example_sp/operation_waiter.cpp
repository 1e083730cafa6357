#include "example_sp/operation_waiter.hpp"

namespace tsm::tools::example_sp {

bool operation_waiter::deliver(const std::string& operation_id, operation_callback cb) {
    std::lock_guard lock(mutex_);
    auto it = slots_.find(operation_id);
    if (it == slots_.end()) {
        if (slots_.size() >= max_parked_) {
            return false;
        }
        it = slots_.emplace(operation_id, std::make_shared<slot>()).first;
    }
    slot& s = *it->second;
    if (s.result) {
        return false; // tsmd retried a callback we already have
    }
    s.result = std::move(cb);
    s.cv.notify_one();
    return true;
}

std::optional<operation_callback> operation_waiter::wait(const std::string& operation_id,
                                                         std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    auto& entry = slots_[operation_id];
    if (!entry) {
        entry = std::make_shared<slot>();
    }
    std::shared_ptr<slot> s = entry; // keeps the slot alive while we sleep without the map
    s->claimed = true;
    s->cv.wait_for(lock, timeout, [&] { return s->result.has_value() || stopped_; });
    std::optional<operation_callback> out = std::move(s->result);
    // Done with this operation either way: a callback arriving after a timeout parks a new
    // slot that nobody claims, bounded by max_parked_.
    slots_.erase(operation_id);
    return out;
}

void operation_waiter::shutdown() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    for (auto& [id, s] : slots_) {
        s->cv.notify_all();
    }
}

} // namespace tsm::tools::example_sp
