#pragma once
/// The operation interface: a state machine that turns the previous APDU batch's responses into
/// the next batch or a final outcome. Transceive needs one batch; secure-channel and DESFire
/// operations need several (a live card challenge must be answered before the script goes on).
#include "tsm/core/api_error.hpp"
#include "tsm/core/hex.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tsm::core {

struct apdu_batch {
    std::vector<bytes> commands;
    bool stop_on_error = false; ///< the touch point stops at the first SW other than 9000/61xx
    /// Stop-on-error batches: the commands whose failure the operation goes on from (e.g. INSTALL
    /// [for load] refused because the load file is already there). A touch point that cannot stop
    /// on error is handed the batch in parts ending at these, so the card runs nothing after such
    /// a failure. Indexes into `commands`, ascending.
    std::vector<std::size_t> continue_points;
};

/// A question for the user, asked through the touch point (user-interaction and user-action
/// operations): the fields to fill in (same schema as a description's fieldsRequired) or the
/// actions to show and acknowledge. `json` is the array as the SP sent it, re-rendered canonical
/// by the transport that decoded it; touch points get it verbatim.
struct prompt {
    enum class kind : std::uint8_t { fields, actions };
    kind type = kind::fields;
    std::string json;       ///< a JSON array
    bool encrypted = false; ///< fields: the touch point encrypts each value (docs/user-interaction.md)
};

/// The touch point's answer to a prompt. Field values are user secrets: never logged, stored only
/// sealed, wiped after use.
struct user_input {
    std::string fields_json;   ///< JSON object {id: value} (fields prompts; empty for actions)
    std::string ephemeral_key; ///< hex, RSA-OAEP-wrapped AES key of encrypted values; empty = none
    bool declined = false;     ///< the user refused to answer
};

/// The final result of an operation; becomes the SP callback body.
struct operation_outcome {
    int status_code = 200; ///< HTTP-style: 200 success, anything else failure
    std::vector<bytes> responses;
    std::string error_code; ///< set when status_code != 200
    std::string error_message;
    std::string error_command; ///< card errors: the command that failed, e.g. "INSTALL [for install]"
    std::string error_sw;      ///< card errors: its status word, e.g. "6A80"
    /// User input (user-interaction): the callback carries these raw JSON members (e.g.
    /// `"fields":{…},"ephemeralKey":"…"`, no leading comma) instead of `responses`, and the
    /// result and its callback are stored sealed. Wiped once rendered.
    std::string user_input_members;
    bool holds_user_input = false;
};

/// What an operation wants next: another batch, an answer from the user, or it is finished
/// (exactly one is set). A prompt consumes no batch number: its answer names the operation.
struct operation_step {
    std::optional<apdu_batch> batch;
    std::optional<operation_outcome> outcome;
    std::optional<core::prompt> question;

    static operation_step send(apdu_batch b) { return {std::move(b), std::nullopt, std::nullopt}; }
    static operation_step finish(operation_outcome o) { return {std::nullopt, std::move(o), std::nullopt}; }
    static operation_step ask(core::prompt p) { return {std::nullopt, std::nullopt, std::move(p)}; }
};

/// Owned by its session, on the session's shard; never shared.
class operation {
public:
    virtual ~operation() = default;
    /// The first step. Called once, when the operation reaches the head of its session's queue.
    virtual operation_step start() = 0;
    /// The touch point's answers to the last batch (possibly fewer than sent, with stopOnError).
    virtual operation_step on_responses(std::vector<bytes> responses) = 0;
    /// The user's answer to the prompt this operation asked (operation_step::ask). Operations
    /// that never ask keep the default, which fails.
    virtual operation_step on_input(user_input input);
};

/// Failure outcome helper.
operation_outcome failed_outcome(int status_code, std::string code, std::string message);
/// Failure outcome for `code`: its wire name and status from the one table (api_error.cpp).
operation_outcome failed_outcome(api_errc code, std::string message);

} // namespace tsm::core
