#pragma once
/// Asynchronous HTTP/1.1 client for calls to Service Providers (descriptions, delivery requests,
/// callbacks). One instance per shard, used only from that shard's thread. Keeps idle keep-alive
/// connections per (scheme, host, port) and reuses them; https uses Asio SSL over OpenSSL.
/// A slow peer never blocks the shard: every step is asynchronous and bounded by a timeout.
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace tsm::transport {

/// Errors the client produces itself. Other transport failures (connection refused, DNS, TLS
/// verification) arrive as the underlying system / asio / ssl codes converted to std::error_code.
enum class http_client_errc {
    invalid_url = 1,    ///< not an absolute http(s) URL
    invalid_request,    ///< method or header not representable on the wire (e.g. CR/LF in a value)
    timeout,            ///< connect_timeout or the request timeout elapsed
    cancelled,          ///< shutdown() was called before or while the request ran
    response_too_large, ///< body over max_response_bytes, header block over 16 KiB, or a chunk
                        ///< header line / trailer section over 64 KiB more
    internal,           ///< unexpected exception inside the client
};
const std::error_category& http_client_category() noexcept;
std::error_code make_error_code(http_client_errc e) noexcept;

struct http_client_options {
    /// As many as a host may have in flight (tsmd: callbacks.max_in_flight_per_host, 64): a
    /// smaller pool closes the surplus after every burst and reconnects on the next (perf:
    /// connect, socket and close were ~2.5 % of tsmd CPU with 16 under closed-loop load, gone at 64).
    std::size_t max_idle_per_host = 64;
    std::size_t max_response_bytes = 1 << 20;
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds request_timeout{10000}; ///< default per request: connect + write + read
    std::chrono::seconds idle_keepalive{30};          ///< idle pooled connections older: dropped
    bool verify_tls = true;                           ///< verify peer certificate and host name
    std::string ca_file;                              ///< extra trusted CA (PEM); system store always used
};

struct http_client_request {
    std::string method = "GET";
    std::string url; ///< absolute http:// or https:// URL
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body; ///< sent with Content-Type application/json unless a header says otherwise
    std::chrono::milliseconds timeout{0}; ///< 0: the client's request_timeout
};

struct http_client_response {
    std::error_code ec; ///< transport failure (DNS, connect, TLS, timeout, malformed URL); status 0
    int status = 0;
    std::string body;
    std::string content_type;
};

class http_client {
public:
    using handler = std::function<void(http_client_response)>;

    http_client(boost::asio::io_context& ioc, http_client_options opts);
    /// Requests still in flight complete normally (the state they need is shared); their
    /// connections are then closed instead of pooled.
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    /// Starts a request; `done` runs on this client's io_context exactly once, never inside this
    /// call. A request sent on a pooled connection that the peer had closed (failure before any
    /// response byte) is sent once more on a fresh connection, within the same timeout.
    void request(http_client_request req, handler done);
    /// Closes pooled connections and cancels requests in flight (their handlers get an error).
    /// Terminal: requests started afterwards complete with http_client_errc::cancelled.
    void shutdown();
    /// Connections opened so far (for metrics and tests of keep-alive reuse).
    std::uint64_t connections_opened() const noexcept;
    /// Idle keep-alive connections currently pooled, all hosts together.
    std::size_t idle_connections() const noexcept;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

/// Parsed absolute URL (http/https only).
struct parsed_url {
    bool tls = false;
    std::string host;   ///< lower-cased name, or IP literal (IPv6 without brackets)
    std::string port;   ///< numeric string; defaults 80/443
    std::string target; ///< path + query, at least "/"
};
/// Parses an absolute http(s) URL; false on anything else.
bool parse_http_url(const std::string& url, parsed_url& out);

} // namespace tsm::transport

namespace std {
template <>
struct is_error_code_enum<tsm::transport::http_client_errc> : true_type {};
} // namespace std
