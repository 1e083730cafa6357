#pragma once
// The two answers every admin handler gives: a JSON body with 200, or an api_error.
#include "tsm/transport/http_types.hpp"

#include <string>
#include <utility>

namespace tsm::transport::admin {

inline http_response ok(std::string body) {
    http_response r;
    r.body = std::move(body);
    return r;
}

inline void fail(http_responder& respond, core::api_errc code, std::string message) {
    respond(make_error_response(core::make_api_error(code, std::move(message))));
}

} // namespace tsm::transport::admin
