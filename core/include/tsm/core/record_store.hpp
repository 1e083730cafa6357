#pragma once
/// The durable record store port. `core` states what it needs; `storage` implements it over RocksDB;
/// tests may implement it in memory.
#include "tsm/core/records.hpp"
#include "tsm/core/store_errc.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace tsm::core {

/// Cluster mode: a session's owner writes only while it still owns the session at the epoch it
/// claimed. A store shared by several nodes checks it in the write's own transaction.
struct session_fence {
    std::string session_id;
    std::uint64_t epoch = 0; ///< the owner epoch this node holds (1 for the node that created it)
};

/// A set of mutations applied atomically (one RocksDB WriteBatch).
struct write_set {
    /// When set, the whole write_set applies only while this node owns the session at that
    /// epoch; else it fails alone with store_errc::fenced. Ignored by a single-node store.
    std::optional<session_fence> fence;

    std::vector<app_record> put_apps;
    std::vector<std::string> delete_apps;
    std::vector<session_record> put_sessions;
    std::vector<operation_record> put_operations;
    /// Cluster mode: SP operations accepted on any node, inserted at their session's next
    /// sequence number (the store's, whatever `seq` says) after the checks the owner would make
    /// — store_errc::unknown_session (also another app's), session_finished, runs_recipe,
    /// queue_full: the write_set then fails alone — and the session's owner is woken
    /// (record_store::listen_appends). Not supported by the embedded store.
    std::vector<operation_record> append_operations;
    std::vector<outbox_entry> put_outbox;
    std::vector<std::string> delete_outbox;
    /// Card records: the store keeps the device index (find_device) in step in the same batch;
    /// callers pass only the new record, never the old CPLC/UID.
    std::vector<card_keys_record> put_card_keys;
    std::vector<std::pair<bool, std::string>> delete_card_keys; ///< (master, id)
    std::vector<capfile_record> put_capfiles;
    std::vector<std::pair<std::string, std::string>> delete_capfiles; ///< (app_id, id)
    std::vector<recipe_record> put_recipes;                           ///< replaces (app_id, service_id)
    std::vector<std::pair<std::string, std::string>> delete_recipes;  ///< (app_id, service_id)

    bool empty() const noexcept {
        return put_apps.empty() && delete_apps.empty() && put_sessions.empty() && put_operations.empty()
               && append_operations.empty() && put_outbox.empty() && delete_outbox.empty()
               && put_card_keys.empty() && delete_card_keys.empty() && put_capfiles.empty()
               && delete_capfiles.empty() && put_recipes.empty() && delete_recipes.empty();
    }
};

enum class durability {
    sync,    ///< fsynced before completion (group-committed with concurrent sync writes)
    relaxed, ///< written to the WAL without waiting for fsync (e.g. outbox deletions: at-least-once)
};

/// What a restart recovers: every app, every non-terminal session, every operation that is not
/// done, every outbox entry.
struct recovered_state {
    std::vector<app_record> apps;
    std::vector<session_record> sessions;
    std::vector<operation_record> operations; ///< sorted by (session_id, seq)
    std::vector<outbox_entry> outbox;
};

/// A session this node took over (claim_session): the record, the epoch it now owns it at, and
/// its operations that are not done (sorted by seq), as restart recovery loads them.
struct claimed_session {
    session_record session;
    std::uint64_t epoch = 0;
    std::string previous_owner;
    std::vector<operation_record> operations;
};

enum class claim_mode {
    after_lease, ///< only when the owner's lease expired (or this node is the owner)
    steal,       ///< also from a live owner: the touch point came here with its resume token
};

/// What a claimer asks: `resume_digest`, when not empty, must equal the session's stored
/// resume-token digest (a touch point resuming proves it holds the token; a wrong one claims
/// nothing).
struct claim_request {
    std::string session_id;
    claim_mode mode = claim_mode::after_lease;
    bytes resume_digest;
};

/// Counters for /metrics. Updated by the store's own threads; read from anywhere.
struct store_stats {
    std::atomic<std::uint64_t> commits{0};      ///< write_sets applied
    std::atomic<std::uint64_t> group_writes{0}; ///< RocksDB writes (one per group)
    std::atomic<std::uint64_t> fsyncs{0};       ///< synced group writes
    std::atomic<std::uint64_t> failures{0};
    /// Histogram of write_sets per group write; bucket i counts groups of size <= 2^i (last: larger).
    static constexpr int batch_buckets = 12;
    std::atomic<std::uint64_t> batch_size_le[batch_buckets]{};
};

class record_store {
public:
    using commit_handler = std::function<void(std::error_code)>;
    using load_operation_handler = std::function<void(std::error_code, std::optional<operation_record>)>;
    using load_card_keys_handler = std::function<void(std::error_code, std::optional<card_keys_record>)>;
    using load_capfiles_handler = std::function<void(std::error_code, std::vector<capfile_record>)>;
    using find_device_handler = std::function<void(std::error_code, std::optional<card_keys_record>)>;
    using load_recipe_handler = std::function<void(std::error_code, std::optional<recipe_record>)>;
    using list_recipes_handler = std::function<void(std::error_code, std::vector<std::string>)>;
    using claim_handler = std::function<void(std::error_code, std::optional<claimed_session>)>;

    virtual ~record_store() = default;

    /// Applies `w` atomically, off the caller's thread. `done` is posted to `ex` once the write is
    /// durable as `d` requires. Writes complete in submission order. Never blocks the caller.
    virtual void commit(write_set w, durability d, boost::asio::any_io_executor ex, commit_handler done) = 0;

    /// Reads one operation off the caller's thread; `done` is posted to `ex`
    /// (nullopt when it does not exist).
    virtual void load_operation(std::string operation_id, boost::asio::any_io_executor ex,
                                load_operation_handler done) = 0;

    /// Reads one card's keys (`master` false, id = CIN) or an IIN master set (`master` true,
    /// id = IIN) off the caller's thread; `done` is posted to `ex` (nullopt when absent).
    /// The default is for stores that hold no card keys (test doubles): always "absent".
    virtual void load_card_keys(bool master, std::string id, boost::asio::any_io_executor ex,
                                load_card_keys_handler done) {
        (void)master;
        (void)id;
        boost::asio::post(ex, [done = std::move(done)] { done({}, std::nullopt); });
    }

    /// Finds the card (device registry record, never an IIN master set) registered with `cplc`,
    /// else the one registered with `uid` (an empty value is not looked up), off the caller's
    /// thread; `done` is posted to `ex` (nullopt when neither matches). The default is for stores
    /// without a device registry (test doubles): always "absent".
    virtual void find_device(bytes cplc, bytes uid, boost::asio::any_io_executor ex,
                             find_device_handler done) {
        (void)cplc;
        (void)uid;
        boost::asio::post(ex, [done = std::move(done)] { done({}, std::nullopt); });
    }

    /// Reads an app's CAP files off the caller's thread (all of them when `id` is empty, else the
    /// one with that id, if any); `done` is posted to `ex`. The default is for stores without
    /// CAP files (test doubles): always none.
    virtual void load_capfiles(std::string app_id, std::string id, boost::asio::any_io_executor ex,
                               load_capfiles_handler done) {
        (void)app_id;
        (void)id;
        boost::asio::post(ex, [done = std::move(done)] { done({}, {}); });
    }

    /// Reads the recipe of (app_id, service_id) off the caller's thread; `done` is posted to `ex`
    /// (nullopt when there is none). The default is for stores without recipes (test doubles).
    virtual void load_recipe(std::string app_id, std::string service_id, boost::asio::any_io_executor ex,
                             load_recipe_handler done) {
        (void)app_id;
        (void)service_id;
        boost::asio::post(ex, [done = std::move(done)] { done({}, std::nullopt); });
    }

    /// The service ids of an app's recipes, sorted, off the caller's thread; `done` is posted to
    /// `ex`. The default is for stores without recipes (test doubles): none.
    virtual void list_recipes(std::string app_id, boost::asio::any_io_executor ex,
                              list_recipes_handler done) {
        (void)app_id;
        boost::asio::post(ex, [done = std::move(done)] { done({}, {}); });
    }

    /// Cluster mode: makes this node the owner of a live session with one conditional update
    /// (owner epoch + 1; of concurrent claimers exactly one wins) and returns what recovery needs
    /// to rebuild it; `store_errc::not_claimable` when the session is unknown, finished, its
    /// resume digest differs, or (mode after_lease) its owner's lease still runs. The default, for single-node stores:
    /// `store_errc::not_supported`.
    virtual void claim_session(claim_request req, boost::asio::any_io_executor ex, claim_handler done) {
        (void)req;
        boost::asio::post(ex, [done = std::move(done)] { done(store_errc::not_supported, std::nullopt); });
    }

    /// Cluster mode: the operations of `session_id` that are not done with seq >= `from_seq`, in
    /// seq order, off the caller's thread. The default: not supported.
    using load_operations_handler = std::function<void(std::error_code, std::vector<operation_record>)>;
    virtual void load_session_operations(std::string session_id, std::uint64_t from_seq,
                                         boost::asio::any_io_executor ex, load_operations_handler done) {
        (void)session_id;
        (void)from_seq;
        boost::asio::post(ex, [done = std::move(done)] { done(store_errc::not_supported, {}); });
    }

    /// Cluster mode: `woken(session_id)` runs on a store thread whenever operations were appended
    /// to a session this node owns; with an empty id after the store (re)connected its listener,
    /// when wake-ups may have been missed: every owned session should look. Call once, before
    /// sessions are served. The default (single node): never called.
    virtual void listen_appends(std::function<void(const std::string& session_id)> woken) { (void)woken; }

    /// Blocking: reads everything a restart needs. Call once at startup, before shards run. A
    /// shared store returns only the sessions (and their operations) this node owns.
    virtual std::error_code load_all(recovered_state& out) = 0;

    /// Blocking: waits for every submitted write to complete, then stops the store's threads.
    virtual void close() = 0;

    virtual const store_stats& stats() const noexcept = 0;
};

} // namespace tsm::core
