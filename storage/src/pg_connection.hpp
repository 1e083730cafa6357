#pragma once
// RAII around libpq's PGconn and PGresult, and the error mapping shared by the PostgreSQL store
// and its migrations. Private to storage.
#include "tsm/storage/errc.hpp"

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace tsm::storage::pg {

struct conn_deleter {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct result_deleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using conn_ptr = std::unique_ptr<PGconn, conn_deleter>;
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

/// Connects with `conninfo` (a key=value string or a postgres:// URI, multi-host allowed) and a
/// connect timeout that the caller's own `connect_timeout` overrides. nullptr with `detail` set
/// when the connection failed.
conn_ptr connect(const std::string& conninfo, std::string& detail);

/// The store error of a failed result (by SQLSTATE class) or of a broken connection.
std::error_code map_result(const PGresult* r, const PGconn* c);

/// The server's message of `r` (or the connection's), one line.
std::string message_of(const PGresult* r, const PGconn* c);

/// Blocking: runs `sql` (no parameters; several statements allowed). Empty on success.
std::error_code exec(PGconn* c, const char* sql, std::string& detail);

/// Parameters of one statement: text values, or binary (bytea) where `binary` is set.
class params {
public:
    params& text(std::string_view v);
    params& binary(std::string_view v);
    params& boolean(bool v) { return text(v ? "t" : "f"); }
    params& integer(long long v) { return text(std::to_string(v)); }
    int count() const noexcept { return static_cast<int>(values_.size()); }
    const char* const* values();
    const int* lengths() const noexcept { return lengths_.data(); }
    const int* formats() const noexcept { return formats_.data(); }
    /// False when a text value holds a NUL byte: PostgreSQL text cannot, and libpq would cut it.
    bool storable() const noexcept { return storable_; }

private:
    std::vector<std::string> values_;
    std::vector<const char*> ptrs_;
    std::vector<int> lengths_;
    std::vector<int> formats_;
    bool storable_ = true;
};

/// A binary-format column of a result row as bytes.
inline std::string_view column(const PGresult* r, int row, int col) {
    return {PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col))};
}

/// A binary-format bigint column (network byte order); 0 when it is not 8 bytes.
inline std::int64_t integer_column(const PGresult* r, int row, int col) {
    const std::string_view v = column(r, row, col);
    if (v.size() != 8) {
        return 0;
    }
    std::uint64_t x = 0;
    for (char ch : v) {
        x = (x << 8) | static_cast<unsigned char>(ch);
    }
    return static_cast<std::int64_t>(x);
}

} // namespace tsm::storage::pg
