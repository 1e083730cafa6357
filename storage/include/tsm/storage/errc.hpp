#pragma once
/// Error codes of the storage module, in their own category so callers can tell "the store said
/// no" (busy: answer 503) from "the disk failed".
#include <system_error>

namespace tsm::storage {

enum class errc {
    busy = 1,         ///< max_pending_writes reached, or RocksDB Busy/TryAgain/TimedOut
    closed,           ///< the store is closed (or closing)
    io_error,         ///< RocksDB IOError (other than no space)
    no_space,         ///< disk full
    corruption,       ///< RocksDB Corruption, or a record that does not decode
    invalid_argument, ///< RocksDB InvalidArgument/NotSupported (a bug or a bad option)
    internal,         ///< anything else (unexpected Status, exception in the writer)
    unavailable,      ///< PostgreSQL: no server answers, or it is not a writable primary
    schema_too_new,   ///< PostgreSQL: the database's schema is newer than this binary
    schema_too_old,   ///< PostgreSQL: the schema needs migrating (tsmctl db migrate)
};

const std::error_category& storage_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), storage_category()};
}

} // namespace tsm::storage

template <>
struct std::is_error_code_enum<tsm::storage::errc> : std::true_type {};
