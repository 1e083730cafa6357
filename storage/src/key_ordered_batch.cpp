#include "key_ordered_batch.hpp"

#include <algorithm>

namespace tsm::storage {
namespace {

/// Collects the entries; any record other than a default-family Put/Delete aborts the sort.
class collector : public rocksdb::WriteBatch::Handler {
public:
    explicit collector(std::vector<batch_entry>& out) : out_(out) {}

    rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
        return add(cf, key, value, false);
    }
    rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
        return add(cf, key, rocksdb::Slice(), true);
    }
    // anything else (merge, single delete, range delete, blob, log data) is not ours to reorder
    rocksdb::Status SingleDeleteCF(uint32_t, const rocksdb::Slice&) override { return refuse(); }
    rocksdb::Status DeleteRangeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
        return refuse();
    }
    rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
        return refuse();
    }
    void LogData(const rocksdb::Slice&) override { refused_ = true; }

    bool refused() const noexcept { return refused_; }

private:
    rocksdb::Status add(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice& value, bool del) {
        if (cf != 0) {
            return refuse();
        }
        out_.push_back({key, value, del});
        return rocksdb::Status::OK();
    }
    rocksdb::Status refuse() {
        refused_ = true;
        return rocksdb::Status::NotSupported("unordered record");
    }

    std::vector<batch_entry>& out_;
    bool refused_ = false;
};

} // namespace

bool sort_batch_by_key(const rocksdb::WriteBatch& in, rocksdb::WriteBatch& out,
                       std::vector<batch_entry>& scratch) {
    scratch.clear();
    collector c(scratch);
    if (!in.Iterate(&c).ok() || c.refused()) {
        return false;
    }
    std::stable_sort(scratch.begin(), scratch.end(),
                     [](const batch_entry& a, const batch_entry& b) { return a.key.compare(b.key) < 0; });
    for (const auto& e : scratch) {
        rocksdb::Status s = e.is_delete ? out.Delete(e.key) : out.Put(e.key, e.value);
        if (!s.ok()) {
            return false;
        }
    }
    return true;
}

} // namespace tsm::storage
