// recipe_source: reads a stored recipe and prepares it for one delivery session (the re-sealing
// of its secret payloads under the session's contexts). Completions run on the caller's executor.
#include "tsm/core/recipe_source.hpp"

#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/sealed_payload.hpp"

#include <utility>

namespace tsm::core {

std::optional<std::string> session_payload_context(std::string_view kind, std::string_view session_id) {
    if (kind == kinds::ccm_storedata) {
        return ccm_payload_context(session_id);
    }
    if (kind == kinds::secure_transceive) {
        return secure_transceive_payload_context(session_id);
    }
    if (kind == kinds::desfire_create_app) {
        return desfire_payload_context(session_id);
    }
    return std::nullopt;
}

recipe_source::recipe_source(record_store& store, const key_vault& vault) : store_(store), vault_(vault) {}

void recipe_source::find_description(std::string app_id, std::string service_id,
                                     boost::asio::any_io_executor ex, description_handler done) const {
    store_.load_recipe(std::move(app_id), std::move(service_id), std::move(ex),
                       [done = std::move(done)](std::error_code ec, std::optional<recipe_record> r) {
                           if (ec || !r) {
                               done(ec, std::nullopt);
                               return;
                           }
                           done({}, std::move(r->description_json));
                       });
}

void recipe_source::prepare(std::string app_id, std::string service_id, std::string session_id,
                            boost::asio::any_io_executor ex, prepare_handler done) const {
    store_.load_recipe(std::move(app_id), std::move(service_id), std::move(ex),
                       [this, session_id = std::move(session_id),
                        done = std::move(done)](std::error_code ec, std::optional<recipe_record> r) {
                           if (ec || !r) {
                               done(ec, std::nullopt);
                               return;
                           }
                           done({}, prepare_for(*r, session_id));
                       });
}

api_result<prepared_recipe> recipe_source::prepare_for(const recipe_record& recipe,
                                                       std::string_view session_id) const {
    prepared_recipe out;
    out.description_json = recipe.description_json;
    out.run.success_message_json = recipe.success_message_json;
    out.run.failure_message_json = recipe.failure_message_json;
    out.run.service_result_uri = recipe.service_result_uri;
    out.actions.reserve(recipe.actions.size());
    const std::string recipe_context = recipe_payload_context(recipe.app_id, recipe.service_id);
    for (std::size_t i = 0; i < recipe.actions.size(); ++i) {
        const recipe_action& a = recipe.actions[i];
        out.run.action_endpoints.push_back(a.endpoint);
        if (!a.sealed) {
            out.actions.push_back(operation_request{a.kind, a.payload});
            continue;
        }
        const auto session_context = session_payload_context(a.kind, session_id);
        auto plain = vault_.open(a.payload, recipe_context);
        if (!session_context || !plain) {
            if (plain) {
                wipe(*plain);
            }
            return make_api_error(api_errc::key_error, "action " + std::to_string(i) + " (" + a.endpoint
                                                           + "): its stored payload does not open");
        }
        out.actions.push_back(operation_request{a.kind, vault_.seal(*plain, *session_context)});
        wipe(*plain); // the clear payload (personalisation data, commands) lives only here
    }
    return out;
}

} // namespace tsm::core
