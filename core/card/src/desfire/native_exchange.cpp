#include "native_exchange.hpp"

#include "tsm/core/ccm/card_context.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <exception>

namespace tsm::core::desfire::detail {
namespace {

std::string hex_byte(std::uint8_t b) {
    return to_hex(std::string_view(reinterpret_cast<const char*>(&b), 1));
}

std::string hex_sw(std::uint16_t sw) {
    const char raw[2] = {static_cast<char>(sw >> 8), static_cast<char>(sw & 0xFF)};
    return to_hex(std::string_view(raw, 2));
}

} // namespace

bytes select_desfire() {
    return *from_hex("00A4040007D276000085010000");
}

bytes wrap(std::string_view native) {
    bytes out{'\x90', native.empty() ? '\0' : native[0], '\0', '\0'};
    if (native.size() > 1) {
        out.push_back(static_cast<char>(native.size() - 1));
        out.append(native.substr(1));
    }
    out.push_back('\0');
    return out;
}

std::vector<bytes> wrap_frames(std::string_view native) {
    std::vector<bytes> frames;
    if (native.empty()) {
        return frames;
    }
    std::string_view data = native.substr(1);
    bytes first(1, native[0]);
    first.append(data.substr(0, std::min(data.size(), max_frame_data)));
    frames.push_back(wrap(first));
    data.remove_prefix(std::min(data.size(), max_frame_data));
    while (!data.empty()) {
        bytes next(1, static_cast<char>(ins_more_frames));
        next.append(data.substr(0, std::min(data.size(), max_frame_data)));
        frames.push_back(wrap(next));
        data.remove_prefix(std::min(data.size(), max_frame_data));
    }
    return frames;
}

bytes more_frames_request() {
    return wrap(bytes(1, static_cast<char>(ins_more_frames)));
}

bytes aid_bytes(application_id aid) {
    return bytes{static_cast<char>(aid & 0xFF), static_cast<char>((aid >> 8) & 0xFF),
                 static_cast<char>((aid >> 16) & 0xFF)};
}

bytes select_application(application_id aid) {
    return static_cast<char>(ins_select_application) + aid_bytes(aid);
}

answer read_answer(std::string_view response) {
    answer a;
    if (response.size() < 2) {
        return a; // sw 0000: never a success
    }
    a.data = bytes(response.substr(0, response.size() - 2));
    a.sw = static_cast<std::uint16_t>((static_cast<unsigned char>(response[response.size() - 2]) << 8)
                                      | static_cast<unsigned char>(response[response.size() - 1]));
    return a;
}

operation_outcome desfire_error(std::uint8_t ins, std::uint8_t status) {
    operation_outcome o = failed_outcome(core::api_errc::desfire_error, std::string(status_name(status)));
    o.error_command = std::string(command_name(ins));
    o.error_sw = hex_byte(status);
    return o;
}

operation_outcome card_error(std::string_view command, std::uint16_t sw) {
    operation_outcome o = failed_outcome(core::api_errc::card_error,
                                         std::string(command) + " failed with " + hex_sw(sw)
                                             + (command == "SELECT" ? " (no DESFire application on the card)"
                                                                    : " (not a DESFire answer)"));
    o.error_command = std::string(command);
    o.error_sw = hex_sw(sw);
    return o;
}

operation_outcome answer_error(std::uint8_t ins, const answer& a) {
    if (a.native()) {
        return desfire_error(ins, a.status());
    }
    return card_error(command_name(ins), a.sw);
}

operation_outcome authentication_failed(std::string message) {
    return failed_outcome(core::api_errc::authentication_failed, std::move(message));
}

operation_outcome secure_messaging_error(std::string message) {
    return failed_outcome(core::api_errc::secure_messaging_error, std::move(message));
}

operation_outcome touch_point_error(std::string message) {
    return failed_outcome(core::api_errc::touch_point_error, std::move(message));
}

operation_outcome internal_error(std::string message) {
    return failed_outcome(core::api_errc::internal_error, std::move(message));
}

std::optional<operation_outcome> check_answered(const std::vector<bytes>& responses, std::size_t sent) {
    if (responses.size() < sent) {
        return touch_point_error("the touch point answered " + std::to_string(responses.size()) + " of "
                                 + std::to_string(sent) + " commands");
    }
    if (responses.size() > sent) {
        return touch_point_error("more responses than commands");
    }
    for (const auto& r : responses) {
        if (r.size() < 2) {
            return touch_point_error("a response without a status word");
        }
    }
    return std::nullopt;
}

std::optional<bytes> random_bytes(const std::function<bytes(std::size_t)>& source, std::size_t n) {
    bytes out;
    if (source) {
        out = source(n);
    } else {
        out.assign(n, '\0');
        if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
            return std::nullopt;
        }
    }
    if (out.size() != n) {
        return std::nullopt;
    }
    return out;
}

authenticator::authenticator(desfire_key key, std::uint8_t key_no, bytes rnd_a, std::string what)
    : auth_(std::move(key), key_no, std::move(rnd_a)), ins_(0), what_(std::move(what)) {
    ins_ = static_cast<std::uint8_t>(auth_.command()[0]);
}

bytes authenticator::command_apdu() const {
    return wrap(auth_.command());
}

operation_outcome authenticator::failed(std::string_view why) const {
    return authentication_failed(std::string(command_name(ins_)) + " with the " + what_ + ": "
                                 + std::string(why));
}

std::variant<bytes, operation_outcome> authenticator::on_challenge(std::string_view response) {
    const answer a = read_answer(response);
    if (a.sw == 0x91AE) {
        return failed("the card answered AE (authentication error; wrong key type?)");
    }
    if (!a.more()) {
        return answer_error(ins_, a);
    }
    auto token = auth_.answer(a.data);
    if (!token) {
        return failed("malformed card challenge (" + token.error().message() + ")");
    }
    return wrap(*token);
}

std::variant<bytes, operation_outcome>
authenticator::on_challenge_after_select(std::string_view select_response, std::string_view response) {
    const answer selected = read_answer(select_response);
    if (!selected.ok()) {
        return answer_error(ins_select_application, selected);
    }
    return on_challenge(response);
}

std::variant<session, operation_outcome> authenticator::on_proof(std::string_view response) {
    const answer a = read_answer(response);
    if (a.sw == 0x91AE) {
        return failed("the card refused the key (AE, authentication error)");
    }
    if (!a.ok()) {
        return answer_error(ins_, a);
    }
    auto s = auth_.finish(a.data);
    if (!s) {
        return failed("the card did not prove the key (" + s.error().message() + ")");
    }
    return std::move(*s);
}

// ------------------------------------------------------------------------------ picc_operation

picc_operation::picc_operation(card_context ctx) : ctx_(std::move(ctx)) {}

picc_operation::~picc_operation() {
    ctx_.picc_master.value.wipe();
}

operation_step picc_operation::send(std::vector<bytes> commands) {
    sent_ = commands.size();
    return operation_step::send(apdu_batch{std::move(commands), false, {}});
}

operation_step picc_operation::finish(operation_outcome o) {
    phase_ = phase::done;
    sent_ = 0;
    auth_.reset();
    session_.reset();
    ctx_.picc_master.value.wipe();
    wipe();
    return operation_step::finish(std::move(o));
}

operation_step picc_operation::start() {
    if (phase_ != phase::idle) {
        return finish(internal_error("operation started twice"));
    }
    if (auto refused = check()) {
        return finish(std::move(*refused));
    }
    const desfire_key& key = ctx_.picc_master;
    if (key.value.size() != key_length(key.type)) {
        return finish(bad_request("the PICC master key must be " + std::to_string(key_length(key.type))
                                  + " bytes for " + std::string(key_type_name(key.type)) + ", got "
                                  + std::to_string(key.value.size())));
    }
    auto rnd_a = random_bytes(ctx_.random, challenge_length(key.type));
    if (!rnd_a) {
        return finish(internal_error("no random challenge for the authentication"));
    }
    auth_.emplace(key, ctx_.picc_key_no, std::move(*rnd_a),
                  "PICC master key " + std::to_string(ctx_.picc_key_no));
    phase_ = phase::challenge;
    return send({select_desfire(), wrap(select_application(0)), auth_->command_apdu()});
}

operation_step picc_operation::on_responses(std::vector<bytes> responses) {
    if (phase_ == phase::idle || phase_ == phase::done) {
        return finish(internal_error("responses while no batch was outstanding"));
    }
    if (auto bad = check_answered(responses, sent_)) {
        return finish(std::move(*bad));
    }
    try {
        switch (phase_) {
        case phase::challenge: return on_challenge(responses);
        case phase::proof: return on_proof(responses);
        case phase::script: return on_script(responses);
        default: break;
        }
    } catch (const std::exception& e) {
        return finish(internal_error(std::string("DESFire operation failed: ") + e.what()));
    }
    return finish(internal_error("responses while no batch was outstanding"));
}

operation_step picc_operation::on_challenge(const std::vector<bytes>& responses) {
    const answer selected = read_answer(responses[0]);
    if (selected.sw != 0x9000 && (selected.sw >> 8) != 0x61) {
        return finish(card_error("SELECT", selected.sw));
    }
    auto next = auth_->on_challenge_after_select(responses[1], responses[2]);
    if (auto* failed = std::get_if<operation_outcome>(&next)) {
        return finish(std::move(*failed));
    }
    phase_ = phase::proof;
    return send({std::move(std::get<bytes>(next))});
}

operation_step picc_operation::on_proof(const std::vector<bytes>& responses) {
    auto opened = auth_->on_proof(responses[0]);
    auth_.reset();
    if (auto* failed = std::get_if<operation_outcome>(&opened)) {
        return finish(std::move(*failed));
    }
    session_.emplace(std::move(std::get<session>(opened)));
    ctx_.picc_master.value.wipe(); // not needed any more: the session key carries on
    phase_ = phase::script;
    return authenticated();
}

} // namespace tsm::core::desfire::detail
