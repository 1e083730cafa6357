#pragma once
/// The service delivery sessions owned by one shard, and everything that happens to them:
/// delivery start, SP operations queued in order, APDU batches pushed to the touch point,
/// results persisted with their callbacks, completion, abort, resume and expiry.
///
/// Owner: one instance per shard (`session_service_config::owner_shard`); every public method
/// runs on that shard's thread (callers use shard_pool::invoke_on_owner) and asserts so in debug
/// builds. Durable writes go through the record store, never on this thread; a state change is
/// acted on (acknowledged, pushed, called back) only after its write is durable. Every store, SP
/// and operation-build completion holds a pass of the service's shard_gate, so shutdown can wait
/// for the last one.
///
/// The flows live in one file each: core/src/session/delivery_handshake.cpp,
/// operation_engine.cpp, session_ending.cpp (lifecycle and I/O helpers in session_service.cpp).
#include "tsm/core/api_error.hpp"
#include "tsm/core/app_directory.hpp"
#include "tsm/core/delivery_session.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/operation_registry.hpp"
#include "tsm/core/outbox_relay.hpp"
#include "tsm/core/ports.hpp"
#include "tsm/core/recipe_source.hpp"
#include "tsm/core/record_store.hpp"
#include "tsm/core/secret_hasher.hpp"
#include "tsm/core/service_probe.hpp"
#include "tsm/core/shard_gate.hpp"
#include "tsm/core/shard_owned.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tsm::core {

class durable_commit;

struct session_service_config {
    unsigned owner_shard = 0;                                     ///< the shard whose thread runs the service
    std::chrono::milliseconds session_expiry{15 * 60 * 1000};     ///< without progress
    std::chrono::milliseconds finished_retention{60 * 60 * 1000}; ///< 409 instead of 404 meanwhile
    std::chrono::milliseconds sweep_interval{1000};
    /// Pause before a failed write that must land (a result, a session end) is tried again.
    std::chrono::milliseconds write_retry_interval{500};
    std::size_t max_queued_operations = 256; ///< per session; beyond: 429
    std::size_t max_sessions = 200000;       ///< per shard; beyond: unavailable
    /// Cluster mode (a store shared by several nodes): SP operations are appended through the
    /// store on whichever node received them, and the owner queues them when woken.
    bool cluster = false;
    /// Checks that an SP's service description is one JSON object (it is relayed verbatim).
    std::function<bool(std::string_view)> is_json_object;
};

/// What the touch point asked to deliver.
struct delivery_request {
    std::string app_id;
    std::string service_id;
    std::string iin; ///< hex
    std::string cin; ///< hex
    std::int64_t platform_version = 0;
    std::string fields_json; ///< JSON object or empty (user input: sealed when stored, wiped)
    /// hex, the RSA-OAEP-wrapped AES key of encrypted field values (docs/user-interaction.md);
    /// empty = none. Passed on to the SP as the delivery request's ephemeralKey.
    std::string ephemeral_key;
    std::string email;  ///< empty = none; passed on to the SP
    std::string msisdn; ///< empty = none; passed on to the SP
    /// The touch point's credential for resuming the session. Empty: a random token is generated
    /// and sent with the session (protocol v1). The Fidesmo dialects pass the session id itself:
    /// their clients resume by session id alone.
    std::string resume_token;
    /// iin and platform_version come from the device registry record of `cin`; without a record
    /// the delivery is refused with unknown_device (the Fidesmo WebSocket URL names only the CIN).
    bool device_from_registry = false;

    delivery_request() = default;
    delivery_request(const delivery_request&) = default;
    delivery_request(delivery_request&&) noexcept = default;
    delivery_request& operator=(const delivery_request&) = default;
    delivery_request& operator=(delivery_request&&) noexcept = default;
    /// The user's answers die with the request on every path (refusals, recipes that take none).
    ~delivery_request() { wipe(fields_json); }
};

/// Why operations a session never ran failed (cluster mode: ones appended on another node that
/// the owner had not loaded when the session ended).
struct straggler_reason {
    api_errc why = api_errc::session_finished;
    std::string message = "the session ended before this operation ran";
};

class session_service {
public:
    session_service(boost::asio::io_context& ioc, record_store& store, touch_point_port& tp, sp_port& sp,
                    outbox_relay& relay, app_directory& apps, const secret_hasher& hasher,
                    const operation_registry& kinds, const key_vault& vault, session_service_config cfg,
                    service_probe& probe);
    ~session_service();
    session_service(const session_service&) = delete;
    session_service& operator=(const session_service&) = delete;

    /// Recovery at startup: takes a live session and its unfinished operations (seq order).
    void adopt(session_record rec, std::vector<operation_record> ops);
    /// Starts the expiry sweep.
    void start();
    /// Stops timers and refuses new store writes and SP calls (sessions stay persisted for the
    /// next start). `drained` runs on this shard once every completion already in flight has run.
    /// Called once.
    void shutdown(std::function<void()> drained = {});

    // ---- touch point side ----
    /// Fetches and relays a service description (any shard may serve this).
    void describe(connection_ref conn, std::string app_id, std::string service_id);
    /// Starts a delivery session with id `session_id` (chosen by the caller, owned here).
    /// `bound(false)` when no session was created (the touch point got an error frame).
    void start_delivery(connection_ref conn, std::string session_id, delivery_request req,
                        std::function<void(bool)> bound);
    /// Rebinds a session to a new connection. `bound(true)` when the token matched. A session
    /// this node does not hold is claimed from a shared store first (cluster mode): `takeover`
    /// steal for a touch point that resumes explicitly (v1), after_lease for one that keeps
    /// polling (its requests may reach any node while the owner lives).
    void resume(connection_ref conn, std::string session_id, std::string token,
                std::function<void(bool)> bound, claim_mode takeover = claim_mode::steal);
    /// The touch point's answers to batch `batch`; 0 = the outstanding batch, whatever its number
    /// (dialects without batch numbers). A touch point without stopOnError answers every command
    /// of a stop-on-error batch: the operation reads the answers up to the first failure only.
    void on_responses(connection_ref conn, const std::string& session_id, std::uint64_t batch,
                      std::vector<bytes> responses);
    void on_client_error(connection_ref conn, const std::string& session_id, std::string message);
    /// The touch point's answer to the prompt of operation `operation_id` (user-interaction,
    /// user-action). Applied once: an answer for an operation that is not asking now (a repeat,
    /// a stale one, another session's) is dropped. Field values are wiped after use.
    void on_user_input(connection_ref conn, const std::string& session_id, const std::string& operation_id,
                       user_input input);
    void on_disconnect(connection_ref conn, const std::string& session_id);

    // ---- SP side ----
    using accept_handler = std::function<void(std::optional<api_error>, std::string operation_id)>;
    using done_handler = std::function<void(std::optional<api_error>)>;
    /// Queues an operation. `done` runs (on this shard) after the operation is durable, or with
    /// an error and nothing written.
    void accept_operation(std::string app_id, std::string session_id, std::string kind, bytes payload,
                          std::string callback_url, accept_handler done);
    /// Ends the session as the SP asks; the touch point gets the final status.
    void complete(std::string app_id, std::string session_id, bool success, std::string message_json,
                  done_handler done);

    std::size_t session_count() const noexcept;

    /// Cluster mode: operations were appended to `session_id` (any node accepted them); queues
    /// the new ones of a session held here and runs them. Empty id: every session held here looks.
    void on_operations_appended(const std::string& session_id);

    // ================================================================ recipes (package A2)
    // Services with a stored recipe run it instead of calling an SP (docs/recipes.md "How a recipe
    // runs"). The flows: core/src/session/recipe_delivery.cpp (start) and recipe_ending.cpp (end).
    /// Every description and delivery asks `src` first; without a source (tools, most tests)
    /// every service goes to its SP. `src` must outlive the service. Call before start().
    void use_recipes(const recipe_source& src) noexcept { recipes_ = &src; }

private:
    /// After the device is known: the recipe of the service, else the SP's description.
    /// describe() for a service without a recipe: the SP's description.
    void describe_by_sp(connection_ref conn, std::string app_id, std::string service_id);
    void find_recipe_for_delivery(connection_ref conn, std::string session_id, delivery_request req,
                                  std::function<void(bool)> bound);
    void start_recipe_delivery(connection_ref conn, std::string session_id, delivery_request req,
                               prepared_recipe recipe, std::function<void(bool)> bound);
    void on_recipe_session_stored(connection_ref conn, const std::string& session_id,
                                  const std::string& token, std::error_code ec,
                                  const std::function<void(bool)>& bound);
    /// The head action of a recipe session has its outcome: its result is written, and when it
    /// failed or was the last one, the session ends in the same write.
    void finish_recipe_action(delivery_session& s, const operation_outcome& outcome);
    /// A recovered recipe session with nothing left to run: ends it (failure, "interrupted").
    void end_interrupted_recipe(delivery_session& s);
    const recipe_source* recipes_ = nullptr;
    // ================================================================ end of recipes (A2)

private:
    using session_ptr = std::unique_ptr<delivery_session>;

    // delivery_handshake.cpp
    void fetch_description_for_delivery(connection_ref conn, std::string session_id, delivery_request req,
                                        std::function<void(bool)> bound);
    void on_description_for_delivery(connection_ref conn, std::string session_id, delivery_request req,
                                     sp_reply reply, std::function<void(bool)> bound);
    void on_session_stored(connection_ref conn, const std::string& session_id, const std::string& token,
                           std::error_code ec, const std::function<void(bool)>& bound);
    void send_delivery_request(const std::string& session_id);
    void on_delivery_reply(const std::string& session_id, sp_reply reply);

    // operation_engine.cpp
    void on_accept_stored(const std::string& session_id, const std::string& operation_id, std::error_code ec,
                          const accept_handler& done);
    void pump(delivery_session& s);
    void on_built(const std::string& session_id, const std::string& operation_id,
                  std::unique_ptr<operation> op, std::optional<operation_outcome> failure);
    void start_head(delivery_session& s);
    void handle_step(delivery_session& s, operation_step step);
    void send_batch(delivery_session& s);
    void finish_head(delivery_session& s, operation_outcome outcome);
    /// `entry`: the operation's callback; none for an operation without a callback URL (recipes).
    void commit_result(const std::string& session_id, std::optional<outbox_entry> entry);

    // ---- user interaction (operation_engine.cpp, package "user interaction")
    /// The head operation asks the user: held as the outstanding thing of the session (sent now
    /// when bound, else on resume); a connection that cannot prompt fails the operation at once.
    void ask_user(delivery_session& s, prompt p);
    /// Sends the head's outstanding prompt to the bound touch point (resume calls it again);
    /// fails the operation when the touch point cannot prompt. No-op without one.
    void send_prompt(delivery_session& s);
    /// The callback body of `outcome`, sealed at rest when it holds user input: the operation
    /// record's result (operation_result_context) and its outbox entry (outbox_body_context).
    outbox_entry result_entry(live_operation& head, const operation_outcome& outcome);

    // session_ending.cpp
    /// Fails every unfinished operation with `why`, ends the session, tells the touch point.
    void fail_session(delivery_session& s, api_errc why, std::string message,
                      std::string status_message_json);
    /// Gives every operation not already finishing the outcome `why` and adds its result and
    /// callback to `w`.
    void fail_unfinished(delivery_session& s, api_errc why, const std::string& message, write_set& w,
                         std::vector<outbox_entry>& callbacks);
    void end_session(delivery_session& s, session_state final_state, std::string status_frame, write_set w,
                     std::vector<outbox_entry> callbacks, done_handler done, straggler_reason reason = {});
    void on_end_durable(const std::string& session_id, std::vector<outbox_entry>& callbacks,
                        const done_handler& done, const straggler_reason& reason);
    /// Gives operation `rec` (not done) the outcome `why` and adds its result and callback to `w`.
    void fail_record(operation_record& rec, api_errc why, const std::string& message, write_set& w,
                     std::vector<outbox_entry>& callbacks);
    /// Cluster mode, once a session's end is durable (no append can land after it): the
    /// operations appended before it that this node never loaded fail with `reason`, with
    /// callbacks — nothing acknowledged goes unanswered.
    void fail_stragglers(const std::string& session_id, straggler_reason reason, int attempts_left);
    void sweep();

    // session_ownership.cpp (cluster mode)
    /// The fence of a write of one session held here: its id at this node's epoch.
    std::optional<session_fence> fence_of(const write_set& w);
    /// Another node owns the session now: forget it here, writing nothing.
    void drop_fenced(const std::string& session_id);
    void claim_for_resume(connection_ref conn, std::string session_id, std::string token, claim_mode mode,
                          std::function<void(bool)> bound);
    /// accept_operation in cluster mode: the store checks the session and numbers the operation.
    void append_shared(std::string app_id, std::string session_id, std::string kind, bytes payload,
                       std::string callback_url, accept_handler done);
    /// Loads the operations appended to a session held here since the last one it knows.
    void load_appended(const std::string& session_id, int attempts_left);

    // session_service.cpp
    void transition(delivery_session& s, session_state to);
    /// A store write whose completion runs on this shard, counted by the gate. Refused once the
    /// gate is closed: `done` then gets operation_canceled.
    void commit(write_set w, durability d, record_store::commit_handler done);
    /// An SP call counted by the gate. Refused once the gate is closed: status 0.
    void call_sp(std::string method, std::string url, std::string body, sp_port::reply_handler done);
    void schedule_sweep();
    delivery_session* find(const std::string& session_id);
    boost::asio::any_io_executor ex() { return ioc_.get_executor(); }

    shard_owned owner_;
    boost::asio::io_context& ioc_;
    record_store& store_;
    touch_point_port& tp_;
    sp_port& sp_;
    outbox_relay& relay_;
    app_directory& apps_;
    const secret_hasher& hasher_;
    const operation_registry& kinds_;
    const key_vault& vault_; ///< seals user input at rest (fields, results, callbacks)
    session_service_config cfg_;
    session_metrics metrics_;
    shard_gate gate_;
    std::unique_ptr<durable_commit> durable_;
    std::map<std::string, session_ptr, std::less<>> sessions_;
    boost::asio::steady_timer sweep_timer_;
    bool stopped_ = false;
};

} // namespace tsm::core
