#include "script_operation.hpp"

#include "bad_request.hpp"

#include "tsm/core/ccm/apdus.hpp"
#include "tsm/core/ccm/status_words.hpp"
#include "tsm/core/gp/secret_key.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <exception>

namespace tsm::core::ccm::detail {
namespace {

// More rounds than any script can need (each round is answered by at least one response and
// a subclass replaces the script at most once); a guard against a misbehaving touch point.
constexpr int max_rounds = 300;

std::uint16_t sw_of(std::string_view r) {
    const auto* u = reinterpret_cast<const unsigned char*>(r.data() + r.size() - 2);
    return static_cast<std::uint16_t>((u[0] << 8) | u[1]);
}

operation_outcome touch_point_error(std::string message) {
    return failed_outcome(core::api_errc::touch_point_error, std::move(message));
}

operation_outcome internal_error(std::string message) {
    return failed_outcome(core::api_errc::internal_error, std::move(message));
}

} // namespace

std::string_view command_name(role r) noexcept {
    switch (r) {
    case role::select: return "SELECT";
    case role::initialize_update: return "INITIALIZE UPDATE";
    case role::external_authenticate: return "EXTERNAL AUTHENTICATE";
    case role::get_status: return "GET STATUS";
    case role::install_for_load: return "INSTALL [for load]";
    case role::load: return "LOAD";
    case role::install_for_install: return "INSTALL [for install]";
    case role::install_for_personalization: return "INSTALL [for personalization]";
    case role::store_data: return "STORE DATA";
    case role::delete_object: return "DELETE";
    case role::sp_command: return "command";
    }
    return "?";
}

operation_outcome script_operation::card_error(role r, std::string_view detail, std::uint16_t sw) {
    const std::string_view name = command_name(r);
    std::string message(name);
    if (!detail.empty()) {
        message.append(" (").append(detail).append(")");
    }
    message.append(" failed with ").append(sw_hex(sw)).append(": ").append(explain_sw(name, sw));
    operation_outcome o = failed_outcome(core::api_errc::card_error, std::move(message));
    o.error_command = std::string(name);
    o.error_sw = sw_hex(sw);
    return o;
}

failure_decision script_operation::on_failure(const script_command& c, std::uint16_t sw) {
    failure_decision d;
    d.outcome = card_error(c.r, c.detail, sw);
    return d;
}

bool script_operation::may_go_on_after_failure(const script_command&) const {
    return false;
}

bool script_operation::reports_responses() const {
    return true;
}

operation_step script_operation::finish(operation_outcome o) {
    phase_ = phase::done;
    channel_.reset();
    // Plain commands may hold secrets (STORE DATA, the SP's secure-transceive commands).
    for (auto& c : pending_) {
        gp::wipe(c.apdu);
    }
    for (auto& h : history_) {
        gp::wipe(h);
    }
    pending_.clear();
    in_flight_.clear();
    history_.clear();
    ctx_.keys.enc.wipe();
    ctx_.keys.mac.wipe();
    ctx_.keys.dek.wipe();
    return operation_step::finish(std::move(o));
}

operation_step script_operation::start() {
    if (phase_ != phase::idle) {
        return finish(internal_error("operation started twice"));
    }
    if (auto refused = check()) {
        return finish(std::move(*refused));
    }
    if (ctx_.isd_aid.size() < 5 || ctx_.isd_aid.size() > 16) {
        return finish(bad_request("the card's ISD AID must be 5 to 16 bytes"));
    }
    if (ctx_.host_challenge) {
        host_challenge_ = ctx_.host_challenge();
    } else {
        host_challenge_.assign(8, '\0');
        if (RAND_bytes(reinterpret_cast<unsigned char*>(host_challenge_.data()), 8) != 1) {
            return finish(internal_error("no random host challenge (RAND_bytes failed)"));
        }
    }
    if (host_challenge_.size() != 8) {
        return finish(internal_error("the host challenge must be 8 bytes"));
    }
    phase_ = phase::opening;
    ++rounds_;
    return operation_step::send(apdu_batch{
        {apdu::select_by_aid(ctx_.isd_aid), apdu::initialize_update(ctx_.kvn, host_challenge_)}, true, {}});
}

operation_step script_operation::on_responses(std::vector<bytes> responses) {
    for (const auto& r : responses) {
        if (r.size() < 2) {
            return finish(touch_point_error("a response without a status word"));
        }
    }
    try {
        switch (phase_) {
        case phase::opening: return on_open(responses);
        case phase::running: return on_script(responses);
        default: return finish(internal_error("responses while no batch was outstanding"));
        }
    } catch (const std::exception& e) {
        return finish(internal_error(std::string("building the CCM script failed: ") + e.what()));
    }
}

operation_step script_operation::on_open(std::vector<bytes>& responses) {
    if (responses.empty()) {
        return finish(
            touch_point_error("the touch point answered SELECT/INITIALIZE UPDATE with no response"));
    }
    if (responses.size() > 2) {
        return finish(touch_point_error("more responses than commands"));
    }
    const std::uint16_t select_sw = sw_of(responses[0]);
    if (!sw_ok(select_sw)) {
        return finish(card_error(role::select, "", select_sw));
    }
    std::size_t max_wrapped = std::min<std::size_t>(ctx_.max_command_data, 255);
    if (auto fci_max =
            apdu::fci_max_command_data(std::string_view(responses[0]).substr(0, responses[0].size() - 2));
        fci_max && *fci_max > 0) {
        max_wrapped = std::min(max_wrapped, *fci_max);
    }
    if (responses.size() < 2) {
        return finish(touch_point_error("the touch point returned no answer to INITIALIZE UPDATE"));
    }
    const std::uint16_t iu_sw = sw_of(responses[1]);
    if (iu_sw != 0x9000) {
        return finish(card_error(role::initialize_update, "", iu_sw));
    }
    init_update_data_ = responses[1].substr(0, responses[1].size() - 2);

    if (ctx_.diversify) {
        if (init_update_data_.size() < 10) {
            return finish(failed_outcome(core::api_errc::secure_channel_error,
                                         "malformed INITIALIZE UPDATE answer: no key diversification data"));
        }
        auto diversified = ctx_.diversify(std::string_view(init_update_data_).substr(0, 10));
        if (!diversified) {
            return finish(failed_outcome(core::api_errc::secure_channel_error,
                                         "key diversification failed: " + diversified.error().message()));
        }
        ctx_.keys = std::move(*diversified);
        ctx_.diversify = nullptr; // resynchronisation reuses these keys
    }
    // The card cryptogram is verified here, before anything else goes out.
    auto opened = secure_channel::open(ctx_, host_challenge_, init_update_data_);
    if (auto* err = std::get_if<open_error>(&opened)) {
        return finish(failed_outcome(err->code, err->message));
    }
    channel_.emplace(std::move(std::get<secure_channel>(opened)));
    auto ext = channel_->external_authenticate();
    if (!ext) {
        return finish(internal_error("EXTERNAL AUTHENTICATE: " + ext.error().message()));
    }
    ext_auth_apdu_ = std::move(*ext);

    const std::size_t max_plain = apdu::max_plain_data(ctx_.protocol, ctx_.security_level, max_wrapped);
    if (max_plain < 16) {
        return finish(bad_request("the card's maximum command length (" + std::to_string(max_wrapped)
                                  + " bytes) leaves no room for card content management commands"));
    }
    auto planned = plan(max_plain);
    if (auto* refused = std::get_if<operation_outcome>(&planned)) {
        return finish(std::move(*refused));
    }
    auto& cmds = std::get<std::vector<script_command>>(planned);
    pending_.assign(std::make_move_iterator(cmds.begin()), std::make_move_iterator(cmds.end()));
    in_sync_ = true;
    return send_pending();
}

bool script_operation::resync() {
    auto opened = secure_channel::open(ctx_, host_challenge_, init_update_data_);
    if (!std::holds_alternative<secure_channel>(opened)) {
        return false;
    }
    channel_.emplace(std::move(std::get<secure_channel>(opened)));
    auto ext = channel_->external_authenticate();
    if (!ext || *ext != ext_auth_apdu_) {
        return false;
    }
    for (const auto& plain : history_) {
        if (!channel_->wrap(plain)) {
            return false;
        }
    }
    in_sync_ = true;
    return true;
}

operation_step script_operation::send_pending() {
    if (++rounds_ > max_rounds) {
        return finish(touch_point_error("too many round trips; the touch point keeps answering partially"));
    }
    if (!in_sync_ && !resync()) {
        return finish(internal_error("cannot resynchronise the secure channel"));
    }
    apdu_batch batch;
    batch.stop_on_error = true;
    in_flight_.clear();
    if (!authenticated_) {
        batch.commands.push_back(ext_auth_apdu_);
        in_flight_.push_back(wrapped_command{ext_auth_apdu_, {}});
    }
    for (const auto& c : pending_) {
        if (may_go_on_after_failure(c)) {
            batch.continue_points.push_back(batch.commands.size());
        }
        auto w = channel_->wrap(c.apdu);
        if (!w) {
            return finish(bad_request(std::string(command_name(c.r))
                                      + " cannot be sent under the secure channel: " + w.error().message()));
        }
        batch.commands.push_back(w->apdu);
        in_flight_.push_back(std::move(*w));
    }
    phase_ = phase::running;
    return operation_step::send(std::move(batch));
}

operation_step script_operation::on_script(std::vector<bytes>& responses) {
    if (responses.empty()) {
        return finish(touch_point_error("the touch point answered a batch with no response"));
    }
    if (responses.size() > in_flight_.size()) {
        return finish(touch_point_error("more responses than commands"));
    }
    std::size_t k = 0;
    if (!authenticated_) {
        const std::uint16_t sw = sw_of(responses[0]);
        if (sw != 0x9000) {
            return finish(card_error(role::external_authenticate, "", sw));
        }
        authenticated_ = true;
        k = 1;
    }
    for (; k < responses.size(); ++k) {
        if (pending_.empty()) {
            return finish(internal_error("response without a pending command"));
        }
        const script_command& cmd = pending_.front();
        auto plain = channel_->unwrap(responses[k], in_flight_[k]);
        if (!plain) {
            return finish(
                failed_outcome(core::api_errc::secure_channel_error,
                               "the response to " + std::string(command_name(cmd.r))
                                   + " failed secure messaging verification: " + plain.error().message()));
        }
        history_.push_back(cmd.apdu);
        const std::uint16_t sw = sw_of(*plain);
        if (sw_ok(sw)) {
            transcript_.push_back(std::move(*plain));
            pending_.pop_front();
            continue;
        }
        failure_decision d = on_failure(cmd, sw);
        if (d.what == failure_decision::kind::fail) {
            return finish(std::move(d.outcome));
        }
        transcript_.push_back(std::move(*plain));
        pending_.pop_front();
        if (d.what == failure_decision::kind::replace) {
            if (k + 1 < responses.size()) {
                return finish(
                    touch_point_error("the touch point did not stop at the first error (stopOnError)"));
            }
            pending_.assign(std::make_move_iterator(d.replacement.begin()),
                            std::make_move_iterator(d.replacement.end()));
        }
    }
    // The host wrapped every command in flight; the card only saw those it answered.
    in_sync_ = responses.size() == in_flight_.size();
    if (pending_.empty()) {
        operation_outcome o;
        if (reports_responses()) {
            o.responses = std::move(transcript_);
        } else {
            for (auto& r : transcript_) {
                gp::wipe(r);
            }
            transcript_.clear();
        }
        return finish(std::move(o));
    }
    return send_pending();
}

} // namespace tsm::core::ccm::detail
