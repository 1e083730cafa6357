#pragma once
/// The Fidesmo WebSocket dialect (docs/fidesmo-compat.md; the client side is fdsm's `--run ws://…`
/// and the Fidesmo SDKs' batching). The client never speaks first: the URL it connects to,
/// `/v3/ws/apps/{appId}/services/{serviceId}?cin={CIN}[&field=value…]` (or without `/v3`), names
/// the delivery, and the server drives it:
///   server → {"type":"id","value":"<sessionId>"}                 the session exists
///   server → {"type":"commands","commands":["HEX",…]}            one batch (no number, no stopOnError)
///   client → {"type":"responses","responses":["hex",…]}          answers the one outstanding batch
///   server → {"type":"status","code":"OK"|"FAILED","message":"…"} the end, then close 1000
///   client → {"type":"status","code":"CLIENT_ERROR","message":"…"} the client gave up
/// A refused delivery (unknown app, service or device, the SP refusing) is a status frame with
/// the error's code in upper case ("UNKNOWN_DEVICE", "NOT_FOUND", …), then close 1000. A frame the
/// server cannot read, or one the protocol does not allow (e.g. more answers than commands), is
/// a "BAD_REQUEST" status and close (1002, or 1000 when core refused the answers). The client
/// takes any status frame as the end, so the session the connection carries, if one exists, is
/// then failed as on CLIENT_ERROR: its operations get their failure callbacks at once.
/// Pure functions: any thread (the decoder uses the calling thread's parser).
#include "tsm/transport/touch_point/dialect.hpp"
#include "tsm/transport/touch_point/message.hpp"

#include "tsm/core/api_error.hpp"
#include "tsm/core/operation.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::transport::touch_point::fidesmo_ws {

inline constexpr std::string_view path = "/v3/ws/apps/{appId}/services/{serviceId}";
inline constexpr std::string_view unprefixed_path = "/ws/apps/{appId}/services/{serviceId}";

/// Query parameters besides `cin` (the delivery's fields) a URL may carry.
inline constexpr std::size_t max_fields = 32;

/// The delivery a connection's target names: a deliver message with the app, the service, the
/// CIN (upper-cased) and the other query parameters as string fields; the device comes from the
/// registry and the session id is the resume token.
[[nodiscard]] core::api_result<message> opening(std::string_view target);

/// Decodes and checks one client frame: responses, or status CLIENT_ERROR. Members not listed in
/// the protocol are ignored.
[[nodiscard]] core::api_result<message> decode(std::string_view frame, const limits& lim);

namespace frames {
std::string id(std::string_view session_id);
std::string commands(const core::apdu_batch& batch);
std::string status(std::string_view code, std::string_view message);
/// A status frame for a refusal: the error's code in upper case, its message.
std::string error(const core::api_error& error);
/// The status frame for a session's end, from the persisted v1 status frame: its code (OK or
/// FAILED) and its message as text (a multilanguage message gives its "en" text, else its first).
std::string final_status(std::string_view v1_status_json);
/// "unknown-device" → "UNKNOWN_DEVICE".
std::string status_code(std::string_view error_name);
} // namespace frames

/// The dialect, with its limits.
class codec final : public dialect {
public:
    explicit codec(limits lim = {}) : limits_(lim) {}

    std::vector<std::string> paths() const override {
        return {std::string(fidesmo_ws::path), std::string(unprefixed_path)};
    }
    [[nodiscard]] core::api_result<std::optional<message>> opening(std::string_view target) const override;
    [[nodiscard]] core::api_result<message> decode(std::string_view frame) const override;
    bool runs_every_command() const noexcept override { return true; }
    std::uint16_t close_after_error() const noexcept override { return 1000; }
    std::uint16_t close_after_bad_frame() const noexcept override { return 1002; }

    std::string commands(std::uint64_t batch_number, std::string_view operation_id,
                         const core::apdu_batch& batch) const override;
    /// Not in this dialect (its clients never ask): nothing is sent.
    std::string description(std::string_view app_id, std::string_view service_id,
                            std::string_view description_json) const override;
    /// The id frame: the session id is the client's only handle.
    std::string session(std::string_view session_id, std::string_view resume_token) const override;
    /// Not in this dialect (a connection never resumes): nothing is sent.
    std::string resumed(std::string_view session_id) const override;
    std::string error(const core::api_error& error) const override;
    std::string final_status(std::string_view final_status_json) const override;

private:
    limits limits_;
};

} // namespace tsm::transport::touch_point::fidesmo_ws
