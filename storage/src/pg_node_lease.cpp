#include "pg_node_lease.hpp"

#include "pg_connection.hpp"

#include "tsm/core/log.hpp"

#include <pthread.h>

namespace tsm::storage::pg {

node_lease::node_lease(std::string conninfo, std::string node_id, std::chrono::milliseconds every,
                       std::chrono::milliseconds lease)
    : conninfo_(std::move(conninfo)), node_id_(std::move(node_id)), every_(every), lease_(lease) {
    thread_ = std::thread([this] { run(); });
    pthread_setname_np(thread_.native_handle(), "tsm-pg-lease");
}

node_lease::~node_lease() {
    stop();
}

void node_lease::stop() {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void node_lease::run() {
    conn_ptr c;
    const std::string lease_s = std::to_string(static_cast<double>(lease_.count()) / 1000.0);
    bool reported = false; // one log line per outage, not one per renewal
    for (;;) {
        if (!c || PQstatus(c.get()) != CONNECTION_OK) {
            std::string detail;
            c = connect(conninfo_, detail);
            if (!c && !reported) {
                core::log::error("storage: PostgreSQL lease renewal cannot connect", {{"detail", detail}});
                reported = true;
            }
        }
        bool ok = false;
        if (c) {
            params p;
            p.text(node_id_).text(lease_s);
            // The database's clock: node clocks do not matter.
            result_ptr r{
                PQexecParams(c.get(),
                             "INSERT INTO tsm_nodes (node_id, lease_until) VALUES ($1, now() + "
                             "make_interval(secs => $2))"
                             " ON CONFLICT (node_id) DO UPDATE SET lease_until = EXCLUDED.lease_until",
                             p.count(), nullptr, p.values(), p.lengths(), p.formats(), 1)};
            ok = r && PQresultStatus(r.get()) == PGRES_COMMAND_OK;
            if (!ok && !reported) {
                core::log::error("storage: PostgreSQL lease renewal failed",
                                 {{"detail", message_of(r.get(), c.get())}});
                reported = true;
            } else if (ok && reported) {
                core::log::info("storage: PostgreSQL lease renewed again", {});
                reported = false;
            }
        }
        held_.store(ok, std::memory_order_relaxed);
        std::unique_lock lk(mu_);
        if (cv_.wait_for(lk, every_, [this] { return stopping_; })) {
            return;
        }
    }
}

} // namespace tsm::storage::pg
