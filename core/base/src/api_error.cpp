#include "tsm/core/api_error.hpp"

#include <array>
#include <stdexcept>

namespace tsm::core {
namespace {

struct row {
    api_errc code;
    std::string_view name;
    int status;
};

// The one table: wire code and HTTP status of every error. Order follows the enum.
constexpr std::array table{
    row{api_errc::bad_request, "bad-request", 400},
    row{api_errc::missing_header, "missing-header", 400},
    row{api_errc::bad_callback_url, "bad-callback-url", 400},
    row{api_errc::bad_cap, "bad-cap", 400},
    row{api_errc::unsupported_cap, "unsupported-cap", 400},
    row{api_errc::unauthorized, "unauthorized", 401},
    row{api_errc::not_found, "not-found", 404},
    row{api_errc::session_not_found, "session-not-found", 404},
    row{api_errc::unknown_device, "unknown-device", 404},
    row{api_errc::device_not_eligible, "device-not-eligible", 403},
    row{api_errc::method_not_allowed, "method-not-allowed", 405},
    row{api_errc::session_finished, "session-finished", 409},
    row{api_errc::payload_too_large, "payload-too-large", 413},
    row{api_errc::load_file_too_large, "load-file-too-large", 413},
    row{api_errc::data_too_large, "data-too-large", 413},
    row{api_errc::headers_too_large, "headers-too-large", 431},
    row{api_errc::too_many_operations, "too-many-operations", 429},
    row{api_errc::device_not_ready, "device-not-ready", 412},
    row{api_errc::internal_error, "internal-error", 500},
    row{api_errc::unavailable, "unavailable", 503},
    row{api_errc::overloaded, "overloaded", 503},
    row{api_errc::not_ready, "not-ready", 503},
    row{api_errc::no_card_keys, "no-card-keys", 412},
    row{api_errc::key_error, "key-error", 500},
    row{api_errc::authentication_failed, "authentication-failed", 500},
    row{api_errc::secure_channel_error, "secure-channel-error", 500},
    row{api_errc::secure_messaging_error, "secure-messaging-error", 500},
    row{api_errc::insecure_channel, "insecure-channel", 400},
    row{api_errc::card_error, "card-error", 500},
    row{api_errc::desfire_error, "desfire-error", 500},
    row{api_errc::touch_point_error, "touch-point-error", 500},
    row{api_errc::client_error, "client-error", 500},
    row{api_errc::session_expired, "session-expired", 504},
    row{api_errc::session_completed, "session-completed", 409},
    row{api_errc::delivery_refused, "delivery-refused", 409},
    row{api_errc::app_removed, "app-removed", 409},
    row{api_errc::recipe_session, "recipe-session", 409},
    row{api_errc::action_skipped, "action-skipped", 409},
};

constexpr bool table_follows_enum() {
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (static_cast<std::size_t>(table[i].code) != i) {
            return false;
        }
    }
    return true;
}
static_assert(table_follows_enum(), "api_error table rows must follow the enum order");
static_assert(table.size() == static_cast<std::size_t>(api_errc::action_skipped) + 1,
              "every api_errc needs a row");

} // namespace

std::string_view code_name(api_errc e) noexcept {
    return table[static_cast<std::size_t>(e)].name;
}

int http_status(api_errc e) noexcept {
    return table[static_cast<std::size_t>(e)].status;
}

std::optional<api_errc> parse_api_errc(std::string_view code) noexcept {
    for (const auto& r : table) {
        if (r.name == code) {
            return r.code;
        }
    }
    return std::nullopt;
}

void throw_exception_from_error(const api_error& e, const boost::source_location&) {
    throw std::runtime_error(std::string(code_name(e.code)) + ": " + e.message);
}

} // namespace tsm::core
