#include "tsm/storage/postgres_store.hpp"

#include "pending_write.hpp"
#include "pg_append_listener.hpp"
#include "pg_connection.hpp"
#include "pg_node_lease.hpp"
#include "postgres_schema.hpp"
#include "postgres_statements.hpp"
#include "record_codec.hpp"

#include "tsm/core/log.hpp"

#include <boost/asio/post.hpp>

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>

namespace tsm::storage {
namespace {

using core::bytes;
using pg::append_statements;
using pg::statement;

std::string_view as_view(const bytes& b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// A pipeline stays well below what the socket buffers hold in results, so neither side can
/// block on a full buffer while the other waits (libpq's blocking mode).
constexpr std::size_t max_group_statements = 2000;

/// A connection with its statements prepared, reconnected after a failure. One thread only.
class session_conn {
public:
    session_conn(std::string conninfo, bool pipeline) : conninfo_(std::move(conninfo)), pipeline_(pipeline) {}

    /// The connection, connecting first when there is none. nullptr when no server answers.
    PGconn* get(std::error_code& ec) {
        if (c_ && PQstatus(c_.get()) == CONNECTION_OK) {
            return c_.get();
        }
        c_.reset();
        std::string detail;
        auto c = pg::connect(conninfo_, detail);
        if (!c) {
            report("cannot connect", detail);
            ec = make_error_code(errc::unavailable);
            return nullptr;
        }
        if (auto e = pipeline_ ? pg::prepare_write_statements(c.get(), detail)
                               : pg::prepare_read_statements(c.get(), detail)) {
            report("cannot prepare statements", detail);
            ec = e;
            return nullptr;
        }
        if (pipeline_ && PQenterPipelineMode(c.get()) != 1) {
            report("cannot enter pipeline mode", PQerrorMessage(c.get()));
            ec = make_error_code(errc::internal);
            return nullptr;
        }
        if (failing_) {
            core::log::info("storage: PostgreSQL connection restored", {});
            failing_ = false;
        }
        c_ = std::move(c);
        return c_.get();
    }

    /// After an error: drop a broken connection so the next call reconnects.
    void check() {
        if (c_ && PQstatus(c_.get()) != CONNECTION_OK) {
            c_.reset();
        }
    }
    void drop() { c_.reset(); }

    void report(const char* what, const std::string& detail) {
        if (!failing_) { // once per outage, not once per request
            core::log::error("storage: PostgreSQL failure", {{"what", what}, {"detail", detail}});
            failing_ = true;
        }
    }

private:
    std::string conninfo_;
    bool pipeline_;
    pg::conn_ptr c_;
    bool failing_ = false;
};

/// What a row holds beside its record, when the query selects it as the second column: an
/// operation's seq (the database assigns it to appended operations), a session's owner epoch.
template <class Rec>
void take_columns(const PGresult* r, int row, Rec& rec) {
    if (PQnfields(r) < 2) {
        return;
    }
    if constexpr (std::is_same_v<Rec, core::operation_record>) {
        rec.seq = static_cast<std::uint64_t>(pg::integer_column(r, row, 1));
    } else if constexpr (std::is_same_v<Rec, core::session_record>) {
        rec.owner_epoch = static_cast<std::uint64_t>(pg::integer_column(r, row, 1));
    }
}

} // namespace

struct postgres_store::impl {
    postgres_store_options opts_;
    std::string conninfo_;
    core::store_stats stats_;
    std::shared_ptr<std::atomic<std::size_t>> pending_count_ = std::make_shared<std::atomic<std::size_t>>(0);

    std::mutex mu_; // guards queue_, reads_, closing_
    std::condition_variable cv_;
    std::condition_variable read_cv_;
    std::deque<pending_write> queue_;
    std::deque<std::function<void(session_conn&)>> reads_;
    bool closing_ = false;

    std::mutex close_mu_;
    bool closed_ = false;
    std::thread writer_;
    std::vector<std::thread> readers_;
    std::unique_ptr<pg::node_lease> lease_;
    std::unique_ptr<pg::append_listener> listener_; // from listen_appends on

    impl(postgres_store_options opts, std::string conninfo) : opts_(opts), conninfo_(std::move(conninfo)) {
        writer_ = std::thread([this] { writer_loop(); });
        pthread_setname_np(writer_.native_handle(), "tsm-pg-writer");
        for (unsigned i = 0; i < std::max(1u, opts_.reader_connections); ++i) {
            readers_.emplace_back([this] { reader_loop(); });
            pthread_setname_np(readers_.back().native_handle(), "tsm-pg-reader");
        }
        lease_ =
            std::make_unique<pg::node_lease>(conninfo_, opts_.node_id, opts_.heartbeat_interval, opts_.lease);
    }

    // ---------------------------------------------------------------- writes

    void writer_loop() {
        session_conn conn(conninfo_, true);
        std::vector<pending_write> group;
        for (;;) {
            {
                std::unique_lock lk(mu_);
                cv_.wait(lk, [this] { return !queue_.empty() || closing_; });
                if (queue_.empty()) {
                    return; // closing and drained
                }
                std::size_t statements = 0;
                while (!queue_.empty() && (group.empty() || statements < max_group_statements)) {
                    statements += count_statements(queue_.front().w);
                    group.push_back(std::move(queue_.front()));
                    queue_.pop_front();
                }
            }
            write_group(conn, group);
            group.clear();
        }
    }

    static std::size_t count_statements(const core::write_set& w) {
        return w.put_apps.size() + w.delete_apps.size() + w.put_sessions.size() + w.put_operations.size()
               + w.put_outbox.size() + w.delete_outbox.size() + w.put_card_keys.size()
               + w.delete_card_keys.size() + w.put_capfiles.size() + w.delete_capfiles.size()
               + w.put_recipes.size() + w.delete_recipes.size();
    }

    /// What one pipeline did: the first error, and which statement raised it.
    struct pipeline_outcome {
        std::error_code ec;
        std::size_t failed_at = static_cast<std::size_t>(-1);
        bool own = false; ///< a write_set's own failure (fenced, append refused), not the group's
    };

    /// The group's statements: first those that lock a session row — fences and appended
    /// operations — in session order (rows are always locked in one order, so two nodes' groups
    /// cannot deadlock on them), then each write_set's own. A write_set holding a value
    /// PostgreSQL cannot store, or already failed, is left out. `culprits[i]`: the write_sets
    /// that fail alone when stmts[i] fails with their own error (a fence or an append refused).
    struct group_plan {
        std::vector<statement> stmts;
        std::vector<std::vector<std::size_t>> culprits;
        bool sync = false;
        bool any = false; ///< holds at least one fence or write statement
    };

    group_plan plan_group(const std::vector<pending_write>& group, std::vector<std::error_code>& results) {
        group_plan plan;
        plan.sync = std::any_of(group.begin(), group.end(),
                                [](const pending_write& p) { return p.d == core::durability::sync; });
        if (!plan.sync) { // an all-relaxed group does not wait for the WAL flush
            plan.stmts.push_back({"relaxed", {}});
            plan.culprits.emplace_back();
        }
        struct locking {
            std::string_view session;
            int kind; // 0 fence, 1 append
            std::uint64_t epoch;
            std::size_t member;
            const core::operation_record* op;
        };
        std::vector<locking> locks;
        for (std::size_t i = 0; i < group.size(); ++i) {
            if (results[i]) {
                continue;
            }
            const auto& w = group[i].w;
            if (w.fence) {
                locks.push_back({w.fence->session_id, 0, w.fence->epoch, i, nullptr});
            }
            for (const auto& o : w.append_operations) {
                locks.push_back({o.session_id, 1, 0, i, &o});
            }
        }
        std::stable_sort(locks.begin(), locks.end(), [](const locking& x, const locking& y) {
            return std::tie(x.session, x.kind, x.epoch) < std::tie(y.session, y.kind, y.epoch);
        });
        for (std::size_t k = 0; k < locks.size(); ++k) {
            const auto& l = locks[k];
            if (l.kind == 0) {
                // one check per (session, epoch): every write_set holding that fence shares it
                if (k > 0 && locks[k - 1].kind == 0 && locks[k - 1].session == l.session
                    && locks[k - 1].epoch == l.epoch) {
                    plan.culprits.back().push_back(l.member);
                    continue;
                }
                pg::append_fence({std::string(l.session), l.epoch}, opts_.node_id, plan.stmts);
            } else {
                pg::append_operation(*l.op, opts_.max_queued_operations, plan.stmts);
            }
            plan.culprits.push_back({l.member});
        }
        for (std::size_t i = 0; i < group.size(); ++i) {
            if (results[i]) {
                continue;
            }
            const std::size_t before = plan.stmts.size();
            append_statements(group[i].w, opts_.node_id, plan.stmts);
            const bool ok =
                std::all_of(plan.stmts.begin() + static_cast<std::ptrdiff_t>(before), plan.stmts.end(),
                            [](const statement& s) { return s.args.storable(); })
                && std::all_of(group[i].w.append_operations.begin(), group[i].w.append_operations.end(),
                               [](const core::operation_record& o) {
                                   return o.session_id.find('\0') == std::string::npos
                                          && o.app_id.find('\0') == std::string::npos
                                          && o.operation_id.find('\0') == std::string::npos;
                               });
            if (!ok) { // this write_set alone fails; the others of the group go on
                plan.stmts.resize(before);
                results[i] = make_error_code(errc::invalid_argument);
                return plan_group(group, results); // its fences and appends go too
            }
            plan.culprits.resize(plan.stmts.size());
        }
        // A fence alone is a check worth sending ("is this node still the owner?").
        plan.any = plan.stmts.size() > (plan.sync ? 0U : 1U);
        return plan;
    }

    void write_group(session_conn& conn, std::vector<pending_write>& group) {
        // Per write_set: its own failure (refused value, fenced, append refused), else the
        // group's outcome.
        std::vector<std::error_code> results(group.size());
        std::error_code ec;
        bool wrote = false;
        bool sync = false;
        try {
            // A statement failing with a write_set's own error rolls back the whole transaction:
            // those write_sets fail alone and the rest is sent again (at most once per member).
            for (;;) {
                group_plan plan = plan_group(group, results);
                if (!plan.any) {
                    break;
                }
                sync = plan.sync;
                PGconn* c = conn.get(ec);
                if (c == nullptr) {
                    break;
                }
                const pipeline_outcome out = run_pipeline(c, plan.stmts);
                stats_.group_writes.fetch_add(1, std::memory_order_relaxed);
                ec = out.ec;
                if (out.own && out.failed_at < plan.culprits.size()
                    && !plan.culprits[out.failed_at].empty()) {
                    for (std::size_t member : plan.culprits[out.failed_at]) {
                        results[member] = ec;
                    }
                    ec.clear();
                    continue;
                }
                if (ec) {
                    conn.check();
                } else {
                    wrote = true;
                }
                break;
            }
        } catch (const std::exception& e) {
            core::log::error("storage: building a group failed", {{"error", e.what()}});
            ec = make_error_code(errc::internal);
        }
        std::size_t failed = 0;
        for (auto& r : results) {
            if (!r && ec) {
                r = ec;
            }
            failed += r ? 1 : 0;
        }
        stats_.failures.fetch_add(failed, std::memory_order_relaxed);
        stats_.commits.fetch_add(group.size() - failed, std::memory_order_relaxed);
        if (wrote) {
            if (sync) {
                stats_.fsyncs.fetch_add(1, std::memory_order_relaxed);
            }
            stats_.batch_size_le[histogram_bucket(group.size())].fetch_add(1, std::memory_order_relaxed);
        }
        for (std::size_t i = 0; i < group.size(); ++i) {
            auto& p = group[i];
            try {
                boost::asio::post(p.ex, [done = std::move(p.done), result = results[i],
                                         slot = std::move(p.slot)] { done(result); });
            } catch (const std::exception& e) {
                core::log::error("storage: posting a commit completion failed", {{"error", e.what()}});
            }
        }
    }

    /// Sends every statement, one sync, and reads the results. The statements between two syncs
    /// form one implicit transaction: it commits when the sync is processed (after the WAL flush
    /// synchronous_commit asks for) and rolls back entirely on the first error.
    pipeline_outcome run_pipeline(PGconn* c, std::vector<statement>& stmts) {
        for (auto& s : stmts) {
            if (PQsendQueryPrepared(c, s.name, s.args.count(), s.args.values(), s.args.lengths(),
                                    s.args.formats(), 1)
                != 1) {
                core::log::error("storage: PostgreSQL send failed", {{"detail", pg::message_of(nullptr, c)}});
                return {make_error_code(errc::unavailable)};
            }
        }
        if (PQpipelineSync(c) != 1) {
            return {make_error_code(errc::unavailable)};
        }
        pipeline_outcome out;
        std::string detail;
        for (std::size_t i = 0; i < stmts.size(); ++i) {
            pg::result_ptr r{PQgetResult(c)};
            if (!r) {
                return {make_error_code(errc::unavailable)};
            }
            const auto st = PQresultStatus(r.get());
            if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && !out.ec) {
                const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
                if (st == PGRES_PIPELINE_ABORTED) {
                    out.ec = make_error_code(errc::internal);
                } else if (auto own = pg::own_failure(state)) {
                    out.ec = *own;
                    out.own = true;
                } else {
                    out.ec = pg::map_result(r.get(), c);
                }
                out.failed_at = i;
                detail = pg::message_of(r.get(), c);
            }
            pg::result_ptr end{PQgetResult(c)}; // the NULL that closes each statement's results
        }
        pg::result_ptr sync{PQgetResult(c)};
        if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) {
            // the commit itself failed (e.g. the connection died while it ran): outcome unknown,
            // reported as a failure; every write is an idempotent upsert, so a retry is safe
            if (!out.ec) {
                out.ec = sync ? pg::map_result(sync.get(), c) : make_error_code(errc::unavailable);
                detail = pg::message_of(sync.get(), c);
            }
            if (PQstatus(c) == CONNECTION_OK) {
                while (pg::result_ptr more{PQgetResult(c)}) {
                    if (PQresultStatus(more.get()) == PGRES_PIPELINE_SYNC) {
                        break;
                    }
                }
            }
        }
        if (out.ec == core::store_errc::fenced) {
            core::log::info("storage: a write was fenced", {{"detail", detail}});
        } else if (out.ec && !out.own) {
            core::log::error("storage: group write failed", {{"detail", detail}});
        }
        return out;
    }

    void commit(core::write_set w, core::durability d, boost::asio::any_io_executor ex, commit_handler done) {
        std::unique_lock lk(mu_);
        if (closing_) {
            lk.unlock();
            boost::asio::post(ex, [done = std::move(done)] { done(make_error_code(errc::closed)); });
            return;
        }
        if (pending_count_->fetch_add(1, std::memory_order_relaxed) >= opts_.max_pending_writes) {
            pending_count_->fetch_sub(1, std::memory_order_relaxed);
            lk.unlock();
            boost::asio::post(ex, [done = std::move(done)] { done(make_error_code(errc::busy)); });
            return;
        }
        queue_.push_back({std::move(w), d, std::move(ex), std::move(done), pending_slot(pending_count_)});
        lk.unlock();
        cv_.notify_one();
    }

    // ---------------------------------------------------------------- reads

    void reader_loop() {
        session_conn conn(conninfo_, false);
        for (;;) {
            std::function<void(session_conn&)> job;
            {
                std::unique_lock lk(mu_);
                read_cv_.wait(lk, [this] { return !reads_.empty() || closing_; });
                if (reads_.empty()) {
                    return;
                }
                job = std::move(reads_.front());
                reads_.pop_front();
            }
            job(conn);
        }
    }

    /// Runs `fn(conn)` on a reader thread; `closed` when the store is closing.
    void read(std::function<void(session_conn&)> fn, std::function<void()> refused) {
        {
            std::lock_guard lk(mu_);
            if (!closing_) {
                reads_.push_back(std::move(fn));
                read_cv_.notify_one();
                return;
            }
        }
        refused();
    }

    /// Runs a prepared read; the rows' first column, decoded into `Rec`s.
    template <class Rec>
    static std::error_code query(session_conn& conn, const char* name, pg::params& args,
                                 std::vector<Rec>& out) {
        std::error_code ec;
        PGconn* c = conn.get(ec);
        if (c == nullptr) {
            return ec;
        }
        pg::result_ptr r{
            PQexecPrepared(c, name, args.count(), args.values(), args.lengths(), args.formats(), 1)};
        if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
            ec = pg::map_result(r.get(), c);
            conn.report("read failed", pg::message_of(r.get(), c));
            conn.check();
            return ec;
        }
        for (int i = 0; i < PQntuples(r.get()); ++i) {
            if constexpr (std::is_same_v<Rec, std::string>) {
                out.emplace_back(pg::column(r.get(), i, 0));
            } else if (auto e = codec::decode(pg::column(r.get(), i, 0), out.emplace_back())) {
                return e;
            } else {
                take_columns(r.get(), i, out.back());
            }
        }
        return {};
    }

    template <class Rec, class Handler>
    void read_one(const char* name, pg::params args, boost::asio::any_io_executor ex, Handler done) {
        auto job = [name, args = std::move(args), ex, done](session_conn& conn) mutable {
            std::vector<Rec> rows;
            auto ec = query(conn, name, args, rows);
            std::optional<Rec> found;
            if (!ec && !rows.empty()) {
                found = std::move(rows.front());
            }
            boost::asio::post(ex, [done = std::move(done), ec, found = std::move(found)]() mutable {
                done(ec, std::move(found));
            });
        };
        read(std::move(job),
             [ex, done] { boost::asio::post(ex, [done] { done(make_error_code(errc::closed), {}); }); });
    }

    template <class Rec, class Handler>
    void read_all(const char* name, pg::params args, boost::asio::any_io_executor ex, Handler done) {
        auto job = [name, args = std::move(args), ex, done](session_conn& conn) mutable {
            std::vector<Rec> rows;
            auto ec = query(conn, name, args, rows);
            if (ec) {
                rows.clear();
            }
            boost::asio::post(ex, [done = std::move(done), ec, rows = std::move(rows)]() mutable {
                done(ec, std::move(rows));
            });
        };
        read(std::move(job),
             [ex, done] { boost::asio::post(ex, [done] { done(make_error_code(errc::closed), {}); }); });
    }

    void find_device(bytes cplc, bytes uid, boost::asio::any_io_executor ex, find_device_handler done) {
        auto job = [cplc = std::move(cplc), uid = std::move(uid), ex, done](session_conn& conn) mutable {
            std::vector<core::card_keys_record> rows;
            std::error_code ec;
            if (!cplc.empty()) {
                pg::params p;
                p.binary(as_view(cplc));
                ec = query(conn, "find_by_cplc", p, rows);
            }
            if (!ec && rows.empty() && !uid.empty()) {
                pg::params p;
                p.binary(as_view(uid));
                ec = query(conn, "find_by_uid", p, rows);
            }
            std::optional<core::card_keys_record> found;
            if (!ec && !rows.empty()) {
                found = std::move(rows.front());
            }
            boost::asio::post(ex, [done = std::move(done), ec, found = std::move(found)]() mutable {
                done(ec, std::move(found));
            });
        };
        read(std::move(job),
             [ex, done] { boost::asio::post(ex, [done] { done(make_error_code(errc::closed), {}); }); });
    }

    void claim_session(core::claim_request req, boost::asio::any_io_executor ex, claim_handler done) {
        auto job = [this, req = std::move(req), ex, done](session_conn& conn) mutable {
            std::optional<core::claimed_session> claimed;
            std::error_code ec = claim(conn, req, claimed);
            boost::asio::post(ex, [done = std::move(done), ec, claimed = std::move(claimed)]() mutable {
                done(ec, std::move(claimed));
            });
        };
        read(std::move(job),
             [ex, done] { boost::asio::post(ex, [done] { done(make_error_code(errc::closed), {}); }); });
    }

    /// The claim and the read of the session's operations in one transaction: no operation
    /// accepted for the session can commit between them unseen (inserts lock the session row).
    std::error_code claim(session_conn& conn, const core::claim_request& req,
                          std::optional<core::claimed_session>& claimed) {
        const std::string& session_id = req.session_id;
        std::error_code ec;
        PGconn* c = conn.get(ec);
        if (c == nullptr) {
            return ec;
        }
        std::string detail;
        auto fail = [&](std::error_code e) {
            (void)pg::exec(c, "ROLLBACK", detail);
            conn.check();
            return e;
        };
        if (auto e = pg::exec(c, "BEGIN", detail)) {
            conn.report("claim failed", detail);
            return fail(e);
        }
        std::vector<std::string> owner;
        pg::params lock;
        lock.text(session_id);
        if (auto e = query(conn, "lock_session", lock, owner)) {
            return fail(e);
        }
        pg::params p;
        p.text(session_id)
            .text(opts_.node_id)
            .boolean(req.mode == core::claim_mode::steal)
            .binary(as_view(req.resume_digest));
        pg::result_ptr r{
            PQexecPrepared(c, "claim_session", p.count(), p.values(), p.lengths(), p.formats(), 1)};
        if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
            conn.report("claim failed", pg::message_of(r.get(), c));
            return fail(pg::map_result(r.get(), c));
        }
        if (PQntuples(r.get()) == 0) {
            (void)fail({});
            return core::store_errc::not_claimable;
        }
        core::claimed_session out;
        if (auto e = codec::decode(pg::column(r.get(), 0, 0), out.session)) {
            return fail(e);
        }
        out.epoch = static_cast<std::uint64_t>(pg::integer_column(r.get(), 0, 1));
        out.session.owner_epoch = out.epoch;
        out.previous_owner = owner.empty() ? std::string() : std::move(owner.front());
        pg::params q;
        q.text(session_id);
        if (auto e = query(conn, "session_operations", q, out.operations)) {
            return fail(e);
        }
        if (auto e = pg::exec(c, "COMMIT", detail)) {
            conn.report("claim failed", detail);
            return fail(e);
        }
        core::log::info("storage: session claimed", {{"session", session_id},
                                                     {"from", out.previous_owner},
                                                     {"epoch", std::to_string(out.epoch)}});
        claimed = std::move(out);
        return {};
    }

    bool lease_held() const noexcept { return lease_->held(); }

    // ---------------------------------------------------------------- wake-ups

    void listen_appends(std::function<void(const std::string&)> woken) {
        if (!listener_ && woken) { // once
            listener_ = std::make_unique<pg::append_listener>(conninfo_, opts_.node_id, std::move(woken));
        }
    }

    // ---------------------------------------------------------------- start-up and close

    std::error_code load_all(core::recovered_state& out) {
        std::string detail;
        auto c = pg::connect(conninfo_, detail);
        if (!c) {
            core::log::error("storage: cannot connect to PostgreSQL", {{"detail", detail}});
            return make_error_code(errc::unavailable);
        }
        pg::params me;
        me.text(opts_.node_id);
        // Rows written before schema v2 have no owner: the first node to start takes them.
        {
            pg::result_ptr r{
                PQexecParams(c.get(),
                             "UPDATE tsm_sessions SET owner_node = $1 WHERE live AND owner_node = ''",
                             me.count(), nullptr, me.values(), me.lengths(), me.formats(), 1)};
            if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
                core::log::error("storage: start-up update failed",
                                 {{"detail", pg::message_of(r.get(), c.get())}});
                return pg::map_result(r.get(), c.get());
            }
        }
        // `with_me`: the query takes this node's id as $1. A second column is the owner epoch.
        auto scan = [&](const char* sql, bool with_me, auto& rows) -> std::error_code {
            pg::result_ptr r{with_me ? PQexecParams(c.get(), sql, me.count(), nullptr, me.values(),
                                                    me.lengths(), me.formats(), 1)
                                     : PQexecParams(c.get(), sql, 0, nullptr, nullptr, nullptr, nullptr, 1)};
            if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
                core::log::error("storage: start-up read failed",
                                 {{"detail", pg::message_of(r.get(), c.get())}});
                return pg::map_result(r.get(), c.get());
            }
            for (int i = 0; i < PQntuples(r.get()); ++i) {
                auto& rec = rows.emplace_back();
                if (auto e = codec::decode(pg::column(r.get(), i, 0), rec)) {
                    return e;
                }
                take_columns(r.get(), i, rec);
            }
            return {};
        };
        // One snapshot for the four reads: a write landing in between cannot tear them. Only
        // the sessions this node owns (and their operations): the others are other nodes'.
        if (auto e = pg::exec(c.get(), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", detail)) {
            return e;
        }
        std::error_code ec = scan("SELECT rec FROM tsm_apps ORDER BY app_id COLLATE \"C\"", false, out.apps);
        if (!ec) {
            ec = scan("SELECT rec, owner_epoch FROM tsm_sessions WHERE live AND owner_node = $1"
                      " ORDER BY session_id COLLATE \"C\"",
                      true, out.sessions);
        }
        if (!ec) {
            ec = scan("SELECT o.rec, o.seq FROM tsm_operations o JOIN tsm_sessions s USING (session_id)"
                      " WHERE o.live AND s.owner_node = $1 ORDER BY o.session_id COLLATE \"C\", o.seq",
                      true, out.operations);
        }
        if (!ec) {
            ec = scan("SELECT rec FROM tsm_outbox ORDER BY id COLLATE \"C\"", false, out.outbox);
        }
        (void)pg::exec(c.get(), "COMMIT", detail);
        return ec;
    }

    void close() {
        std::lock_guard close_lk(close_mu_);
        if (closed_) {
            return;
        }
        {
            std::lock_guard lk(mu_);
            closing_ = true;
        }
        cv_.notify_all();
        read_cv_.notify_all();
        lease_->stop();
        if (listener_) {
            listener_->stop();
        }
        writer_.join(); // drains the queue first
        for (auto& t : readers_) {
            t.join(); // run the reads already queued
        }
        closed_ = true;
    }
};

postgres_store::postgres_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

postgres_store::~postgres_store() {
    close();
}

std::unique_ptr<postgres_store> postgres_store::open(const std::string& conninfo, postgres_store_options opts,
                                                     std::error_code& ec, std::string& detail) {
    auto c = pg::connect(conninfo, detail);
    if (!c) {
        ec = make_error_code(errc::unavailable);
        return nullptr;
    }
    std::vector<int> applied;
    if (ec = pg::ensure_schema(c.get(), opts.migrate, applied, detail); ec) {
        return nullptr;
    }
    for (int v : applied) {
        core::log::info("storage: PostgreSQL schema migrated", {{"version", std::to_string(v)}});
    }
    c.reset();
    return std::unique_ptr<postgres_store>(new postgres_store(std::make_unique<impl>(opts, conninfo)));
}

void postgres_store::commit(core::write_set w, core::durability d, boost::asio::any_io_executor ex,
                            commit_handler done) {
    impl_->commit(std::move(w), d, std::move(ex), std::move(done));
}

void postgres_store::load_operation(std::string operation_id, boost::asio::any_io_executor ex,
                                    load_operation_handler done) {
    pg::params p;
    p.text(operation_id);
    impl_->read_one<core::operation_record>("get_operation", std::move(p), std::move(ex), std::move(done));
}

void postgres_store::load_card_keys(bool master, std::string id, boost::asio::any_io_executor ex,
                                    load_card_keys_handler done) {
    pg::params p;
    p.boolean(master).text(id);
    impl_->read_one<core::card_keys_record>("get_card", std::move(p), std::move(ex), std::move(done));
}

void postgres_store::load_capfiles(std::string app_id, std::string id, boost::asio::any_io_executor ex,
                                   load_capfiles_handler done) {
    pg::params p;
    p.text(app_id);
    if (!id.empty()) {
        p.text(id);
    }
    impl_->read_all<core::capfile_record>(id.empty() ? "get_capfiles" : "get_capfile", std::move(p),
                                          std::move(ex), std::move(done));
}

void postgres_store::load_recipe(std::string app_id, std::string service_id, boost::asio::any_io_executor ex,
                                 load_recipe_handler done) {
    pg::params p;
    p.text(app_id).text(service_id);
    impl_->read_one<core::recipe_record>("get_recipe", std::move(p), std::move(ex), std::move(done));
}

void postgres_store::list_recipes(std::string app_id, boost::asio::any_io_executor ex,
                                  list_recipes_handler done) {
    pg::params p;
    p.text(app_id);
    impl_->read_all<std::string>("list_recipes", std::move(p), std::move(ex), std::move(done));
}

void postgres_store::find_device(core::bytes cplc, core::bytes uid, boost::asio::any_io_executor ex,
                                 find_device_handler done) {
    impl_->find_device(std::move(cplc), std::move(uid), std::move(ex), std::move(done));
}

void postgres_store::claim_session(core::claim_request req, boost::asio::any_io_executor ex,
                                   claim_handler done) {
    impl_->claim_session(std::move(req), std::move(ex), std::move(done));
}

void postgres_store::load_session_operations(std::string session_id, std::uint64_t from_seq,
                                             boost::asio::any_io_executor ex, load_operations_handler done) {
    pg::params p;
    p.text(session_id).integer(static_cast<long long>(from_seq));
    impl_->read_all<core::operation_record>("operations_from", std::move(p), std::move(ex), std::move(done));
}

void postgres_store::listen_appends(std::function<void(const std::string&)> woken) {
    impl_->listen_appends(std::move(woken));
}

bool postgres_store::lease_held() const noexcept {
    return impl_->lease_held();
}

std::error_code postgres_store::load_all(core::recovered_state& out) {
    return impl_->load_all(out);
}

void postgres_store::close() {
    impl_->close();
}

const core::store_stats& postgres_store::stats() const noexcept {
    return impl_->stats_;
}

} // namespace tsm::storage
