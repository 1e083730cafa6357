// session_service, how a recipe session goes on after each action: a success that is not the last
// writes its result and the next action starts; a failure, or the last success, ends the session
// in the SAME write as the result — so a restart never finds a failed recipe with actions still
// queued (they would run), nor a finished one still active. A failure marks every later action
// done with `action-skipped` and ends with the recipe's failureMessage and `scriptStatus`; the
// last success ends with its successMessage and, when the recipe names a serviceResultUri, the
// summary in the outbox. Recipe actions have no callbacks. Runs on the owner shard.
#include "tsm/core/session_service.hpp"

#include "session_internal.hpp"
#include "tsm/core/clock.hpp"
#include "tsm/core/json_writer.hpp"
#include "tsm/core/outcome.hpp"
#include "tsm/core/touch_point_frames.hpp"

namespace tsm::core {
namespace {

using namespace session_detail;

/// The success summary POSTed to serviceResultUri (docs/recipes.md).
std::string summary_body(const session_record& s) {
    json_writer w;
    w.begin_object().key("sessionId").value(s.session_id).key("appId").value(s.app_id);
    w.key("serviceId").value(s.service_id);
    w.key("cardId").begin_object().key("iin").value(s.card_iin).key("cin").value(s.card_cin).end_object();
    w.key("success").value(true).key("actions").begin_array();
    for (const auto& endpoint : s.recipe->action_endpoints) {
        w.begin_object().key("endpoint").value(endpoint).key("statusCode").value(200).end_object();
    }
    w.end_array().end_object();
    return std::move(w).str();
}

std::string message_or(const std::string& message_json, std::string_view fallback) {
    return message_json.empty() ? frames::json_string(fallback) : message_json;
}

} // namespace

void session_service::finish_recipe_action(delivery_session& s, const operation_outcome& outcome) {
    live_operation& head = *s.head();
    const bool ok = outcome.status_code == 200;
    if (ok && s.queued() > 1) {
        commit_result(s.id(), std::nullopt);
        return;
    }
    const recipe_run& run = *s.record().recipe;
    write_set w;
    w.put_operations.push_back(head.rec);
    std::vector<outbox_entry> callbacks;
    std::string frame;
    if (ok) {
        frame = frames::status(true, message_or(run.success_message_json, "Success"));
        if (!run.service_result_uri.empty()) {
            outbox_entry e{s.id() + "/result", run.service_result_uri, summary_body(s.record()), now_ms()};
            w.put_outbox.push_back(e);
            callbacks.push_back(std::move(e));
        }
    } else {
        const std::size_t index = head.rec.seq;
        const std::string endpoint = index < run.action_endpoints.size() ? run.action_endpoints[index] : "";
        frame = frames::status(false, message_or(run.failure_message_json, "Failure"),
                               frames::script_status(index, endpoint, outcome));
        // The later actions never run: their records say why (no callbacks: recipes have none).
        fail_unfinished(s, api_errc::action_skipped, "an earlier action of the recipe failed", w, callbacks);
    }
    const std::string session_id = s.id();
    end_session(s, session_state::completed, std::move(frame), std::move(w), std::move(callbacks),
                [this, session_id](std::optional<api_error> e) {
                    // The head's result landed with the end: it leaves the queue as commit_result's would.
                    delivery_session* ended = find(session_id);
                    if (e || ended == nullptr || ended->head() == nullptr) {
                        return;
                    }
                    metrics_.on_operation_removed(true);
                    ended->pop_head();
                });
}

void session_service::end_interrupted_recipe(delivery_session& s) {
    // Unreachable with the writes above (a recipe's last result and its end land together), but a
    // record from elsewhere must not leave the session waiting for its expiry.
    const recipe_run& run = *s.record().recipe;
    log_warn("recipe session recovered with nothing left to run", s.id(), "ended as failure");
    end_session(s, session_state::completed,
                frames::status(false, message_or(run.failure_message_json, "Failure")), write_set{}, {}, {});
}

} // namespace tsm::core
