#pragma once
// Small helpers shared by the session service's flow files (private to core/src/session).
#include "tsm/core/api_error.hpp"
#include "tsm/core/log.hpp"
#include "tsm/core/operation.hpp"

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

inline api_error error_of(api_errc why, std::string message) {
    return make_api_error(why, std::move(message));
}

inline void log_warn(const char* msg, std::string_view session_id, std::string_view detail) {
    log::warn(msg, {{"sessionId", session_id}, {"detail", detail}});
}

} // namespace tsm::core::session_detail
