// /secure-transceive: the request checks, the payload codec and the script (secure_transceive.hpp)
// on the shared CCM script engine (script_operation). Wrapping is the engine's: SCP03 or SCP02 at
// the card's level, so an SP command gets exactly the protection a STORE DATA would.
#include "tsm/core/ccm/secure_transceive.hpp"

#include "bad_request.hpp"
#include "payload_fields.hpp"
#include "script_operation.hpp"

#include "tsm/core/ccm/apdus.hpp"
#include "tsm/core/ccm/status_words.hpp"
#include "tsm/core/gp/command_apdu.hpp"
#include "tsm/core/gp/secret_key.hpp"

namespace tsm::core::ccm {
namespace {

using detail::role;
using detail::script_command;

std::string index_name(std::size_t i) {
    return "commands[" + std::to_string(i) + "]";
}

std::string hex_byte(std::uint8_t b) {
    return sw_hex(b).substr(2);
}

std::optional<std::string> check_command(std::size_t i, std::string_view raw) {
    auto parsed = gp::parse_command_apdu(raw);
    if (!parsed) {
        return index_name(i) + ": not a well-formed command APDU";
    }
    std::optional<std::string> e;
    if (parsed->extended) {
        e = index_name(i) + ": extended length is not supported under the secure channel";
    } else if (parsed->cla == 0xFF || (parsed->cla & 0x40) != 0 || (parsed->cla & 0x03) != 0) {
        e = index_name(i) + ": CLA " + hex_byte(parsed->cla)
            + " is not on the basic channel (the secure channel is opened there)";
    } else if ((parsed->cla & 0x0C) != 0) {
        e = index_name(i) + ": CLA " + hex_byte(parsed->cla)
            + " already has secure messaging bits; send the plain command, the TSM wraps it";
    }
    gp::wipe(parsed->data);
    return e;
}

/// EXTERNAL AUTHENTICATE P1 bit: command data encrypted (levels 03, 13, 33).
constexpr std::uint8_t c_decryption = 0x02;

class secure_transceive_operation final : public detail::script_operation {
public:
    secure_transceive_operation(card_context ctx, secure_transceive_request req)
        : script_operation(std::move(ctx)), req_(std::move(req)) {}

private:
    std::optional<operation_outcome> check() const override { return refuse_invalid(req_); }

    std::variant<std::vector<script_command>, operation_outcome> plan(std::size_t max_data) override {
        std::vector<script_command> s;
        s.reserve(req_.commands.size() + 1);
        if (req_.application != ctx().isd_aid) {
            s.push_back(
                {role::install_for_personalization, apdu::install_for_personalization(req_.application), {}});
        }
        for (std::size_t i = 0; i < req_.commands.size(); ++i) {
            auto parsed = gp::parse_command_apdu(req_.commands[i]);
            const std::size_t n = parsed ? parsed->data.size() : 0;
            if (parsed) {
                gp::wipe(parsed->data);
            }
            if (n > 0 && (ctx().security_level & c_decryption) == 0) {
                for (auto& c : s) {
                    gp::wipe(c.apdu);
                }
                return bad_request(index_name(i) + " carries data, but the card's security level "
                                   + hex_byte(ctx().security_level)
                                   + " has no C-DECRYPTION: the touch point would see it in clear "
                                     "(register level 03, 13 or 33 for this card)");
            }
            if (n > max_data) {
                for (auto& c : s) {
                    gp::wipe(c.apdu);
                }
                return bad_request(index_name(i) + " has " + std::to_string(n)
                                   + " data bytes; the card takes at most " + std::to_string(max_data)
                                   + " under this secure channel");
            }
            s.push_back({role::sp_command, req_.commands[i], index_name(i)});
        }
        // The engine holds its own copies from here on and wipes them when it finishes.
        for (auto& c : req_.commands) {
            gp::wipe(c);
        }
        req_.commands.clear();
        return s;
    }

    detail::failure_decision on_failure(const script_command& c, std::uint16_t sw) override {
        detail::failure_decision d;
        if (c.r != role::sp_command) {
            d.outcome = card_error(c.r, c.detail, sw);
            return d;
        }
        d.outcome = failed_outcome(core::api_errc::card_error,
                                   c.detail + " failed with " + sw_hex(sw) + ": " + explain_sw("", sw));
        d.outcome.error_command = c.detail;
        d.outcome.error_sw = sw_hex(sw);
        return d;
    }

    bool reports_responses() const override { return false; }

    secure_transceive_request req_;
};

} // namespace

secure_transceive_request::~secure_transceive_request() {
    for (auto& c : commands) {
        gp::wipe(c);
    }
}

std::optional<std::string> validate(const secure_transceive_request& r) {
    if (r.application.size() < 5 || r.application.size() > 16) {
        return "application must be an AID of 5 to 16 bytes, got " + std::to_string(r.application.size());
    }
    if (r.commands.empty()) {
        return "commands must not be empty";
    }
    if (r.commands.size() > max_secure_commands) {
        return "at most " + std::to_string(max_secure_commands) + " commands, got "
               + std::to_string(r.commands.size());
    }
    for (std::size_t i = 0; i < r.commands.size(); ++i) {
        if (auto e = check_command(i, r.commands[i])) {
            return e;
        }
    }
    return std::nullopt;
}

std::unique_ptr<operation> make_secure_transceive(card_context ctx, secure_transceive_request req) {
    return std::make_unique<secure_transceive_operation>(std::move(ctx), std::move(req));
}

bytes encode_secure_transceive_request(const secure_transceive_request& r) {
    payload::writer w;
    w.field(r.application).u16(static_cast<std::uint16_t>(r.commands.size()));
    for (const auto& c : r.commands) {
        w.field(c);
    }
    return w.done();
}

std::optional<secure_transceive_request> decode_secure_transceive_request(std::string_view payload) {
    payload::reader in(payload);
    secure_transceive_request r;
    r.application = in.field();
    const std::uint16_t n = in.u16();
    if (!in.ok() || n > max_secure_commands) {
        return std::nullopt;
    }
    r.commands.reserve(n);
    for (std::uint16_t i = 0; i < n && in.ok(); ++i) {
        r.commands.push_back(in.field());
    }
    if (!in.finished() || validate(r)) {
        return std::nullopt;
    }
    return r;
}

} // namespace tsm::core::ccm
