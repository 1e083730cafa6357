#pragma once
/// The HTTP side of a Fidesmo touch point (the Fidesmo client protocol, section 1): requests
/// relative to a base URL (http://host[:port]/prefix/, a trailing / added, paths appended as
/// given), every one with the client headers fdsm sends (Content-Type on GETs too). Blocking,
/// one connection per request, each bounded by a timeout. Used by one thread.
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tsm::tools::touchpoint {

struct http_answer {
    int status = 0; ///< 0 = no answer (connection failed); `error` says why
    std::string body;
    std::string error;
};

class fidesmo_http_client {
public:
    /// nullopt with `error` set when `base_url` is not http://host[:port][/path].
    static std::optional<fidesmo_http_client> make(const std::string& base_url, std::string& error);

    /// `method` GET or POST; `path` relative to the base (no leading /); `body` sent as is.
    http_answer request(const std::string& method, const std::string& path, const std::string& body = {});

    /// Bound for one request, connect to last body byte. fdsm has no HTTP timeouts (the server
    /// may hold a long poll as long as it wants); the default is its 15-minute session bound.
    void set_timeout(std::chrono::milliseconds t) { timeout_ = t; }
    /// The value of the Authorization header on every request; empty = none.
    void set_authorization(std::string value) { authorization_ = std::move(value); }

    const std::string& host() const { return host_; }
    const std::string& port() const { return port_; }
    const std::string& base_path() const { return base_path_; }

private:
    std::string host_;
    std::string port_;
    std::string base_path_; ///< begins and ends with /
    std::string authorization_;
    std::chrono::milliseconds timeout_{std::chrono::minutes(15)};
};

/// The headers fdsm puts on every request and on the WebSocket upgrade (section 1).
std::vector<std::pair<std::string, std::string>> fidesmo_client_headers();

} // namespace tsm::tools::touchpoint
