#pragma once
// The PostgreSQL schema as forward migrations, and the check a store makes at open.
#include <libpq-fe.h>

#include <string>
#include <system_error>
#include <vector>

namespace tsm::storage::pg {

/// Blocking, on `c`: applies the missing migrations (one transaction each, under an advisory
/// lock), or with `apply` false only checks that the schema is current.
std::error_code ensure_schema(PGconn* c, bool apply, std::vector<int>& applied, std::string& detail);

} // namespace tsm::storage::pg
