#pragma once
/// Keeps the device index (device-cplc/<hex>, device-uid/<hex> -> CIN; store_keys.hpp) in step
/// with the card records of one group-commit batch, so `find_device` never needs a scan.
///
/// Read-before-write happens here, on the writer thread, not in the callers: replacing a card
/// whose CPLC or UID changed, or deleting it, removes the entries that still name that CIN. An
/// entry names the last card written with that CPLC/UID; an entry another card took over is never
/// removed on behalf of the previous one. Because a group holds several write_sets that are not in
/// the database yet, what this group already wrote (cards and entries) is remembered and read
/// before the database. IIN master sets (no device description) are not indexed.
/// Thread safety: the writer thread only; begin_group() before each group.
#include "tsm/core/records.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace tsm::storage {

class device_index_writer {
public:
    explicit device_index_writer(rocksdb::DB& db) : db_(db) {}

    /// Forgets what the previous group wrote (it is in the database now, or it failed).
    void begin_group();

    /// Adds to `batch` the index changes for writing card record `c` (a no-op for master sets).
    /// Fails only when the database cannot be read.
    [[nodiscard]] std::error_code put_card(const core::card_keys_record& c, rocksdb::WriteBatch& batch);

    /// Adds to `batch` the index changes for deleting card `cin`.
    [[nodiscard]] std::error_code delete_card(std::string_view cin, rocksdb::WriteBatch& batch);

private:
    struct device_ids {
        core::bytes cplc;
        core::bytes uid;
    };

    /// The CPLC and UID card `cin` holds before this write (nullopt: no record, or one that does
    /// not decode — then its old entries, if any, stay behind; find_device checks the record).
    std::error_code current_ids(const std::string& cin, std::optional<device_ids>& out);
    /// The CIN an index entry names now (nullopt: no entry).
    std::error_code entry_owner(const std::string& key, std::optional<std::string>& out);
    std::error_code drop_entries_of(const std::string& cin, const device_ids& old, const device_ids* keep,
                                    rocksdb::WriteBatch& batch);

    rocksdb::DB& db_;
    std::map<std::string, std::optional<device_ids>, std::less<>> cards_;    ///< CIN -> ids, this group
    std::map<std::string, std::optional<std::string>, std::less<>> entries_; ///< key -> CIN, this group
    std::string key_;
};

} // namespace tsm::storage
