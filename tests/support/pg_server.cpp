#include "pg_server.hpp"

#include "child_process.hpp"

#include <boost/test/unit_test.hpp>

#include <libpq-fe.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

namespace tsm::test {
namespace {

const std::string pg_bin = "/usr/lib/postgresql/15/bin/";

/// A port free on 127.0.0.1 right now (bound to port 0, then released).
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0
        && ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
        port = ntohs(a.sin_port);
    }
    if (fd >= 0) {
        ::close(fd);
    }
    return port;
}

/// As root, the command runs as `nobody`; otherwise as the current user.
std::vector<std::string> as_server_user(std::vector<std::string> cmd) {
    if (::geteuid() != 0) {
        return cmd;
    }
    std::vector<std::string> wrapped{"/usr/sbin/runuser", "-u", "nobody", "--"};
    wrapped.insert(wrapped.end(), cmd.begin(), cmd.end());
    return wrapped;
}

/// Waits (bounded) for `pid` to exit; its exit code, or -1.
int wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (std::chrono::steady_clock::now() < until) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill_and_reap(pid);
    return -1;
}

} // namespace

std::unique_ptr<pg_server> pg_server::start(std::string& why) {
    std::unique_ptr<pg_server> s(new pg_server());
    std::string tmpl = "/tmp/tsm-pg-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
        why = "mkdtemp failed";
        return nullptr;
    }
    s->dir_ = tmpl;
    s->log_ = s->dir_ + "/server.log";
    if (::geteuid() == 0) {
        const passwd* nobody = ::getpwnam("nobody");
        if (nobody == nullptr || ::chown(s->dir_.c_str(), nobody->pw_uid, nobody->pw_gid) != 0) {
            why = "cannot hand " + s->dir_ + " to user nobody";
            return nullptr;
        }
    }
    // --no-sync only skips fsync of the initial files; the server itself keeps fsync on.
    const pid_t init = spawn_process(as_server_user({pg_bin + "initdb", "-D", s->dir_ + "/data", "-A",
                                                     "trust", "-U", "tsm", "-E", "UTF8", "--no-sync"}),
                                     s->dir_ + "/initdb.log");
    if (wait_exit(init, std::chrono::seconds(60)) != 0) {
        why = "initdb failed: " + read_text_file(s->dir_ + "/initdb.log");
        return nullptr;
    }
    s->port_ = free_port();
    if (!s->launch(why)) {
        return nullptr;
    }
    PGconn* c = PQconnectdb(
        ("host=127.0.0.1 port=" + std::to_string(s->port_) + " dbname=postgres user=tsm").c_str());
    PGresult* r = PQexec(c, "CREATE DATABASE tsm");
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) {
        why = std::string("CREATE DATABASE tsm failed: ") + PQerrorMessage(c);
    }
    PQclear(r);
    PQfinish(c);
    return ok ? std::move(s) : nullptr;
}

bool pg_server::launch(std::string& why) {
    pid_ = spawn_process(as_server_user({pg_bin + "postgres", "-D", dir_ + "/data", "-p",
                                         std::to_string(port_), "-k", dir_, "-c",
                                         "listen_addresses=127.0.0.1", "-c", "synchronous_commit=on"}),
                         log_);
    const std::string ping =
        "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=postgres user=tsm connect_timeout=2";
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < until) {
        if (PQping(ping.c_str()) == PQPING_OK) {
            return true;
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            why = "postgres exited: " + read_text_file(log_);
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    why = "postgres did not accept connections within 30 s: " + read_text_file(log_);
    kill9();
    return false;
}

pg_server::~pg_server() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::string pg_server::conninfo() const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=tsm user=tsm connect_timeout=5";
}

void pg_server::stop() {
    if (pid_ <= 0) {
        return;
    }
    // SIGINT = fast shutdown, sent to the postmaster itself (pid_ may be runuser's)
    const std::string pidfile = read_text_file(dir_ + "/data/postmaster.pid");
    const pid_t postmaster = pidfile.empty() ? -1 : static_cast<pid_t>(std::atoi(pidfile.c_str()));
    ::kill(postmaster > 0 ? postmaster : pid_, SIGINT);
    (void)wait_exit(pid_, std::chrono::seconds(30));
    pid_ = -1;
}

void pg_server::kill9() {
    if (pid_ <= 0) {
        return;
    }
    // runuser's child is the postmaster: kill the whole group the server user runs under
    const pid_t pm = pid_;
    const std::string pidfile = read_text_file(dir_ + "/data/postmaster.pid");
    const pid_t postmaster = pidfile.empty() ? -1 : static_cast<pid_t>(std::atoi(pidfile.c_str()));
    if (postmaster > 0) {
        ::kill(postmaster, SIGKILL);
    }
    kill_and_reap(pm);
    pid_ = -1;
}

std::string pg_query(const std::string& conninfo, const std::string& command) {
    PGconn* c = PQconnectdb(conninfo.c_str());
    const bool connected = PQstatus(c) == CONNECTION_OK;
    const std::string connect_error = connected ? "" : PQerrorMessage(c);
    if (!connected) {
        PQfinish(c);
    }
    BOOST_REQUIRE_MESSAGE(connected, connect_error);
    PGresult* r = PQexec(c, command.c_str());
    const auto st = PQresultStatus(r);
    const bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    std::string out = st == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    const std::string err = ok ? "" : PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(c);
    BOOST_REQUIRE_MESSAGE(ok, command + ": " + err);
    return out;
}

bool pg_try(const std::string& conninfo, const std::string& command) noexcept {
    PGconn* c = PQconnectdb(conninfo.c_str());
    bool ok = false;
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult* r = PQexec(c, command.c_str());
        ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
    }
    PQfinish(c);
    return ok;
}

bool pg_server::restart(std::string& why) {
    stop();
    return launch(why);
}

} // namespace tsm::test
