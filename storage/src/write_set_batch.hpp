#pragma once
/// One write_set as one RocksDB WriteBatch: every record encoded under its key, with the indexes
/// that follow it (live sessions and operations, the device CPLC/UID index) in the same batch, so
/// a record and its index entries land together or not at all. Runs on the store's writer thread.
#include "device_index_writer.hpp"

#include "tsm/core/record_store.hpp"

#include <rocksdb/write_batch.h>

#include <string>
#include <system_error>

namespace tsm::storage {

/// Appends `w` to `batch`; `key` and `val` are scratch buffers reused across calls. Fails (and
/// the caller drops the whole group) when the device index cannot be read.
std::error_code apply(core::write_set& w, rocksdb::WriteBatch& batch, std::string& key, std::string& val,
                      device_index_writer& devices);

} // namespace tsm::storage
