#pragma once
// A write_set waiting for a store's writer thread, with the back-pressure slot it holds, and the
// group-size histogram bucket: shared by the RocksDB and PostgreSQL stores. Private to storage.
#include "tsm/core/record_store.hpp"

#include <atomic>
#include <cstddef>
#include <memory>

namespace tsm::storage {

/// Holds one slot of max_pending_writes until the commit handler has run (or was destroyed
/// unrun), so the limit also bounds completions the shard has not consumed yet.
class pending_slot {
public:
    explicit pending_slot(std::shared_ptr<std::atomic<std::size_t>> count) : count_(std::move(count)) {}
    pending_slot(pending_slot&&) noexcept = default;
    pending_slot& operator=(pending_slot&&) = delete;
    pending_slot(const pending_slot&) = delete;
    ~pending_slot() {
        if (count_) {
            count_->fetch_sub(1, std::memory_order_relaxed);
        }
    }

private:
    std::shared_ptr<std::atomic<std::size_t>> count_;
};

struct pending_write {
    core::write_set w;
    core::durability d;
    boost::asio::any_io_executor ex;
    core::record_store::commit_handler done;
    pending_slot slot;
};

/// The store_stats::batch_size_le bucket of a group of `n` write_sets.
inline int histogram_bucket(std::size_t n) {
    int i = 0;
    while (i < core::store_stats::batch_buckets - 1 && (std::size_t{1} << i) < n) {
        ++i;
    }
    return i;
}

} // namespace tsm::storage
