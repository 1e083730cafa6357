#pragma once
/// The Fidesmo long-poll dialect's touch-point adapter (docs/fidesmo-compat.md): a delivery
/// session's "connection" is a channel, kept on the session's owner shard, that stores what the
/// engine said until the client fetches it and holds the client's fetch and connector requests
/// until there is something to answer (see src/fidesmo/channel.hpp).
///  - Client side (client_api calls these on the request's shard): each request is handed to the
///    shard that owns its session (connector/json: first to the shard that owns the operation id,
///    whose route table names the session). Every request is answered exactly once.
///  - Engine side: core's touch_point_port for connections with via = long_poll (the mux forwards
///    them), called on the session's owner shard, which is also the channel's shard.
/// Every connection_ref made here has via = long_poll and runs_every_command = true: the client
/// runs every command of a batch whatever its status word.
/// Thread safety: entry points from any shard thread; start/shutdown from the main thread.
#include "tsm/transport/touch_point/message.hpp"

#include "tsm/core/ports.hpp"
#include "tsm/core/record_store.hpp"
#include "tsm/core/session_service.hpp"
#include "tsm/core/shard_runtime.hpp"
#include "tsm/transport/http_types.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tsm::transport::touch_point::fidesmo {

class channel;
class channel_table;

/// A service/fetch's operationResult: the client's answer to a user-interaction or action step
/// (a statusCode other than 200 is a declined prompt). Field values are user secrets.
struct operation_result {
    std::string operation_id; ///< lower case
    core::user_input input;
};

struct long_poll_options {
    /// How long a fetch is held when the session has nothing for the client (then 503, which the
    /// client retries at once). Config [fidesmo] fetch_hold_ms.
    std::chrono::milliseconds fetch_hold{25000};
    /// A channel nobody asked about for this long is dropped (its session is unbound; a later
    /// fetch binds it again, as after a restart).
    std::chrono::milliseconds idle_channel{120000};
    /// A channel whose session ended is kept this long for the client to fetch the end (a later
    /// fetch still gets it from the session's record).
    std::chrono::milliseconds ended_retention{30000};
    std::chrono::milliseconds sweep_interval{1000};
    limits body_limits; ///< responses per connector/json, bytes per response
};

class long_poll final : public core::touch_point_port {
public:
    /// `contexts[i]` is shard i's io_context. Everything outlives the adapter.
    long_poll(core::shard_runtime& runtime, core::record_store& store,
              std::vector<boost::asio::io_context*> contexts, long_poll_options opts);
    ~long_poll() override;
    long_poll(const long_poll&) = delete;
    long_poll& operator=(const long_poll&) = delete;

    /// Starts each shard's sweep (main thread, shards running).
    void start();
    /// Stops the sweeps and answers what is held (main thread, before the sessions stop): held
    /// fetches and waiting describes get 503 (the client retries the fetch at once, against the
    /// next process), held connectors {"commands":[]} (back to fetch); requests after this are
    /// answered the same way at once. A pending deliver is answered by the engine as it drains.
    void shutdown();

    // ---- client API (the request's shard thread)
    /// GET apps/{appId}/services/{serviceId}?cin=: the SP's description; with a registered
    /// device, after the device check of the description's requirements.
    void describe(std::string app_id, std::string service_id, std::string cin, http_responder respond);
    /// POST service/deliver: {"sessionId"} once the session is stored.
    void deliver(core::delivery_request req, http_responder respond);
    /// POST service/fetch.
    /// `result`: the fetch's operationResult (the answer to a user-interaction or action step),
    /// applied once.
    void fetch(std::string session_id, http_responder respond,
               std::optional<operation_result> result = std::nullopt);
    /// POST connector/json. An operation id with no live operation here (a new process, an ended
    /// or superseded exchange, shutdown) gets {"commands":[]}, never a "retry later" error.
    void connector(std::string operation_id, std::vector<core::bytes> responses, http_responder respond);
    /// POST service/error: the session fails as CLIENT_ERROR; 204.
    void client_error(std::string session_id, std::string message, http_responder respond);

    const limits& body_limits() const noexcept { return opts_.body_limits; }
    /// Fetches held right now (all shards): the held-fetches gauge.
    std::int64_t held_fetches() const noexcept { return held_.load(std::memory_order_relaxed); }

    // ---- touch_point_port (the session's owner shard)
    void send_commands(core::connection_ref conn, std::uint64_t batch_number, std::string_view operation_id,
                       const core::apdu_batch& batch) override;
    void send_description(core::connection_ref conn, std::string_view app_id, std::string_view service_id,
                          std::string_view description_json) override;
    void send_session(core::connection_ref conn, std::string_view session_id,
                      std::string_view resume_token) override;
    void send_resumed(core::connection_ref conn, std::string_view session_id) override;
    void send_error(core::connection_ref conn, const core::api_error& error) override;
    void send_final_status(core::connection_ref conn, std::string_view final_status_json) override;
    void close(core::connection_ref conn, std::uint16_t code, std::string reason) override;
    void send_operation_done(core::connection_ref conn, std::string_view operation_id) override;
    void send_user_interaction(core::connection_ref conn, std::string_view operation_id,
                               const core::prompt& p) override;

private:
    channel_table& table(unsigned shard) { return *tables_[shard]; }
    /// A new channel for `session_id` on this (its owner) shard.
    channel& open_channel(core::shard_services& s, const std::string& session_id);
    /// Drops the channel once it owes the client nothing.
    void settle(unsigned shard, std::uint64_t id);
    /// What the engine's bound(false) means for a channel: the engine let go of it.
    std::function<void(bool)> on_bound(unsigned shard, std::uint64_t id);
    void schedule_sweep(unsigned shard);
    void sweep(unsigned shard);

    core::shard_runtime& runtime_;
    core::record_store& store_;
    std::vector<boost::asio::io_context*> contexts_;
    long_poll_options opts_;
    std::vector<std::unique_ptr<channel_table>> tables_;             ///< one per shard
    std::vector<std::unique_ptr<boost::asio::steady_timer>> sweeps_; ///< one per shard
    std::atomic<std::int64_t> held_{0};
    std::atomic<bool> stopping_{false};
};

} // namespace tsm::transport::touch_point::fidesmo
