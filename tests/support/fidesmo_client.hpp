#pragma once
/// A Fidesmo-style long-poll touch point for the integration tests, behaving as fdsm does
/// (docs: the client protocol reference §1, §3): fdsm's headers on every request (Content-Type
/// JSON on GETs too), the fetch loop (204: 500 ms pause, same body, at most 5; 503: again at once),
/// and the connector loop that runs every command whatever its status word. Every loop is bounded
/// in count and time. Blocking calls over real sockets on 127.0.0.1.
#include "net_clients.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tsm::test {

class fidesmo_client {
public:
    /// `prefix` is the base path fdsm appends to ("/v3", "/v2" or "").
    explicit fidesmo_client(unsigned short port, std::string prefix = "/v3")
        : port_(port), prefix_(std::move(prefix)) {}

    /// The port to use from now on (tsmd restarted on another one).
    void set_port(unsigned short port) noexcept { port_ = port; }

    http_reply describe(const std::string& app, const std::string& service, const std::string& cin = {});
    http_reply deliver(const boost::json::object& body);
    /// deliver with a cardId of the test card; returns the sessionId (test fails without one).
    std::string deliver_ok(const std::string& app, const std::string& service,
                           const boost::json::object& extra = {});
    http_reply fetch(const std::string& session_id, const std::optional<boost::json::object>& result = {},
                     std::chrono::milliseconds timeout = std::chrono::seconds(40));
    http_reply connector(const std::string& operation_id, const std::vector<std::string>& responses);
    http_reply client_error(const std::string& session_id, const std::string& message);
    /// POST with fdsm's headers and a raw body (bad-input tests).
    http_reply post(const std::string& path, const std::string& body);

    struct fetch_outcome {
        http_reply reply;    ///< the first 2xx other than 204, or the last reply when the loop gave up
        int unavailable = 0; ///< 503s seen on the way (each retried at once)
        int no_content = 0;  ///< 204s seen
        int transport_failures = 0;
    };
    /// fdsm's fetch loop until a step or the end. Transport failures (tsmd restarting) are retried
    /// after 100 ms when `tolerate_restart`; bounded by `deadline`.
    fetch_outcome fetch_loop(const std::string& session_id, std::chrono::milliseconds deadline,
                             bool tolerate_restart = false);
    /// fetch_loop expecting a transceive step; returns its operationId (empty when none came).
    std::string next_operation(const std::string& session_id,
                               std::chrono::milliseconds deadline = std::chrono::seconds(20));

    /// What one operation's connector loop saw.
    struct exchange {
        std::vector<std::vector<std::string>> batches; ///< commands, per connector reply
        std::vector<std::string> bodies;               ///< every connector reply body
        int responses_sent = 0;
        bool ended = false; ///< commands [] came back
        int last_status = 0;
    };
    /// Runs between the card's answers to batch `round` (from 0) and their post: what happens
    /// while the card works (tsmd restarted, say).
    using between_batches = std::function<void(int round)>;
    /// The connector loop for `operation_id`: every command goes to `card` (whatever the status
    /// word of the one before), the answers are posted, until commands come back empty (at most
    /// `max_rounds` replies). As fdsm, any non-2xx ends the loop (last_status tells).
    exchange run_operation(const std::string& operation_id,
                           const std::function<std::string(const std::string&)>& card, int max_rounds = 40,
                           const between_batches& meanwhile = {});

    header_list headers() const;

private:
    std::string url(const std::string& path) const { return prefix_ + "/" + path; }
    unsigned short port_;
    std::string prefix_;
};

/// The test card of the integration tests, as fdsm sends it.
boost::json::object test_card_id();

} // namespace tsm::test
