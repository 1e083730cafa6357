#pragma once
/// Every error the product answers with: SP API and admin API responses, touch-point error frames
/// and the error part of SP callbacks. One enum, one table (api_error.cpp) giving each its wire
/// code ("bad-request") and HTTP status; nothing else spells a code or picks a status.
/// Pure values: usable on any thread.
#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tsm::core {

enum class api_errc : std::uint8_t {
    // Requests the caller must change.
    bad_request,         ///< 400 malformed body, header or parameter
    missing_header,      ///< 400 a required header (sessionId, callbackUrl) is absent
    bad_callback_url,    ///< 400 callbackUrl outside the app's registered prefixes
    bad_cap,             ///< 400 not a CAP file
    unsupported_cap,     ///< 400 a CAP feature the server does not load
    unauthorized,        ///< 401 credentials missing or wrong
    not_found,           ///< 404 no such resource (route, app, load file, operation)
    session_not_found,   ///< 404 no such session for this app
    unknown_device,      ///< 404 the device (CIN) is not in the device registry
    device_not_eligible, ///< 403 the device's record rules the service out (e.g. no fixed UID)
    method_not_allowed,  ///< 405
    session_finished,    ///< 409 the session has ended
    payload_too_large,   ///< 413 body over the limit
    load_file_too_large, ///< 413 CAP over the limit
    data_too_large,      ///< 413 storedata over the limit
    headers_too_large,   ///< 431
    too_many_operations, ///< 429 queue of the session full
    device_not_ready,    ///< 412 not possible in the device's current state (e.g. no keys yet)
    // Server side.
    internal_error, ///< 500
    unavailable,    ///< 503 retry later (store, SP or shutdown)
    overloaded,     ///< 503 connection limit reached
    not_ready,      ///< 503 starting up
    // Outcomes of operations and sessions (callback bodies and final statuses).
    no_card_keys,           ///< 412 no keys registered for the card
    key_error,              ///< 500 stored keys do not open or are damaged
    authentication_failed,  ///< 500 the card did not prove the keys (GP or DESFire)
    secure_channel_error,   ///< 500 the secure channel could not open or broke mid-script
    secure_messaging_error, ///< 500 a DESFire response MAC or cryptogram did not verify
    insecure_channel,       ///< 400 the request needs a security level the card keys lack
    card_error,             ///< 500 a command got an error status word (command and SW named)
    desfire_error,          ///< 500 a DESFire status other than OK (command and status named)
    touch_point_error,      ///< 500 the touch point answered out of protocol
    client_error,           ///< 500 the touch point aborted
    session_expired,        ///< 504 no progress within the expiry
    session_completed,      ///< 409 the SP ended the session before this operation ran
    delivery_refused,       ///< 409 the SP refused the delivery
    app_removed,            ///< 409 the app was deleted during the session
    recipe_session,         ///< 409 an SP call on a session that runs a stored recipe
    action_skipped,         ///< 409 a recipe action not run because an earlier one failed
};

/// The wire code, e.g. "session-not-found".
std::string_view code_name(api_errc e) noexcept;
/// The HTTP status an API answers with (for outcomes: the statusCode of the callback).
int http_status(api_errc e) noexcept;
/// The enum for a wire code (callbacks read back after a restart, tests).
std::optional<api_errc> parse_api_errc(std::string_view code) noexcept;

/// An error with its human message (never holds secrets).
struct api_error {
    api_errc code = api_errc::internal_error;
    std::string message;

    int status() const noexcept { return http_status(code); }
    std::string_view name() const noexcept { return code_name(code); }
};

inline api_error make_api_error(api_errc code, std::string message) {
    return api_error{code, std::move(message)};
}

/// Found by argument-dependent lookup when value() is called on a result holding an error.
[[noreturn]] void throw_exception_from_error(const api_error& e, const boost::source_location& loc);

/// A value or the error that prevented it. Decoders and validators return it.
template <class T>
using api_result = boost::system::result<T, api_error>;

/// Success without a value.
using api_status = api_result<void>;

} // namespace tsm::core
