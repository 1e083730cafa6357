#include "secure_channel.hpp"

#include "tsm/core/ccm/status_words.hpp"

namespace tsm::core::ccm::detail {
namespace {

std::string level_hex(std::uint8_t level) {
    return sw_hex(level).substr(2);
}

std::string protocol_name(scp_protocol p) {
    return p == scp_protocol::scp03 ? "SCP03" : "SCP02";
}

open_error channel_error(const card_context& ctx, const std::error_code& ec) {
    if (ec == gp::errc::card_cryptogram_mismatch) {
        return {core::api_errc::authentication_failed,
                "card cryptogram mismatch: the card does not hold the " + protocol_name(ctx.protocol)
                    + " keys configured for it (key version " + level_hex(ctx.kvn)
                    + "); nothing further was sent to the card"};
    }
    if (ec == gp::errc::bad_security_level) {
        return {core::api_errc::secure_channel_error, "the card does not support security level "
                                                          + level_hex(ctx.security_level) + " with "
                                                          + protocol_name(ctx.protocol)};
    }
    if (ec == gp::errc::wrong_protocol) {
        return {core::api_errc::secure_channel_error,
                "the card answered INITIALIZE UPDATE with another secure channel protocol than the "
                "configured "
                    + protocol_name(ctx.protocol)};
    }
    if (ec == gp::errc::malformed_response || ec == gp::errc::bad_length) {
        return {core::api_errc::secure_channel_error, "malformed INITIALIZE UPDATE answer for "
                                                          + protocol_name(ctx.protocol) + " (" + ec.message()
                                                          + ")"};
    }
    if (ec == gp::errc::bad_key_length) {
        return {core::api_errc::secure_channel_error,
                "the card's static keys have the wrong length for " + protocol_name(ctx.protocol)};
    }
    return {core::api_errc::secure_channel_error, "cannot open the secure channel: " + ec.message()};
}

} // namespace

std::variant<secure_channel, open_error> secure_channel::open(const card_context& ctx,
                                                              std::string_view host_challenge,
                                                              std::string_view init_update_data) {
    if (ctx.protocol == scp_protocol::scp03) {
        auto parsed = gp::parse_scp03_init_response(init_update_data);
        if (!parsed) {
            return channel_error(ctx, parsed.error());
        }
        auto s = gp::scp03_session::open(ctx.keys, host_challenge, *parsed, ctx.security_level);
        if (!s) {
            return channel_error(ctx, s.error());
        }
        return secure_channel(std::move(*s));
    }
    auto parsed = gp::parse_scp02_init_response(init_update_data);
    if (!parsed) {
        return channel_error(ctx, parsed.error());
    }
    auto s = gp::scp02_session::open(ctx.keys, host_challenge, *parsed, ctx.security_level, ctx.scp02_i);
    if (!s) {
        return channel_error(ctx, s.error());
    }
    return secure_channel(std::move(*s));
}

gp::result<bytes> secure_channel::external_authenticate() {
    return std::visit([](auto& s) { return s.external_authenticate(); }, s_);
}

gp::result<wrapped_command> secure_channel::wrap(std::string_view plain) {
    if (auto* s3 = std::get_if<gp::scp03_session>(&s_)) {
        auto w = s3->wrap(plain);
        if (!w) {
            return w.error();
        }
        return wrapped_command{std::move(w->apdu), std::move(w->response)};
    }
    auto w = std::get<gp::scp02_session>(s_).wrap(plain);
    if (!w) {
        return w.error();
    }
    return wrapped_command{std::move(*w), {}};
}

gp::result<bytes> secure_channel::unwrap(std::string_view response, const wrapped_command& sent) const {
    if (const auto* s3 = std::get_if<gp::scp03_session>(&s_)) {
        return s3->unwrap(response, sent.response);
    }
    return bytes(response);
}

} // namespace tsm::core::ccm::detail
