#pragma once
// Refusing an operation's request before anything is sent, as the CCM and DESFire operations do:
// 400 "bad-request" with the reason.
#include "tsm/core/ccm/card_context.hpp"
#include "tsm/core/operation.hpp"

#include <optional>
#include <string>
#include <utility>

namespace tsm::core {

inline operation_outcome bad_request(std::string message) {
    return failed_outcome(core::api_errc::bad_request, std::move(message));
}

/// The request's own validate() (found with the request type) as an outcome: bad-request with
/// its message, nullopt when the request is valid.
template <class Request>
std::optional<operation_outcome> refuse_invalid(const Request& request) {
    if (auto e = validate(request)) {
        return bad_request(std::move(*e));
    }
    return std::nullopt;
}

} // namespace tsm::core
