#pragma once
/// Re-orders a group-commit batch by key before RocksDB inserts it into the memtable.
///
/// Why: a group mixes the writes of many operations (o/, L/o/, x/, s/ keys). Inserted in
/// arrival order, consecutive keys sit far apart in the memtable skiplist, so each insert
/// searches it from the top and misses the cache at every level (perf: the skiplist search was
/// the largest single CPU cost of tsmd). Sorted, consecutive inserts are neighbours and the
/// skiplist's remembered insert position ("splice") is reused; with time-ordered ids most new
/// keys also land at the end of their prefix.
///
/// The sort is stable, so writes to the same key keep their order and the batch has exactly the
/// effect it had before; the group is still one atomic WriteBatch.
#include <rocksdb/slice.h>
#include <rocksdb/write_batch.h>

#include <vector>

namespace tsm::storage {

/// One Put or Delete of a batch, pointing into that batch's buffer.
struct batch_entry {
    rocksdb::Slice key;
    rocksdb::Slice value;
    bool is_delete = false;
};

/// Appends to `out` the Puts and Deletes of `in` (default column family only) ordered by key,
/// stably. `scratch` is reused between calls to avoid allocating per group. Returns false when
/// `in` holds another kind of record (then `out` is not usable and the caller writes `in`).
bool sort_batch_by_key(const rocksdb::WriteBatch& in, rocksdb::WriteBatch& out,
                       std::vector<batch_entry>& scratch);

} // namespace tsm::storage
