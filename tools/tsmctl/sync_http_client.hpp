#pragma once
/// Blocking HTTP/1.1 client for the developer tools (tsmctl, example_sp, tests): one request per
/// call on a fresh connection, bounded by a timeout. Plain http:// only. Thread safe: every call
/// owns its own io_context and socket, so any thread may call it concurrently.
#include <chrono>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace tsm::tools {

struct sync_http_request {
    std::string method = "GET";
    std::string url; ///< absolute http:// URL, path and query included
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body; ///< sent with Content-Type application/json when non-empty
    std::chrono::milliseconds timeout{10000};
};

struct sync_http_response {
    std::error_code ec; ///< transport failure (bad URL, connect, timeout); status is then 0
    std::string error;  ///< human-readable detail for `ec`
    int status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

/// Performs `req` and returns the response; never throws.
sync_http_response http_call(const sync_http_request& req);

/// Appends `segment` to `out` percent-encoded as one URL path segment (RFC 3986 unreserved kept).
void append_path_segment(std::string& out, std::string_view segment);

} // namespace tsm::tools
