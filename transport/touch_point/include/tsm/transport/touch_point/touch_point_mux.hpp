#pragma once
/// The session services' one touch_point_port over several adapters: each call goes to the port
/// registered for the connection's `via` (the WebSocket gateway, the Fidesmo long-poll channels).
/// Ports are registered before the shards run, then the table is read-only: any thread.
#include "tsm/core/ports.hpp"

#include <array>
#include <cstdint>

namespace tsm::transport::touch_point {

/// The adapters' `via` tags.
enum class via : std::uint8_t {
    websocket = 0, ///< the gateway (protocol v1 and the Fidesmo WebSocket dialect)
    long_poll = 1, ///< the Fidesmo HTTP client API
};

class touch_point_mux final : public core::touch_point_port {
public:
    /// `port` outlives the mux. Call before the first session exists.
    void attach(via v, core::touch_point_port& port) noexcept {
        ports_[static_cast<std::uint8_t>(v)] = &port;
    }

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
    /// The port for `conn`, or nullptr (an unknown tag: the call is dropped, as for a vanished
    /// connection).
    core::touch_point_port* port(core::connection_ref conn) const noexcept {
        return conn.via < ports_.size() ? ports_[conn.via] : nullptr;
    }
    std::array<core::touch_point_port*, 2> ports_{};
};

} // namespace tsm::transport::touch_point
