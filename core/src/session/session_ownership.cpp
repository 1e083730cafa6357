// Cluster mode: which node owns a session. Every write of a session carries its fence (the
// epoch this node holds it at); a fenced write means another node claimed it, and this node
// forgets the session without writing anything more. A touch point resuming a session this
// node does not hold claims it from the store and the session is rebuilt as recovery does.
// On the embedded store fences always hold and claims are not supported: a resume of an
// unknown session is refused as before.
#include "tsm/core/session_service.hpp"

#include "durable_commit.hpp"
#include "session_internal.hpp"
#include "tsm/core/clock.hpp"
#include "tsm/core/ids.hpp"

#include <boost/asio/steady_timer.hpp>

#include <memory>

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
                const bool unknown =
                    ec == store_errc::not_claimable || ec == store_errc::not_supported || !ec;
                tp_.send_error(conn, unknown
                                         ? make_api_error(api_errc::not_found,
                                                          "unknown session or wrong resume token")
                                         : make_api_error(api_errc::unavailable,
                                                          "could not take over the session; retry later"));
                bound(false);
                return;
            }
            if (find(session_id) == nullptr) { // a second resume here may have adopted it already
                log::info("session taken over",
                          {{"sessionId", session_id}, {"from", claimed->previous_owner}});
                adopt(std::move(claimed->session), std::move(claimed->operations));
            }
            resume(conn, session_id, std::move(token), std::move(bound), mode);
        });
}

void session_service::append_shared(std::string app_id, std::string session_id, std::string kind,
                                    bytes payload, std::string callback_url, accept_handler done) {
    operation_record rec = accepted_operation(std::move(app_id), std::move(session_id), std::move(kind),
                                              std::move(payload), std::move(callback_url));
    std::string op_id = rec.operation_id;
    write_set w;
    w.append_operations.push_back(std::move(rec));
    // Not queued here: the store wakes the owner (this node too), which loads it in seq order.
    commit(std::move(w), durability::sync,
           [this, op_id = std::move(op_id), done = std::move(done)](std::error_code ec) {
               if (!ec) {
                   done(std::nullopt, op_id);
                   return;
               }
               metrics_.on_operation_rejected();
               if (ec == store_errc::unknown_session) {
                   done(error_of(api_errc::session_not_found, "no such session for this app"), {});
               } else if (ec == store_errc::session_finished) {
                   done(error_of(api_errc::session_finished, "the session has ended"), {});
               } else if (ec == store_errc::runs_recipe) {
                   done(error_of(api_errc::recipe_session, "the session runs a recipe"), {});
               } else if (ec == store_errc::queue_full) {
                   done(error_of(api_errc::too_many_operations, "too many operations queued in this session"),
                        {});
               } else {
                   metrics_.on_store_error();
                   done(error_of(api_errc::unavailable, "could not store the operation; retry later"), {});
               }
           });
}

namespace {

/// Runs `again` after `pause` on `ioc` unless `stopped` says the service stopped meanwhile: a
/// read that must not be lost to one failure is tried again a few times.
template <class Again>
void retry_after(boost::asio::io_context& ioc, std::chrono::milliseconds pause, const bool& stopped,
                 Again again) {
    auto t = std::make_shared<boost::asio::steady_timer>(ioc, pause);
    t->async_wait([t, &stopped, again = std::move(again)](boost::system::error_code e) mutable {
        if (!e && !stopped) {
            again();
        }
    });
}

} // namespace

void session_service::fail_stragglers(const std::string& session_id, straggler_reason reason,
                                      int attempts_left) {
    delivery_session* s = find(session_id);
    auto pass = gate_.enter();
    if (s == nullptr || !pass) {
        return;
    }
    store_.load_session_operations(
        session_id, s->record().next_operation_seq, ex(),
        [this, session_id, reason = std::move(reason), attempts_left,
         pass = std::move(pass)](std::error_code ec, std::vector<operation_record> ops) mutable {
            if (ec) {
                metrics_.on_store_error();
                if (attempts_left > 1 && !stopped_) {
                    retry_after(ioc_, cfg_.write_retry_interval, stopped_,
                                [this, session_id, reason, attempts_left] {
                                    fail_stragglers(session_id, reason, attempts_left - 1);
                                });
                } else {
                    log_warn("operations appended before the session ended were not failed", session_id,
                             ec.message());
                }
                return;
            }
            write_set w;
            std::vector<outbox_entry> callbacks;
            for (auto& op : ops) {
                fail_record(op, reason.why, reason.message, w, callbacks);
            }
            if (w.empty()) {
                return;
            }
            auto shared =
                std::make_shared<std::pair<write_set, std::vector<outbox_entry>>>(std::move(w),
                                                                                  std::move(callbacks));
            durable_->until_durable([shared]() -> std::optional<write_set> { return shared->first; },
                                    [this, shared] {
                                        for (auto& e : shared->second) {
                                            relay_.enqueue(std::move(e));
                                        }
                                    },
                                    {});
        });
}

void session_service::on_operations_appended(const std::string& session_id) {
    owner_.assert_on_owner();
    if (!session_id.empty()) {
        load_appended(session_id, 3);
        return;
    }
    for (const auto& [id, s] : sessions_) {
        if (!s->terminal()) {
            load_appended(id, 3);
        }
    }
}

void session_service::load_appended(const std::string& session_id, int attempts_left) {
    delivery_session* s = find(session_id);
    auto pass = gate_.enter();
    if (s == nullptr || s->terminal() || !pass) {
        return;
    }
    store_.load_session_operations(
        session_id, s->record().next_operation_seq, ex(),
        [this, session_id, attempts_left, pass = std::move(pass)](std::error_code ec,
                                                                  std::vector<operation_record> ops) {
            if (ec) {
                metrics_.on_store_error();
                if (attempts_left > 1 && !stopped_) { // a wake-up must not be lost to one failed read
                    retry_after(ioc_, cfg_.write_retry_interval, stopped_, [this, session_id, attempts_left] {
                        load_appended(session_id, attempts_left - 1);
                    });
                }
                return;
            }
            delivery_session* held = find(session_id);
            if (held == nullptr || held->terminal()) {
                return;
            }
            bool added = false;
            for (auto& op : ops) {
                if (op.seq < held->record().next_operation_seq
                    || held->find_operation(op.operation_id) != nullptr) {
                    continue; // known already (two wake-ups read the same rows)
                }
                held->recover(std::move(op)); // durable: it is in the store
                metrics_.on_operation_queued();
                added = true;
            }
            if (added) {
                held->touch(now_ms());
                pump(*held);
            }
        });
}

} // namespace tsm::core
