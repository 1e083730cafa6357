#include "tsm/core/gp/scp03_session.hpp"

#include "tsm/core/gp/crypto.hpp"

#include "secure_messaging.hpp"

namespace tsm::core::gp {
namespace {

namespace sl = security_level;

bool valid_level(std::uint8_t level) noexcept {
    switch (level) {
    case 0x00:
    case 0x01:
    case 0x03:
    case 0x11:
    case 0x13:
    case 0x33: return true;
    default: return false;
    }
}

// ICV block: the counter as a 16-byte big-endian integer; responses set the first byte to 80.
bytes counter_block(std::uint32_t counter, bool response) {
    bytes block(16, '\0');
    if (response) {
        block[0] = '\x80';
    }
    for (int i = 0; i < 4; ++i) {
        block[15 - i] = static_cast<char>((counter >> (8 * i)) & 0xFF);
    }
    return block;
}

bool success_status(std::uint8_t sw1, std::uint8_t sw2) noexcept {
    return (sw1 == 0x90 && sw2 == 0x00) || sw1 == 0x62 || sw1 == 0x63;
}

// C-MAC over MCV | header with CLA' and Lc' | (possibly encrypted) data; Le excluded (AmdD 6.2.4).
result<bytes> command_mac(const secret_key& s_mac, const bytes& mcv, const command_apdu& a, std::size_t lc) {
    bytes input(mcv);
    input.push_back(static_cast<char>(detail::mac_cla(a.cla)));
    input.push_back(static_cast<char>(a.ins));
    input.push_back(static_cast<char>(a.p1));
    input.push_back(static_cast<char>(a.p2));
    detail::append_lc(input, lc, a.extended);
    input.append(a.data);
    return aes_cmac(s_mac, input);
}

} // namespace

result<scp03_session> scp03_session::open(const static_keys& keys, std::string_view host_challenge,
                                          const scp03_init_response& card, std::uint8_t level) {
    if (card.scp != 0x03) {
        return errc::wrong_protocol;
    }
    if (card.s16()) {
        return errc::unsupported; // S16 (AmdD v1.2) not implemented: no vectors to check it
    }
    if (host_challenge.size() != 8 || card.card_challenge.size() != 8 || card.card_cryptogram.size() != 8) {
        return errc::bad_length;
    }
    if (!valid_level(level) || ((level & sl::r_mac) && !card.supports_r_mac())
        || ((level & sl::r_enc) && !card.supports_r_enc())) {
        return errc::bad_security_level;
    }
    auto keys_r = derive_scp03_session_keys(keys, host_challenge, card.card_challenge);
    if (!keys_r) {
        return keys_r.error();
    }
    auto expected = scp03_card_cryptogram(keys_r->s_mac, host_challenge, card.card_challenge);
    if (!expected) {
        return expected.error();
    }
    if (!equal_ct(*expected, card.card_cryptogram)) {
        return errc::card_cryptogram_mismatch;
    }
    auto host = scp03_host_cryptogram(keys_r->s_mac, host_challenge, card.card_challenge);
    if (!host) {
        return host.error();
    }
    scp03_session s;
    s.keys_ = std::move(*keys_r);
    s.level_ = level;
    s.host_cryptogram_ = std::move(*host);
    return s;
}

result<bytes> scp03_session::external_authenticate() {
    if (authenticated_) {
        return errc::already_authenticated;
    }
    command_apdu a;
    a.cla = 0x84;
    a.ins = 0x82;
    a.p1 = level_;
    a.data = host_cryptogram_;
    auto mac = command_mac(keys_.s_mac, mcv_, a, a.data.size() + 8);
    if (!mac) {
        return mac.error();
    }
    mcv_ = std::move(*mac);
    a.data.append(mcv_, 0, 8);
    authenticated_ = true;
    last_ = {mcv_, counter_};
    return encode_command_apdu(a);
}

result<scp03_wrapped_command> scp03_session::wrap(std::string_view apdu) {
    if (!authenticated_) {
        return errc::not_authenticated;
    }
    auto parsed = parse_command_apdu(apdu);
    if (!parsed) {
        return parsed.error();
    }
    command_apdu a = std::move(*parsed);
    if (level_ == sl::none) {
        last_ = {mcv_, counter_};
        return scp03_wrapped_command{bytes(apdu), last_};
    }
    if (!detail::sm_cla_supported(a.cla)) {
        return errc::unsupported_cla;
    }
    std::uint32_t counter = counter_;
    if (level_ & sl::c_dec) {
        // The counter advances for every command, with or without data (AmdD 6.2.6).
        ++counter;
        if (!a.data.empty()) {
            auto icv = aes_ecb_encrypt(keys_.s_enc, counter_block(counter, false));
            if (!icv) {
                return icv.error();
            }
            auto enc = aes_cbc_encrypt(keys_.s_enc, *icv, pad80(a.data, 16));
            if (!enc) {
                return enc.error();
            }
            a.data = std::move(*enc);
        }
    }
    const std::size_t lc = a.data.size() + 8;
    if (lc > (a.extended ? 0xFFFFu : 0xFFu)) {
        return errc::apdu_too_long;
    }
    auto mac = command_mac(keys_.s_mac, mcv_, a, lc);
    if (!mac) {
        return mac.error();
    }
    a.cla = static_cast<std::uint8_t>(a.cla | detail::cla_secure_messaging);
    a.data.append(*mac, 0, 8);
    auto out = encode_command_apdu(a);
    if (!out) {
        return out.error();
    }
    mcv_ = std::move(*mac);
    counter_ = counter;
    last_ = {mcv_, counter_};
    return scp03_wrapped_command{std::move(*out), last_};
}

result<bytes> scp03_session::unwrap(std::string_view response) const {
    return unwrap(response, last_);
}

result<bytes> scp03_session::unwrap(std::string_view response, const scp03_response_context& context) const {
    if (response.size() < 2) {
        return errc::bad_length;
    }
    if (!(level_ & sl::r_mac)) {
        return bytes(response);
    }
    const std::string_view sw = response.substr(response.size() - 2);
    if (!success_status(static_cast<std::uint8_t>(sw[0]), static_cast<std::uint8_t>(sw[1]))) {
        return bytes(response); // errors come back without R-MAC (AmdD 6.2.5)
    }
    const std::string_view body = response.substr(0, response.size() - 2);
    if (body.size() < 8) {
        return errc::rmac_missing;
    }
    const std::string_view data = body.substr(0, body.size() - 8);
    const std::string_view rmac = body.substr(body.size() - 8);
    bytes input(context.mcv);
    input.append(data);
    input.append(sw);
    auto expected = aes_cmac(keys_.s_rmac, input);
    if (!expected) {
        return expected.error();
    }
    if (!equal_ct(std::string_view(*expected).substr(0, 8), rmac)) {
        return errc::rmac_mismatch;
    }
    bytes plain(data);
    if ((level_ & sl::r_enc) && !data.empty()) {
        if (data.size() % 16 != 0) {
            return errc::bad_length;
        }
        auto icv = aes_ecb_encrypt(keys_.s_enc, counter_block(context.counter, true));
        if (!icv) {
            return icv.error();
        }
        auto dec = aes_cbc_decrypt(keys_.s_enc, *icv, data);
        if (!dec) {
            return dec.error();
        }
        auto unpadded = unpad80(*dec);
        if (!unpadded) {
            return unpadded.error();
        }
        plain = std::move(*unpadded);
    }
    plain.append(sw);
    return plain;
}

} // namespace tsm::core::gp
