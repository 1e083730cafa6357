// Cluster mode: which node owns a session. Every write of a session carries its fence (the
// epoch this node holds it at); a fenced write means another node claimed it, and this node
// forgets the session without writing anything more. A touch point resuming a session this
// node does not hold claims it from the store and the session is rebuilt as recovery does.
// On the embedded store fences always hold and claims are not supported: a resume of an
// unknown session is refused as before.
#include "tsm/core/session_service.hpp"

#include "durable_commit.hpp"
#include "session_internal.hpp"

namespace tsm::core {

using namespace session_detail;

std::optional<session_fence> session_service::fence_of(const write_set& w) {
    const std::string* id = !w.put_sessions.empty()     ? &w.put_sessions.front().session_id
                            : !w.put_operations.empty() ? &w.put_operations.front().session_id
                                                        : nullptr;
    const delivery_session* s = id == nullptr ? nullptr : find(*id);
    if (s == nullptr) {
        return std::nullopt;
    }
    return session_fence{s->id(), s->record().owner_epoch};
}

void session_service::drop_fenced(const std::string& session_id) {
    delivery_session* s = find(session_id);
    if (s == nullptr) {
        return;
    }
    log::info("session owned by another node now; dropped here", {{"sessionId", session_id}});
    metrics_.on_session_moved();
    if (s->bound()) {
        const connection_ref conn = s->unbind();
        tp_.close(conn, 4002, "session moved to another node");
    }
    while (const live_operation* head = s->head()) { // the new owner runs them from the store
        metrics_.on_operation_removed(head->started);
        s->pop_head();
    }
    if (!s->terminal()) {
        metrics_.on_session_discarded(s->state());
    }
    sessions_.erase(session_id);
}

void session_service::claim_for_resume(connection_ref conn, std::string session_id, std::string token,
                                       claim_mode mode, std::function<void(bool)> bound) {
    auto pass = gate_.enter();
    if (!pass) {
        tp_.send_error(conn, make_api_error(api_errc::unavailable, "shutting down; retry later"));
        bound(false);
        return;
    }
    claim_request req{session_id, mode, hasher_.digest(resume_context, token)};
    store_.claim_session(
        std::move(req), ex(),
        [this, pass = std::move(pass), conn, session_id, mode, token = std::move(token),
         bound = std::move(bound)](std::error_code ec, std::optional<claimed_session> claimed) mutable {
            if (ec || !claimed) {
                const bool unknown = ec == store_errc::not_claimable || ec == store_errc::not_supported || !ec;
                tp_.send_error(conn, unknown ? make_api_error(api_errc::not_found, "unknown session or wrong resume token")
                                             : make_api_error(api_errc::unavailable, "could not take over the session; retry later"));
                bound(false);
                return;
            }
            if (find(session_id) == nullptr) { // a second resume here may have adopted it already
                log::info("session taken over", {{"sessionId", session_id}, {"from", claimed->previous_owner}});
                adopt(std::move(claimed->session), std::move(claimed->operations));
            }
            resume(conn, session_id, std::move(token), std::move(bound), mode);
        });
}

} // namespace tsm::core
