#pragma once
/// PostgreSQL implementation of `core::record_store` (the cluster mode's shared store; the
/// embedded default stays rocksdb_store). Every record is kept in its storage codec encoding
/// (`rec bytea`) next to the columns its queries need, one table per record kind
/// (storage/src/postgres_schema.cpp). libpq runs on the store's own threads, never on a shard
/// thread: one writer connection group-commits everything queued in one transaction sent in
/// pipeline mode (many statements, one sync, one COMMIT), and `reader_connections` serve the
/// point reads. A commit completes only after COMMIT returned, so `synchronous_commit` (and a
/// synchronous standby) decide what "durable" means. libpq is linked PRIVATE.
#include "tsm/core/record_store.hpp"
#include "tsm/storage/errc.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace tsm::storage {

struct postgres_store_options {
    /// Write_sets accepted but whose handler has not run yet; beyond it `commit` completes at
    /// once with `errc::busy` (503).
    std::size_t max_pending_writes = 100000;
    /// Connections (one thread each) serving the point reads.
    unsigned reader_connections = 1;
    /// Apply the forward migrations at open (tsmd does; `tsmctl db migrate` does it by hand).
    /// Without it, open refuses a database whose schema is older than the binary's.
    bool migrate = true;
    /// This node's name in the cluster (tsm_nodes, tsm_sessions.owner_node): the sessions it
    /// owns and the fences of its writes. Must be unique among the live nodes.
    std::string node_id = "tsmd";
    /// How often the node renews its lease, and how long a lease lasts: another node may claim
    /// this node's sessions once its lease has expired.
    std::chrono::milliseconds heartbeat_interval{1000};
    std::chrono::milliseconds lease{5000};
    /// An operation appended on any node is refused (store_errc::queue_full) once its session
    /// has this many not done (the per-session limit the owner applies).
    std::size_t max_queued_operations = 256;
};

/// The schema version this binary writes and reads.
int postgres_schema_version() noexcept;

/// Applies every forward migration the database lacks, in one transaction each, under an
/// advisory lock (several nodes starting at once migrate once). Blocking; for start-up and tools.
/// `errc::schema_too_new` when the database is ahead of this binary (nothing is changed).
/// `applied` gets the versions applied now (empty when already current).
std::error_code migrate_postgres(const std::string& conninfo, std::vector<int>& applied, std::string& detail);

class postgres_store final : public core::record_store {
public:
    /// Connects (`conninfo`: a libpq connection string or postgres:// URI, multi-host allowed),
    /// checks or migrates the schema. nullptr with `ec` (and `detail`, the server's message) on
    /// failure: `errc::unavailable` when no server answers, `errc::schema_too_new`,
    /// `errc::schema_too_old` (migrate off).
    static std::unique_ptr<postgres_store> open(const std::string& conninfo, postgres_store_options opts,
                                                std::error_code& ec, std::string& detail);

    ~postgres_store() override; ///< calls close()
    postgres_store(const postgres_store&) = delete;
    postgres_store& operator=(const postgres_store&) = delete;

    void commit(core::write_set w, core::durability d, boost::asio::any_io_executor ex,
                commit_handler done) override;
    void load_operation(std::string operation_id, boost::asio::any_io_executor ex,
                        load_operation_handler done) override;
    void load_card_keys(bool master, std::string id, boost::asio::any_io_executor ex,
                        load_card_keys_handler done) override;
    void load_capfiles(std::string app_id, std::string id, boost::asio::any_io_executor ex,
                       load_capfiles_handler done) override;
    void load_recipe(std::string app_id, std::string service_id, boost::asio::any_io_executor ex,
                     load_recipe_handler done) override;
    void list_recipes(std::string app_id, boost::asio::any_io_executor ex,
                      list_recipes_handler done) override;
    void find_device(core::bytes cplc, core::bytes uid, boost::asio::any_io_executor ex,
                     find_device_handler done) override;
    void claim_session(core::claim_request req, boost::asio::any_io_executor ex, claim_handler done) override;
    void load_session_operations(std::string session_id, std::uint64_t from_seq,
                                 boost::asio::any_io_executor ex, load_operations_handler done) override;
    void listen_appends(std::function<void(const std::string&)> woken) override;
    std::error_code load_all(core::recovered_state& out) override;
    /// Whether the last heartbeat reached the database (for /readyz); false until the first one.
    bool lease_held() const noexcept;
    void close() override;
    const core::store_stats& stats() const noexcept override;

private:
    struct impl;
    explicit postgres_store(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

} // namespace tsm::storage
