#include "postgres_schema.hpp"

#include "pg_connection.hpp"
#include "tsm/storage/postgres_store.hpp"

#include <array>
#include <cstdlib>
#include <string_view>

namespace tsm::storage {
namespace {

struct migration {
    int version;
    const char* sql;
};

// Forward only: a released migration is never edited; a change is a new entry. Every record is
// its storage codec encoding (`rec`, storage/src/record_codec.hpp); the other columns are what
// the queries select by. `live` mirrors RocksDB's L/ index: startup reads only live rows.
constexpr std::array<migration, 2> migrations{{
    {1, R"sql(
CREATE TABLE tsm_apps (app_id text PRIMARY KEY, rec bytea NOT NULL);
CREATE TABLE tsm_sessions (
    session_id text PRIMARY KEY,
    app_id text NOT NULL,
    live boolean NOT NULL,
    owner_node text NOT NULL DEFAULT '',
    owner_epoch bigint NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    rec bytea NOT NULL);
CREATE INDEX tsm_sessions_live ON tsm_sessions (session_id) WHERE live;
CREATE TABLE tsm_operations (
    operation_id text PRIMARY KEY,
    session_id text NOT NULL,
    seq bigint NOT NULL,
    live boolean NOT NULL,
    rec bytea NOT NULL);
CREATE INDEX tsm_operations_live ON tsm_operations (session_id, seq) WHERE live;
CREATE TABLE tsm_outbox (id text PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), rec bytea NOT NULL);
CREATE SEQUENCE tsm_card_keys_gen;
CREATE TABLE tsm_card_keys (
    master boolean NOT NULL,
    id text NOT NULL,
    cplc bytea NOT NULL,
    uid bytea NOT NULL,
    gen bigint NOT NULL,
    rec bytea NOT NULL,
    PRIMARY KEY (master, id));
CREATE INDEX tsm_card_keys_cplc ON tsm_card_keys (cplc, gen) WHERE NOT master AND cplc <> '';
CREATE INDEX tsm_card_keys_uid ON tsm_card_keys (uid, gen) WHERE NOT master AND uid <> '';
CREATE TABLE tsm_capfiles (app_id text NOT NULL, id text NOT NULL, rec bytea NOT NULL, PRIMARY KEY (app_id, id));
CREATE TABLE tsm_recipes (app_id text NOT NULL, service_id text NOT NULL, rec bytea NOT NULL,
                          PRIMARY KEY (app_id, service_id));
)sql"},
    // Cluster mode: node leases, the resume token's digest (a claim by a touch point proves it
    // holds the token), and the fence every owner write runs first. The fence locks the
    // session row, so a claim (which updates that row) waits for the write's transaction and a
    // write after a claim sees the new epoch and fails; SQLSTATE TSMF1 marks "fenced".
    {2, R"sql(
CREATE TABLE tsm_nodes (
    node_id text PRIMARY KEY,
    lease_until timestamptz NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX tsm_sessions_owner ON tsm_sessions (owner_node) WHERE live;
ALTER TABLE tsm_sessions ADD COLUMN resume_digest bytea NOT NULL DEFAULT '';
ALTER TABLE tsm_sessions ADD COLUMN runs_recipe boolean NOT NULL DEFAULT false;
ALTER TABLE tsm_sessions ADD COLUMN next_seq bigint NOT NULL DEFAULT 0;
UPDATE tsm_sessions s SET next_seq = (SELECT coalesce(max(o.seq) + 1, 0) FROM tsm_operations o
                                      WHERE o.session_id = s.session_id) WHERE s.live;
CREATE FUNCTION tsm_fence(p_session text, p_node text, p_epoch bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_node text;
    v_epoch bigint;
BEGIN
    SELECT owner_node, owner_epoch INTO v_node, v_epoch FROM tsm_sessions
        WHERE session_id = p_session FOR UPDATE;
    IF FOUND AND (v_node <> p_node OR v_epoch <> p_epoch) THEN
        RAISE EXCEPTION 'session % is owned by node % at epoch %', p_session, v_node, v_epoch
            USING ERRCODE = 'TSMF1';
    END IF;
END $$;
-- An SP operation accepted on any node: the session's checks and its next sequence number
-- under the session row's lock, the insert, and the owner's wake-up, in the caller's transaction.
-- The sequence is the database's (next_seq), so operations accepted on different nodes queue in
-- the order they were acknowledged.
CREATE FUNCTION tsm_append(p_session text, p_app text, p_op text, p_rec bytea, p_max bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_app text;
    v_live boolean;
    v_recipe boolean;
    v_owner text;
    v_seq bigint;
    v_queued bigint;
BEGIN
    SELECT app_id, live, runs_recipe, owner_node, next_seq INTO v_app, v_live, v_recipe, v_owner, v_seq
        FROM tsm_sessions WHERE session_id = p_session FOR UPDATE;
    IF NOT FOUND OR v_app <> p_app THEN
        RAISE EXCEPTION 'no session % for app %', p_session, p_app USING ERRCODE = 'TSMN1';
    END IF;
    IF NOT v_live THEN
        RAISE EXCEPTION 'session % has ended', p_session USING ERRCODE = 'TSMN2';
    END IF;
    IF v_recipe THEN
        RAISE EXCEPTION 'session % runs a recipe', p_session USING ERRCODE = 'TSMN3';
    END IF;
    SELECT count(*) INTO v_queued FROM tsm_operations WHERE session_id = p_session AND live;
    IF v_queued >= p_max THEN
        RAISE EXCEPTION 'session % has % operations queued', p_session, v_queued USING ERRCODE = 'TSMN4';
    END IF;
    UPDATE tsm_sessions SET next_seq = v_seq + 1 WHERE session_id = p_session;
    INSERT INTO tsm_operations (operation_id, session_id, seq, live, rec) VALUES (p_op, p_session, v_seq, true, p_rec);
    PERFORM pg_notify('tsm_appends', v_owner || ' ' || p_session);
    RETURN v_seq;
END $$;
)sql"},
}};

// Any constant shared by every node: serialises concurrent migrations.
constexpr const char* lock_sql = "SELECT pg_advisory_xact_lock(7401522061)";

std::error_code current_version(PGconn* c, int& version, std::string& detail) {
    pg::result_ptr r{PQexec(c, "SELECT coalesce(max(version), 0) FROM tsm_schema")};
    if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
        detail = pg::message_of(r.get(), c);
        return pg::map_result(r.get(), c);
    }
    version = std::atoi(PQgetvalue(r.get(), 0, 0));
    return {};
}

std::error_code rollback_with(PGconn* c, std::error_code ec) {
    std::string ignored;
    (void)pg::exec(c, "ROLLBACK", ignored);
    return ec;
}

} // namespace

int postgres_schema_version() noexcept {
    return migrations.back().version;
}

namespace pg {

std::error_code ensure_schema(PGconn* c, bool apply, std::vector<int>& applied, std::string& detail) {
    if (auto ec = exec(c,
                       "CREATE TABLE IF NOT EXISTS tsm_schema (version int PRIMARY KEY,"
                       " applied_at timestamptz NOT NULL DEFAULT now())",
                       detail)) {
        // Another node creating it at the same moment loses the race harmlessly.
        if (ec != make_error_code(errc::invalid_argument)) {
            return ec;
        }
    }
    for (const auto& m : migrations) {
        if (auto ec = exec(c, "BEGIN", detail)) {
            return ec;
        }
        if (auto ec = exec(c, lock_sql, detail)) {
            return rollback_with(c, ec);
        }
        int version = 0;
        if (auto ec = current_version(c, version, detail)) {
            return rollback_with(c, ec);
        }
        if (version > postgres_schema_version()) {
            detail = "the database has schema version " + std::to_string(version)
                     + ", this binary knows up to " + std::to_string(postgres_schema_version());
            return rollback_with(c, make_error_code(errc::schema_too_new));
        }
        if (version >= m.version) {
            if (auto ec = exec(c, "COMMIT", detail)) {
                return ec;
            }
            continue;
        }
        if (!apply) {
            detail = "the database has schema version " + std::to_string(version) + ", this binary needs "
                     + std::to_string(postgres_schema_version());
            return rollback_with(c, make_error_code(errc::schema_too_old));
        }
        if (auto ec = exec(c, m.sql, detail)) {
            return rollback_with(c, ec);
        }
        const std::string record =
            "INSERT INTO tsm_schema (version) VALUES (" + std::to_string(m.version) + ")";
        if (auto ec = exec(c, record.c_str(), detail)) {
            return rollback_with(c, ec);
        }
        if (auto ec = exec(c, "COMMIT", detail)) {
            return ec;
        }
        applied.push_back(m.version);
    }
    return {};
}

} // namespace pg

std::error_code migrate_postgres(const std::string& conninfo, std::vector<int>& applied,
                                 std::string& detail) {
    auto c = pg::connect(conninfo, detail);
    if (!c) {
        return make_error_code(errc::unavailable);
    }
    return pg::ensure_schema(c.get(), true, applied, detail);
}

} // namespace tsm::storage
