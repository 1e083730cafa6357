#pragma once
/// A real PostgreSQL 15 server for the tests: initdb in a fresh temp dir, `postgres` on a free
/// 127.0.0.1 port, database `tsm` owned by user `tsm` (trust authentication). PostgreSQL refuses
/// to run as root (CI does): as root the server runs as `nobody` through runuser.
#include <sys/types.h>

#include <memory>
#include <string>

namespace tsm::test {

class pg_server {
public:
    /// nullptr with `why` when the server cannot be set up (bounded: 30 s to accept connections).
    static std::unique_ptr<pg_server> start(std::string& why);
    ~pg_server(); ///< stops the server and removes its directory
    pg_server(const pg_server&) = delete;
    pg_server& operator=(const pg_server&) = delete;

    /// "host=127.0.0.1 port=N dbname=tsm user=tsm connect_timeout=5"
    std::string conninfo() const;
    int port() const noexcept { return port_; }
    /// The server's directory (data directory, WAL, log).
    const std::string& directory() const noexcept { return dir_; }

    /// Fast shutdown (SIGINT), bounded wait, then SIGKILL.
    void stop();
    /// SIGKILL: a crash of the database server.
    void kill9();
    /// Starts again on the same directory and port; false (with the log) when it does not come up.
    bool restart(std::string& why);

private:
    pg_server() = default;
    bool launch(std::string& why);
    std::string dir_;
    std::string log_;
    int port_ = 0;
    pid_t pid_ = -1;
};

/// Runs one SQL command on `conninfo` and returns the first column of its first row (empty when
/// none). Fails the running test (BOOST_REQUIRE) when it cannot connect or the command fails.
std::string pg_query(const std::string& conninfo, const std::string& command);

/// Runs one SQL command, best effort (for clean-ups, in destructors): whether it succeeded.
bool pg_try(const std::string& conninfo, const std::string& command) noexcept;

} // namespace tsm::test
