#pragma once
// Small helpers shared by the session service's flow files (private to core/src/session).
#include "tsm/core/api_error.hpp"
#include "tsm/core/clock.hpp"
#include "tsm/core/ids.hpp"
#include "tsm/core/log.hpp"
#include "tsm/core/operation.hpp"
#include "tsm/core/records.hpp"

#include <string>
#include <string_view>

namespace tsm::core::session_detail {

/// Context under which resume tokens are hashed (tests and the bench hash tokens the same way).
inline constexpr std::string_view resume_context = "opentsm/resume-token/v1";

/// An operation outcome for an operation that ends without a card answer: code and statusCode
/// both from the api_errc table.
inline operation_outcome outcome_of(api_errc why, std::string message) {
    return failed_outcome(why, std::move(message));
}

/// A new SP operation as accepted now (its seq is the session's, or the store's in cluster mode).
inline operation_record accepted_operation(std::string app_id, std::string session_id, std::string kind,
                                           bytes payload, std::string callback_url) {
    operation_record rec;
    rec.operation_id = new_time_ordered_uuid();
    rec.session_id = std::move(session_id);
    rec.app_id = std::move(app_id);
    rec.kind = std::move(kind);
    rec.callback_url = std::move(callback_url);
    rec.state = operation_state::queued;
    rec.payload = std::move(payload);
    rec.accepted_ms = now_ms();
    return rec;
}

inline api_error error_of(api_errc why, std::string message) {
    return make_api_error(why, std::move(message));
}

inline void log_warn(const char* msg, std::string_view session_id, std::string_view detail) {
    log::warn(msg, {{"sessionId", session_id}, {"detail", detail}});
}

} // namespace tsm::core::session_detail
