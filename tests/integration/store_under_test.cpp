#include "store_under_test.hpp"

#include "pg_server.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string_view>

namespace tsm::test {

bool postgres_under_test() {
    const char* v = std::getenv("TSM_TEST_STORE");
    return v != nullptr && std::string_view(v) == "postgres";
}

namespace {
std::mutex mu;
std::unique_ptr<pg_server> server; // lives until the test process exits
std::atomic<int> counter{0};
} // namespace

std::string postgres_files() {
    std::lock_guard lk(mu);
    return server ? server->directory() : std::string();
}

void start_server_locked() {
    if (!server) {
        std::string why;
        server = pg_server::start(why);
        BOOST_REQUIRE_MESSAGE(server, "cannot start PostgreSQL: " + why);
    }
}

pg_server& postgres_server() {
    std::lock_guard lk(mu);
    start_server_locked();
    return *server;
}

std::string fresh_postgres_database() {
    std::lock_guard lk(mu);
    start_server_locked();
    const std::string name = "t" + std::to_string(++counter);
    // FILE_COPY: the template is copied as files, not written to the WAL — the WAL (which the
    // tests scan for secrets) stays small however many databases a run creates.
    pg_query(server->conninfo(), "CREATE DATABASE " + name + " STRATEGY FILE_COPY");
    return "host=127.0.0.1 port=" + std::to_string(server->port()) + " dbname=" + name + " user=tsm";
}

void drop_postgres_database(const std::string& url) noexcept {
    const auto at = url.find("dbname=");
    if (at == std::string::npos) {
        return;
    }
    const std::string name = url.substr(at + 7, url.find(' ', at) - at - 7);
    std::lock_guard lk(mu);
    if (server) {
        (void)pg_try(server->conninfo(), "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
}

postgres_forced::postgres_forced() {
    const char* before = std::getenv("TSM_TEST_STORE");
    had_ = before != nullptr;
    saved_ = had_ ? before : "";
    ::setenv("TSM_TEST_STORE", "postgres", 1);
}

postgres_forced::~postgres_forced() {
    if (had_) {
        ::setenv("TSM_TEST_STORE", saved_.c_str(), 1);
    } else {
        ::unsetenv("TSM_TEST_STORE");
    }
}

} // namespace tsm::test
