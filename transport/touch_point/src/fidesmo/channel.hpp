#pragma once
/// One delivery session as the Fidesmo long-poll client sees it (the "connection" of the HTTP
/// dialect): what the session engine said, waiting to be fetched, and the client's requests that
/// are held until the engine says something. The client asks two questions in turn:
///  - service/fetch: "what next?" — a transceive step (an operation id), a user-interaction or
///    action step (the prompt itself, answered by the next fetch's operationResult), the end, or,
///    held until one of those exists or the hold time passes, 503 (the client retries at once;
///    never 204);
///  - connector/json for the announced operation: "which commands?" — the outstanding batch, the
///    next one after the answers were handed to the engine, or [] once the operation is done or
///    cannot go on on this request (then the client fetches, and is told the operation again).
/// Owner: the session's owner shard (every call on its thread; the table asserts it). Pure logic
/// over responders and one timer, so it is unit-tested without sockets.
#include "tsm/core/api_error.hpp"
#include "tsm/core/hex.hpp"
#include "tsm/core/operation.hpp"
#include "tsm/core/ports.hpp"
#include "tsm/transport/http_types.hpp"
#include "tsm/transport/touch_point/fidesmo/long_poll.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::transport::touch_point::fidesmo {

/// What a channel needs from its surroundings (the table and the session service).
struct channel_hooks {
    /// The operation id → session route must exist before the client can learn the id: called
    /// before the fetch reply naming `operation_id` is sent (the table posts it to the route's shard).
    std::function<void(const std::string& operation_id)> add_route;
    std::function<void(const std::string& operation_id)> remove_route;
    /// Hands the client's answers to batch `batch` to the session engine (may call the channel
    /// back before it returns).
    std::function<void(std::uint64_t batch, std::vector<core::bytes> responses)> hand_responses;
    /// Hands the user's answer to the prompt of `operation_id` to the session engine (may call
    /// the channel back before it returns).
    std::function<void(const std::string& operation_id, core::user_input input)> hand_input;
    /// Held fetches of the process (the gauge); may be null.
    std::atomic<std::int64_t>* held_fetches = nullptr;
};

class channel {
public:
    channel(std::string session_id, core::connection_ref conn, boost::asio::any_io_executor ex,
            std::chrono::milliseconds hold, channel_hooks hooks);
    ~channel();
    channel(const channel&) = delete;
    channel& operator=(const channel&) = delete;

    const std::string& session_id() const noexcept { return session_id_; }
    core::connection_ref conn() const noexcept { return conn_; }

    // ---- client side
    /// service/deliver: `respond` gets {"sessionId"} (on_session) or the error (on_error).
    void expect_session(http_responder respond);
    /// service/fetch. A fetch already held gets 503 at once: the newer one supersedes it.
    /// `result` (its operationResult) answers the prompt it names: applied once, when that prompt
    /// is the one asked (kept until it is asked, for a channel bound anew); repeats are dropped.
    void fetch(http_responder respond, std::optional<operation_result> result = std::nullopt);
    /// connector/json for `operation_id` with the client's answers (empty: "send me the commands").
    /// An operation this channel does not have in its connector phase gets {"commands":[]}: the
    /// client goes back to fetch, which names what is outstanding (a non-2xx would be fatal).
    void connector(const std::string& operation_id, std::vector<core::bytes> responses,
                   http_responder respond);

    // ---- engine side (touch_point_port calls for this channel)
    void on_session();
    void on_commands(std::uint64_t batch_number, std::string_view operation_id,
                     const core::apdu_batch& batch);
    void on_operation_done(std::string_view operation_id);
    /// The engine asks the user (operation `operation_id` waits for the answer).
    void on_user_interaction(std::string_view operation_id, const core::prompt& p);
    void on_final_status(std::string_view final_status_json);
    void on_error(const core::api_error& error);
    /// The engine let go of the channel (after the final status, or a refused resume).
    /// Held requests are answered: the fetch with the end when there is one (else 503: the next
    /// fetch binds a new channel), the connector with [] (back to fetch, which carries on).
    void on_closed();

    /// Shutdown: the held fetch gets 503 (retried at once, against the next process), the held
    /// connector [] (the client goes back to fetch). A pending deliver is left to the engine,
    /// which answers it once the session is stored or refused.
    void release_held();

    /// True once the client has the final status, or the engine closed the channel without one
    /// being owed: the table may drop it.
    bool done() const noexcept { return final_fetched_ || (closed_ && !final_status_); }
    bool closed() const noexcept { return closed_; }
    bool holding() const noexcept { return held_fetch_ || held_connector_ || pending_session_; }
    /// Last client request or engine event (steady clock), for the table's sweep.
    std::chrono::steady_clock::time_point last_activity() const noexcept { return last_activity_; }

private:
    /// The operation in its connector phase (the engine runs one at a time).
    struct operation {
        std::string id;
        bool announced = false; ///< a fetch reply named it (its route exists)
        bool done = false;
        /// The batch handed out and not answered yet (engine numbering).
        std::optional<std::uint64_t> batch_number;
        std::vector<core::bytes> commands;
        bool answered = false; ///< the client's answers went to the engine; its next step is awaited
        /// A user-interaction or action step instead of a batch (answered: its operationResult
        /// went to the engine).
        std::optional<core::prompt> prompt;
    };
    /// Applies `result` when it answers the current prompt; true when applied or dropped for good.
    void apply_result(operation_result& result);

    /// Answers the held fetch when something is ready; true when answered.
    bool answer_fetch_if_ready();
    void answer_fetch(http_response res);
    /// Answers the held connector from the current operation's state when it can be.
    void answer_connector_if_ready();
    void answer_connector(http_response res);
    void hold_fetch(http_responder respond);
    void hold_connector(const std::string& operation_id, http_responder respond);
    void touch() noexcept { last_activity_ = std::chrono::steady_clock::now(); }

    std::string session_id_;
    core::connection_ref conn_;
    std::chrono::milliseconds hold_;
    channel_hooks hooks_;
    boost::asio::steady_timer hold_timer_;
    std::uint64_t hold_serial_ = 0; ///< which held fetch the running timer belongs to
    /// A held connector waits for the engine's next step, which comes at once unless the session
    /// went elsewhere; bounded by the hold time all the same (the client has no timeout).
    boost::asio::steady_timer connector_timer_;
    std::uint64_t connector_serial_ = 0;

    std::optional<http_responder> pending_session_;
    std::optional<http_responder> held_fetch_;
    std::optional<http_responder> held_connector_;
    std::string held_connector_op_;

    std::optional<operation> current_;
    std::set<std::string, std::less<>> finished_ops_; ///< announced, done: connector answers []
    /// An operationResult that came before its prompt was asked on this channel (the channel is
    /// new: the session re-sends the prompt once it is bound); applied when the prompt comes.
    std::optional<operation_result> early_result_;
    std::optional<std::string> final_status_;         ///< the rendered fetch reply
    bool final_fetched_ = false;
    bool closed_ = false;
    std::chrono::steady_clock::time_point last_activity_ = std::chrono::steady_clock::now();
    std::shared_ptr<int> life_; ///< expires with the channel: a queued timer completion checks it
};

/// {"completed":true,"status":{"success","message"}} from the persisted v1 status frame.
std::string completed_reply(std::string_view final_status_json);
/// {"completed":false,"operationId","operationType":"user-interaction","fields","encrypted"} or
/// "operationType":"action" with "actions" (the prompt's JSON verbatim).
std::string prompt_reply(std::string_view operation_id, const core::prompt& p);
/// {"commands":["HEX",…]} (upper case, as fdsm sends).
std::string commands_reply(const std::vector<core::bytes>& commands);
/// {"commands":[]} where the client must not stop: for a connector/json naming an operation
/// that is not (or no longer) in its connector phase here — unknown after a restart, ended,
/// cut short by a hold, a shutdown or a resume elsewhere. The client goes back to service/fetch,
/// which is held or retried and names the operation again while its batch is outstanding.
http_response go_back_to_fetch();
/// The 503 a held fetch gets when nothing came within the hold time (the client retries at once).
http_response nothing_yet_response();

} // namespace tsm::transport::touch_point::fidesmo
