#pragma once
/// The touch-point side of the /touchpoint/v1 protocol: describe, collect the description's
/// fieldsRequired, deliver (announcing the "user-interaction" feature), then answer command
/// batches from a card and user-interaction / user-action steps from the user until the final
/// status, resuming the session on a new connection when the old one is lost. Synchronous; owns
/// one connection at a time; one run() per instance.
#include "touchpoint/card.hpp"
#include "touchpoint/frame_channel.hpp"
#include "touchpoint/touchpoint_options.hpp"
#include "touchpoint/user_prompts.hpp"

#include <boost/json/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

namespace tsm::tools::touchpoint {

class touchpoint_driver {
public:
    /// `out` gets progress lines (and APDU traces with --trace-apdu); `err` gets diagnostics.
    touchpoint_driver(touchpoint_options opts, card& c, channel_factory connect, std::ostream& out,
                      std::ostream& err);

    /// Pause before resume attempt k is k times this (default 500 ms).
    void set_reconnect_delay(std::chrono::milliseconds d) { reconnect_delay_ = d; }

    /// Where fields without a --fields value are asked (nullptr, the default: nowhere, such a
    /// field fails the delivery). tsm-touchpoint passes std::cin.
    void set_terminal(std::istream* in) { prompts_.set_terminal(in); }

    /// Runs the whole delivery; returns an exit_code.
    int run();

    ~touchpoint_driver();
    touchpoint_driver(const touchpoint_driver&) = delete;
    touchpoint_driver& operator=(const touchpoint_driver&) = delete;

    /// Session id once the server granted one (empty before).
    const std::string& session_id() const { return session_id_; }
    int reconnects() const { return reconnects_; }

private:
    enum class outcome { next, lost, finished };

    std::string describe_frame() const;
    std::string deliver_frame(const prompt_answer& fields) const;
    std::string resume_frame() const;
    bool reconnect(const std::string& reason);
    outcome handle_frame(const std::string& frame);
    outcome on_commands(const boost::json::object& o);
    outcome on_status(const boost::json::object& o);
    outcome on_user_interaction(const boost::json::object& o);
    outcome on_user_action(const boost::json::object& o);
    /// Sends the user-input frame for `operation_id` (and keeps it for a re-sent prompt).
    outcome send_user_input(const std::string& operation_id, const prompt_answer& a);
    /// Ends the session as CLIENT_ERROR with `what`; `code` is the exit code.
    outcome client_error(const std::string& what, int code);
    outcome protocol_error(const std::string& what);
    outcome card_lost(const std::string& what);
    bool send(const std::string& frame, std::string& error);

    touchpoint_options opts_;
    card& card_;
    channel_factory connect_;
    std::ostream& out_;
    std::ostream& err_;
    std::unique_ptr<frame_channel> ch_;
    std::chrono::milliseconds reconnect_delay_{500};
    std::string session_id_;
    std::string resume_token_;
    int reconnects_ = 0;
    int exit_ = exit_ok;
    // The last answered batch: after a resume the server re-sends an unanswered batch with the
    // same number, and the card must not see those APDUs twice (they may not be idempotent).
    std::optional<std::int64_t> last_batch_;
    std::string last_responses_frame_;
    user_prompts prompts_;
    // The last answered prompt: after a resume the server re-sends an unanswered prompt, and the
    // user must not be asked twice (the same answer goes again). Wiped when replaced.
    std::string last_input_operation_;
    std::string last_input_frame_;
};

} // namespace tsm::tools::touchpoint
