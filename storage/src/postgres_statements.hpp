#pragma once
// The PostgreSQL store's SQL: the statements prepared on the writer and reader connections, and
// how a write_set becomes prepared statements with their parameters. Private to storage.
#include "pg_connection.hpp"

#include "tsm/core/record_store.hpp"

#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace tsm::storage::pg {

/// Prepares the write (upsert/delete) statements on a writer connection.
std::error_code prepare_write_statements(PGconn* c, std::string& detail);
/// Prepares the point-read statements on a reader connection.
std::error_code prepare_read_statements(PGconn* c, std::string& detail);

/// One statement of a group: prepared name + parameters.
struct statement {
    const char* name;
    params args;
};

/// Appends the statements of `w` but its fence and its append_operations, in the order the
/// RocksDB batch applies them; a new session row is owned by `node_id`.
void append_statements(const core::write_set& w, const std::string& node_id, std::vector<statement>& out);
/// Appends the insert of an SP operation at its session's next seq (tsm_append), refused beyond
/// `max_queued` live operations.
void append_operation(const core::operation_record& o, std::size_t max_queued, std::vector<statement>& out);
/// Appends the check that `node_id` still owns the fenced session at its epoch (locks the row).
void append_fence(const core::session_fence& f, const std::string& node_id, std::vector<statement>& out);
/// The error of a write_set that fails alone: a failed fence (tsm_fence), an append the session
/// refuses (tsm_append); nullopt for any other SQLSTATE.
std::optional<std::error_code> own_failure(const char* sqlstate);

} // namespace tsm::storage::pg
