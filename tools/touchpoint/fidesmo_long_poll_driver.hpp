#pragma once
/// `tsm-touchpoint --protocol fidesmo`: one service delivery over the Fidesmo long-poll client
/// API, as fdsm runs it (the Fidesmo client protocol, sections 2 and 3): identify the card,
/// devices/{cin}, the service description, service/deliver, then service/fetch and
/// connector/json until the final status, answering user-interaction and action steps with the
/// user's input (the next fetch's operationResult); service/error on any client-side failure.
/// Synchronous; one run() per instance.
#include "touchpoint/card.hpp"
#include "touchpoint/fidesmo_http_client.hpp"
#include "touchpoint/touchpoint_options.hpp"
#include "touchpoint/user_prompts.hpp"

#include <boost/json/fwd.hpp>

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>

namespace tsm::tools::touchpoint {

class fidesmo_long_poll_driver {
public:
    fidesmo_long_poll_driver(touchpoint_options opts, card& c, fidesmo_http_client http, std::ostream& out,
                             std::ostream& err);

    /// Pause between the answers 204 to a fetch (fdsm: 500 ms, at most five times).
    void set_not_ready_pause(std::chrono::milliseconds d) { not_ready_pause_ = d; }

    /// Where fields without a --fields value are asked (nullptr, the default: nowhere).
    void set_terminal(std::istream* in) { prompts_.set_terminal(in); }

    /// Runs the whole delivery; returns an exit_code.
    int run();

    const std::string& session_id() const { return session_id_; }

private:
    struct failure {
        int code;
        std::string message;
    };
    struct device {
        std::string cin_hex;
        std::optional<std::int64_t> batch_id;
        std::string iin_hex;
        std::int64_t platform_version = 0;
    };

    std::optional<failure> identify(device& d);
    std::optional<failure> describe_and_deliver(const device& d);
    std::optional<failure> delivery_loop();
    std::optional<failure> transceive(const std::string& operation_id);
    /// Whether a request whose connection was lost may be sent again: only those a repeat cannot
    /// change (GETs, a connector/json without responses). service/deliver and connector/json
    /// carrying responses are sent once, as fdsm does.
    enum class resend { allowed, never };
    /// One request; with resend::allowed a lost connection is retried up to --max-reconnects
    /// times with the same body. nullopt answer = failure set.
    std::optional<boost::json::object> call(const std::string& method, const std::string& path,
                                            const std::string& body, resend on_lost,
                                            std::optional<failure>& fail);
    std::string deliver_body(const device& d, const boost::json::object& description,
                             const prompt_answer& fields) const;
    /// The next fetch's body answering a user-interaction or action step; nullopt with `fail`.
    std::optional<std::string> operation_result(const boost::json::object& step,
                                                std::optional<failure>& fail);
    void report_client_error(const std::string& message);

    touchpoint_options opts_;
    card& card_;
    fidesmo_http_client http_;
    std::ostream& out_;
    std::ostream& err_;
    std::chrono::milliseconds not_ready_pause_{500};
    std::string session_id_;
    user_prompts prompts_;
    // The last answered step: the same step again gets the same answer (the user is asked once).
    std::string last_answered_operation_;
    std::string last_answer_body_;

public:
    ~fidesmo_long_poll_driver();
    fidesmo_long_poll_driver(const fidesmo_long_poll_driver&) = delete;
    fidesmo_long_poll_driver& operator=(const fidesmo_long_poll_driver&) = delete;
};

} // namespace tsm::tools::touchpoint
