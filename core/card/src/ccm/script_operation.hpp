#pragma once
// Private: the engine shared by the CCM operations. Round 1 = SELECT ISD + INITIALIZE UPDATE;
// then EXTERNAL AUTHENTICATE + the operation's script, wrapped up front, in one stopOnError batch;
// further batches only when a subclass reacts to a status word (or the touch point answers part
// of a batch). See operations.hpp for the scripts and round-trip counts.
#include "secure_channel.hpp"

#include "tsm/core/ccm/card_context.hpp"
#include "tsm/core/operation.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace tsm::core::ccm::detail {

enum class role : std::uint8_t {
    select,
    initialize_update,
    external_authenticate,
    get_status,
    install_for_load,
    load,
    install_for_install,
    install_for_personalization,
    store_data,
    delete_object,
    sp_command, ///< one of the SP's own commands (/secure-transceive); detail names its index
};

/// The name used in error_command.
std::string_view command_name(role r) noexcept;

struct script_command {
    role r;
    bytes apdu;         // plain
    std::string detail; // e.g. "block 2 of 5", appended to error messages
};

/// A subclass's answer to a status word other than 9000/61xx.
struct failure_decision {
    enum class kind : std::uint8_t { fail, accept, replace } what = kind::fail;
    std::vector<script_command> replacement; // replace: the new remaining script
    operation_outcome outcome;               // fail
};

class script_operation : public operation {
public:
    operation_step start() final;
    operation_step on_responses(std::vector<bytes> responses) final;

protected:
    explicit script_operation(card_context ctx) : ctx_(std::move(ctx)) {}

    /// Request checks before anything is sent; an outcome = refuse.
    virtual std::optional<operation_outcome> check() const = 0;
    /// The commands after EXTERNAL AUTHENTICATE; `max_data` = plain data bytes per command.
    virtual std::variant<std::vector<script_command>, operation_outcome> plan(std::size_t max_data) = 0;
    /// Default: card_error().
    virtual failure_decision on_failure(const script_command& c, std::uint16_t sw);
    /// True when a failure of `c` may be accepted or replaced by on_failure (not only reported):
    /// the batch then marks it as a continue point (apdu_batch::continue_points). Default: false.
    virtual bool may_go_on_after_failure(const script_command& c) const;
    /// False when the success outcome must carry no responses (their answers are the SP's
    /// secrets and are not relayed). Default: true.
    virtual bool reports_responses() const;

    static operation_outcome card_error(role r, std::string_view detail, std::uint16_t sw);
    const card_context& ctx() const noexcept { return ctx_; }

private:
    enum class phase : std::uint8_t { idle, opening, running, done };

    operation_step finish(operation_outcome o);
    operation_step on_open(std::vector<bytes>& responses);
    operation_step on_script(std::vector<bytes>& responses);
    operation_step send_pending();
    bool resync();

    card_context ctx_;
    phase phase_ = phase::idle;
    bytes host_challenge_;
    bytes init_update_data_;
    std::optional<secure_channel> channel_;
    bool authenticated_ = false; // EXTERNAL AUTHENTICATE answered 9000
    bool in_sync_ = true;        // channel_ state == the card's
    std::vector<bytes> history_; // plain commands the card answered after EXTERNAL AUTHENTICATE
    std::deque<script_command> pending_;
    std::vector<wrapped_command> in_flight_; // the batch out, ext auth first when !authenticated_
    std::vector<bytes> transcript_;
    bytes ext_auth_apdu_;
    int rounds_ = 0;
};

} // namespace tsm::core::ccm::detail
