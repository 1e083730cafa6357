#include "pg_connection.hpp"

#include <cstring>

namespace tsm::storage::pg {

conn_ptr connect(const std::string& conninfo, std::string& detail) {
    // connect_timeout, application_name and gssencmode come first: with expand_dbname the caller's
    // conninfo (expanded from "dbname") overrides them when it sets them itself.
    // gssencmode: no Kerberos probe on every connect unless the connection string asks for it.
    const char* keys[] = {"connect_timeout", "application_name", "gssencmode", "dbname", nullptr};
    const char* values[] = {"5", "tsmd", "disable", conninfo.c_str(), nullptr};
    conn_ptr c{PQconnectdbParams(keys, values, 1)};
    if (!c || PQstatus(c.get()) != CONNECTION_OK) {
        detail = message_of(nullptr, c.get());
        if (detail.empty()) {
            detail = "out of memory";
        }
        return nullptr;
    }
    // Server notices (e.g. "already exists, skipping") are not errors: not on stderr.
    PQsetNoticeProcessor(
        c.get(), [](void*, const char*) {}, nullptr);
    return c;
}

std::error_code map_result(const PGresult* r, const PGconn* c) {
    if (c == nullptr || PQstatus(c) != CONNECTION_OK) {
        return make_error_code(errc::unavailable);
    }
    const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    if (state == nullptr) {
        return make_error_code(errc::unavailable);
    }
    const std::string_view s{state};
    // 08: connection; 57P0x: shutdown; 25006: read-only (a standby); 53: out of resources.
    if (s.substr(0, 2) == "08" || s.substr(0, 4) == "57P0" || s == "25006") {
        return make_error_code(errc::unavailable);
    }
    if (s == "53100") {
        return make_error_code(errc::no_space);
    }
    if (s.substr(0, 2) == "53" || s == "40001" || s == "40P01" || s == "55P03") {
        return make_error_code(errc::busy);
    }
    if (s.substr(0, 2) == "XX") {
        return make_error_code(errc::corruption);
    }
    if (s.substr(0, 2) == "22" || s.substr(0, 2) == "23" || s.substr(0, 2) == "42") {
        return make_error_code(errc::invalid_argument);
    }
    return make_error_code(errc::internal);
}

std::string message_of(const PGresult* r, const PGconn* c) {
    std::string m;
    if (r != nullptr && PQresultErrorMessage(r) != nullptr) {
        m = PQresultErrorMessage(r);
    }
    if (m.empty() && c != nullptr) {
        m = PQerrorMessage(c);
    }
    for (char& ch : m) { // one log line: libpq's messages span lines, indented by tabs
        if (ch == '\n' || ch == '\t') {
            ch = ' ';
        }
    }
    while (!m.empty() && m.back() == ' ') {
        m.pop_back();
    }
    return m;
}

std::error_code exec(PGconn* c, const char* sql, std::string& detail) {
    result_ptr r{PQexec(c, sql)};
    const auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        return {};
    }
    detail = message_of(r.get(), c);
    return map_result(r.get(), c);
}

params& params::text(std::string_view v) {
    storable_ = storable_ && v.find('\0') == std::string_view::npos;
    values_.emplace_back(v);
    lengths_.push_back(static_cast<int>(v.size()));
    formats_.push_back(0);
    return *this;
}

params& params::binary(std::string_view v) {
    values_.emplace_back(v);
    lengths_.push_back(static_cast<int>(v.size()));
    formats_.push_back(1);
    return *this;
}

const char* const* params::values() {
    ptrs_.clear();
    for (const auto& v : values_) {
        ptrs_.push_back(v.data());
    }
    return ptrs_.data();
}

} // namespace tsm::storage::pg
