#pragma once
/// Searches files on disk for a byte string: the tests that prove a secret is never stored in
/// clear scan the whole data directory (RocksDB tables, WAL, manifest) with it.
#include <string>
#include <string_view>

namespace tsm::test {

/// True when a regular file under `dir` (recursively) contains `needle`. Throws
/// std::runtime_error when `dir` cannot be listed or holds no file: a scan of nothing proves nothing.
bool tree_contains(const std::string& dir, std::string_view needle);

} // namespace tsm::test
