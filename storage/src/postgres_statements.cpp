#include "postgres_statements.hpp"

#include "record_codec.hpp"

#include <utility>

namespace tsm::storage::pg {
namespace {

using core::bytes;

std::string_view as_view(const bytes& b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Statements prepared on every connection (name, SQL). Records are upserted whole: a later write
// in the same group wins, as in RocksDB.
constexpr std::pair<const char*, const char*> write_statements[] = {
    {"put_app", "INSERT INTO tsm_apps (app_id, rec) VALUES ($1, $2)"
                " ON CONFLICT (app_id) DO UPDATE SET rec = EXCLUDED.rec"},
    {"del_app", "DELETE FROM tsm_apps WHERE app_id = $1"},
    // The owner columns are set when the session is created; later writes are fenced, and only
    // claim_session moves the owner.
    {"put_session",
     "INSERT INTO tsm_sessions (session_id, app_id, live, owner_node, owner_epoch, resume_digest,"
     " runs_recipe, rec) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
     " ON CONFLICT (session_id) DO UPDATE SET app_id = EXCLUDED.app_id, live = EXCLUDED.live,"
     " resume_digest = EXCLUDED.resume_digest, rec = EXCLUDED.rec, updated_at = now()"},
    {"fence", "SELECT tsm_fence($1, $2, $3)"},
    {"append_operation", "SELECT tsm_append($1, $2, $3, $4, $5)"},
    {"put_operation", "INSERT INTO tsm_operations (operation_id, session_id, seq, live, rec)"
                      " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (operation_id) DO UPDATE SET"
                      " session_id = EXCLUDED.session_id, seq = EXCLUDED.seq, live = EXCLUDED.live,"
                      " rec = EXCLUDED.rec"},
    {"put_outbox",
     "INSERT INTO tsm_outbox (id, rec) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET rec = EXCLUDED.rec"},
    {"del_outbox", "DELETE FROM tsm_outbox WHERE id = $1"},
    // gen orders the cards holding one CPLC/UID: the latest written answers find_device
    {"put_card",
     "INSERT INTO tsm_card_keys (master, id, cplc, uid, gen, rec)"
     " VALUES ($1, $2, $3, $4, nextval('tsm_card_keys_gen'), $5) ON CONFLICT (master, id) DO UPDATE SET"
     " cplc = EXCLUDED.cplc, uid = EXCLUDED.uid, gen = EXCLUDED.gen, rec = EXCLUDED.rec"},
    {"del_card", "DELETE FROM tsm_card_keys WHERE master = $1 AND id = $2"},
    {"put_capfile", "INSERT INTO tsm_capfiles (app_id, id, rec) VALUES ($1, $2, $3)"
                    " ON CONFLICT (app_id, id) DO UPDATE SET rec = EXCLUDED.rec"},
    {"del_capfile", "DELETE FROM tsm_capfiles WHERE app_id = $1 AND id = $2"},
    {"put_recipe", "INSERT INTO tsm_recipes (app_id, service_id, rec) VALUES ($1, $2, $3)"
                   " ON CONFLICT (app_id, service_id) DO UPDATE SET rec = EXCLUDED.rec"},
    {"del_recipe", "DELETE FROM tsm_recipes WHERE app_id = $1 AND service_id = $2"},
    {"relaxed", "SELECT set_config('synchronous_commit', 'off', true)"},
};

// COLLATE "C": byte order, as RocksDB's keys sort.
constexpr std::pair<const char*, const char*> read_statements[] = {
    {"get_operation", "SELECT rec, seq FROM tsm_operations WHERE operation_id = $1"},
    {"get_card", "SELECT rec FROM tsm_card_keys WHERE master = $1 AND id = $2"},
    {"get_capfiles", "SELECT rec FROM tsm_capfiles WHERE app_id = $1 ORDER BY id COLLATE \"C\""},
    {"get_capfile", "SELECT rec FROM tsm_capfiles WHERE app_id = $1 AND id = $2"},
    {"get_recipe", "SELECT rec FROM tsm_recipes WHERE app_id = $1 AND service_id = $2"},
    {"list_recipes",
     "SELECT service_id FROM tsm_recipes WHERE app_id = $1 ORDER BY service_id COLLATE \"C\""},
    {"find_by_cplc", "SELECT rec FROM tsm_card_keys WHERE NOT master AND cplc = $1 AND cplc <> ''"
                     " ORDER BY gen DESC LIMIT 1"},
    // A claim, in one transaction: lock the row (and learn its owner), then one conditional
    // update. Of concurrent claimers the first locks the row, the others then see its new owner
    // (lease live) and match nothing. $3: steal from a live owner; $4: the resume token's digest
    // the claimer holds (empty: none, for the owner-lease claims).
    {"lock_session", "SELECT owner_node FROM tsm_sessions WHERE session_id = $1 FOR UPDATE"},
    {"claim_session", "UPDATE tsm_sessions s SET owner_node = $2, owner_epoch = s.owner_epoch + 1,"
                      " updated_at = now() WHERE s.session_id = $1 AND s.live"
                      " AND ($4 = ''::bytea OR s.resume_digest = $4) AND ($3 OR s.owner_node = $2"
                      " OR s.owner_node = '' OR NOT EXISTS (SELECT 1 FROM tsm_nodes n"
                      " WHERE n.node_id = s.owner_node AND n.lease_until > now()))"
                      " RETURNING s.rec, s.owner_epoch"},
    {"session_operations", "SELECT rec, seq FROM tsm_operations WHERE session_id = $1 AND live ORDER BY seq"},
    {"operations_from", "SELECT rec, seq FROM tsm_operations WHERE session_id = $1 AND live AND seq >= $2"
                        " ORDER BY seq"},
    {"find_by_uid", "SELECT rec FROM tsm_card_keys WHERE NOT master AND uid = $1 AND uid <> ''"
                    " ORDER BY gen DESC LIMIT 1"},
};

template <std::size_t N>
std::error_code prepare_all(PGconn* c, const std::pair<const char*, const char*> (&stmts)[N],
                            std::string& detail) {
    for (const auto& [name, sql] : stmts) {
        result_ptr r{PQprepare(c, name, sql, 0, nullptr)};
        if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
            detail = message_of(r.get(), c);
            return map_result(r.get(), c);
        }
    }
    return {};
}

} // namespace

std::error_code prepare_write_statements(PGconn* c, std::string& detail) {
    return prepare_all(c, write_statements, detail);
}

std::error_code prepare_read_statements(PGconn* c, std::string& detail) {
    return prepare_all(c, read_statements, detail);
}

void append_statements(const core::write_set& w, const std::string& node_id, std::vector<statement>& out) {
    std::string rec;
    auto encoded = [&rec](const auto& r) -> std::string_view {
        rec.clear();
        codec::encode(r, rec);
        return rec;
    };
    for (const auto& a : w.put_apps) {
        out.push_back({"put_app", {}});
        out.back().args.text(a.app_id).binary(encoded(a));
    }
    for (const auto& id : w.delete_apps) {
        out.push_back({"del_app", {}});
        out.back().args.text(id);
    }
    for (const auto& s : w.put_sessions) {
        out.push_back({"put_session", {}});
        out.back()
            .args.text(s.session_id)
            .text(s.app_id)
            .boolean(!core::is_terminal(s.state))
            .text(node_id)
            .integer(static_cast<long long>(s.owner_epoch))
            .binary(as_view(s.resume_token_hash))
            .boolean(s.recipe.has_value())
            .binary(encoded(s));
    }
    for (const auto& o : w.put_operations) {
        out.push_back({"put_operation", {}});
        out.back()
            .args.text(o.operation_id)
            .text(o.session_id)
            .integer(static_cast<long long>(o.seq))
            .boolean(o.state != core::operation_state::done)
            .binary(encoded(o));
    }
    for (const auto& x : w.put_outbox) {
        out.push_back({"put_outbox", {}});
        out.back().args.text(x.id).binary(encoded(x));
    }
    for (const auto& id : w.delete_outbox) {
        out.push_back({"del_outbox", {}});
        out.back().args.text(id);
    }
    for (const auto& c : w.put_card_keys) {
        out.push_back({"put_card", {}});
        out.back()
            .args.boolean(c.master)
            .text(c.id)
            .binary(as_view(c.cplc))
            .binary(as_view(c.uid))
            .binary(encoded(c));
    }
    for (const auto& [master, id] : w.delete_card_keys) {
        out.push_back({"del_card", {}});
        out.back().args.boolean(master).text(id);
    }
    for (const auto& f : w.put_capfiles) {
        out.push_back({"put_capfile", {}});
        out.back().args.text(f.app_id).text(f.id).binary(encoded(f));
    }
    for (const auto& [app, id] : w.delete_capfiles) {
        out.push_back({"del_capfile", {}});
        out.back().args.text(app).text(id);
    }
    for (const auto& r : w.put_recipes) {
        out.push_back({"put_recipe", {}});
        out.back().args.text(r.app_id).text(r.service_id).binary(encoded(r));
    }
    for (const auto& [app, service] : w.delete_recipes) {
        out.push_back({"del_recipe", {}});
        out.back().args.text(app).text(service);
    }
}

std::optional<std::error_code> own_failure(const char* sqlstate) {
    const std::string_view s = sqlstate == nullptr ? std::string_view() : std::string_view(sqlstate);
    if (s == "TSMF1") {
        return core::store_errc::fenced;
    }
    if (s == "TSMN1") {
        return core::store_errc::unknown_session;
    }
    if (s == "TSMN2") {
        return core::store_errc::session_finished;
    }
    if (s == "TSMN3") {
        return core::store_errc::runs_recipe;
    }
    if (s == "TSMN4") {
        return core::store_errc::queue_full;
    }
    return std::nullopt;
}

void append_operation(const core::operation_record& o, std::size_t max_queued, std::vector<statement>& out) {
    std::string rec;
    codec::encode(o, rec);
    out.push_back({"append_operation", {}});
    out.back()
        .args.text(o.session_id)
        .text(o.app_id)
        .text(o.operation_id)
        .binary(rec)
        .integer(static_cast<long long>(max_queued));
}

void append_fence(const core::session_fence& f, const std::string& node_id, std::vector<statement>& out) {
    out.push_back({"fence", {}});
    out.back().args.text(f.session_id).text(node_id).integer(static_cast<long long>(f.epoch));
}

} // namespace tsm::storage::pg
