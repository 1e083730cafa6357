#pragma once
/// The store the integration fixture runs tsmd on: RocksDB in the data dir (the default), or,
/// when the environment says TSM_TEST_STORE=postgres, a fresh database per fixture on one real
/// PostgreSQL server started by this test process (ctest runs the store-heavy suites both ways).
#include <string>
#include <vector>

namespace tsm::test {

/// True when TSM_TEST_STORE=postgres.
bool postgres_under_test();

/// A new, empty database on the process's PostgreSQL server (started at the first call), as a
/// libpq connection string. Fails the test when the server cannot be started.
std::string fresh_postgres_database();

/// Drops a database fresh_postgres_database made (best effort, never throws): the server's
/// directory, which the secret scans read, holds only the databases still in use.
void drop_postgres_database(const std::string& url) noexcept;

class pg_server;
/// The process's PostgreSQL server (started when no fixture has yet), e.g. to stop and restart it.
pg_server& postgres_server();

/// The directory of the process's PostgreSQL server (its data directory and WAL inside).
std::string postgres_files();

/// While it lives, fixtures run tsmd on PostgreSQL whatever TSM_TEST_STORE says (the suites that
/// exist only for the shared store); the previous setting comes back at scope end.
class postgres_forced {
public:
    postgres_forced();
    ~postgres_forced();
    postgres_forced(const postgres_forced&) = delete;
    postgres_forced& operator=(const postgres_forced&) = delete;

private:
    bool had_ = false;
    std::string saved_;
};

} // namespace tsm::test
