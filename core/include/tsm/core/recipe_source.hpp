#pragma once
/// Where the session service finds stored recipes (services the backend runs by itself, without
/// an SP server) and how a recipe becomes what one delivery runs: its description, the recipe_run
/// the session keeps, and one operation request per action with its payload sealed for that
/// session. The recipe's sealed payloads (recipe_payload_context(app, service)) are opened and
/// sealed again under the session's context of their kind, so the copy a session holds opens only
/// in that session, and a recipe replaced or deleted meanwhile does not touch a running delivery.
///
/// Stateless apart from the store and vault it reads through: one instance may serve every shard.
/// Reads run off the caller's thread; completions are posted to the executor the caller passes
/// (the shard's), and the re-sealing runs there.
#include "tsm/core/api_error.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/operation_request.hpp"
#include "tsm/core/record_store.hpp"
#include "tsm/core/records.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace tsm::core {

/// A recipe as one delivery session runs it.
struct prepared_recipe {
    std::string description_json;
    recipe_run run;
    /// In action order; payloads of kinds that seal theirs are sealed under the session's context.
    std::vector<operation_request> actions;
};

class recipe_source {
public:
    /// Both must outlive the source.
    recipe_source(record_store& store, const key_vault& vault);

    /// The description of the recipe of (app, service); nullopt when the service has none.
    /// `ec` when the store could not be read.
    using description_handler = std::function<void(std::error_code ec, std::optional<std::string> description)>;
    void find_description(std::string app_id, std::string service_id, boost::asio::any_io_executor ex,
                          description_handler done) const;

    /// The recipe of (app, service) prepared for session `session_id`: nullopt when the service
    /// has none; an error when it cannot run (a payload that does not open with this vault).
    /// `ec` when the store could not be read.
    using prepare_handler =
        std::function<void(std::error_code ec, std::optional<api_result<prepared_recipe>> recipe)>;
    void prepare(std::string app_id, std::string service_id, std::string session_id,
                 boost::asio::any_io_executor ex, prepare_handler done) const;

    /// The pure part of prepare(): `recipe` for session `session_id`.
    [[nodiscard]] api_result<prepared_recipe> prepare_for(const recipe_record& recipe,
                                                          std::string_view session_id) const;

private:
    record_store& store_;
    const key_vault& vault_;
};

/// The context a session-bound payload of operation kind `kind` is sealed under in session
/// `session_id` (sealed_payload.hpp); nullopt for a kind whose payloads are not sealed.
std::optional<std::string> session_payload_context(std::string_view kind, std::string_view session_id);

} // namespace tsm::core
