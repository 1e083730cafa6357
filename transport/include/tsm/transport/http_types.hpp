#pragma once
/// Transport-level HTTP request/response values handed between the server and its handler.
/// No Beast types here: the handler (in tools/) does not need to know the HTTP library.
#include "tsm/core/api_error.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tsm::transport {

struct http_request {
    std::string method;                                       ///< "GET", "POST", ... (upper case as received)
    std::string target;                                       ///< request target, e.g. "/status/abc?x=1"
    std::vector<std::pair<std::string, std::string>> headers; ///< in arrival order
    std::string body;
    std::string remote; ///< "ip:port" of the peer
    unsigned shard = 0; ///< the shard whose thread serves this connection

    /// Case-insensitive header lookup; first match.
    std::optional<std::string_view> header(std::string_view name) const;
    /// target without the query string
    std::string_view path() const;
};

struct http_response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers; ///< extra headers (e.g. Retry-After)
};

/// Delivers the response for one request. Must be called exactly once; may be called from any
/// thread (the server moves the response onto the connection's shard).
using http_responder = std::function<void(http_response)>;

/// Builds the JSON error body `{"error":{"code":…,"message":…}}` with the given status.
http_response make_error_response(int status, std::string_view code, std::string_view message);
/// The same for an api_error: its status and wire code come from the one table (api_error.cpp);
/// 429 and 503 carry Retry-After: 1.
http_response make_error_response(const core::api_error& error);

} // namespace tsm::transport
