#include "tsm/core/gp/scp02_session.hpp"

#include "tsm/core/gp/command_apdu.hpp"
#include "tsm/core/gp/crypto.hpp"

#include "secure_messaging.hpp"

namespace tsm::core::gp {
namespace {

namespace sl = security_level;
namespace opt = scp02_option;

// Retail MAC over header | data. With "MAC on unmodified APDU" (i b2) the header is the one
// the caller gave (no SM bit, original Lc); otherwise CLA' and Lc + 8 (GPCS E.4.4).
result<bytes> command_mac(const secret_key& s_mac, std::string_view icv, const command_apdu& a,
                          std::uint8_t i) {
    const bool unmodified = (i & opt::mac_unmodified_apdu) != 0;
    bytes input;
    input.push_back(static_cast<char>(unmodified ? (a.cla & 0xFC) : detail::mac_cla(a.cla)));
    input.push_back(static_cast<char>(a.ins));
    input.push_back(static_cast<char>(a.p1));
    input.push_back(static_cast<char>(a.p2));
    const std::size_t lc = a.data.size() + (unmodified ? 0 : 8);
    if (lc > 0) {
        detail::append_lc(input, lc, a.extended);
    }
    input.append(a.data);
    return retail_mac(s_mac, icv, input);
}

} // namespace

result<scp02_session> scp02_session::open(const static_keys& keys, std::string_view host_challenge,
                                          const scp02_init_response& card, std::uint8_t level,
                                          std::uint8_t i) {
    if (card.scp != 0x02) {
        return errc::wrong_protocol;
    }
    if ((i & opt::icv_mac_over_aid) || !(i & opt::explicit_initiation)) {
        return errc::unsupported;
    }
    if (level != sl::none && level != sl::c_mac && level != (sl::c_mac | sl::c_dec)) {
        return errc::bad_security_level; // R-MAC for SCP02 is not implemented
    }
    if (host_challenge.size() != 8) {
        return errc::bad_length;
    }
    auto keys_r = derive_scp02_session_keys(keys, card.sequence_counter);
    if (!keys_r) {
        return keys_r.error();
    }
    auto expected =
        scp02_card_cryptogram(keys_r->s_enc, host_challenge, card.sequence_counter, card.card_challenge);
    if (!expected) {
        return expected.error();
    }
    if (!equal_ct(*expected, card.card_cryptogram)) {
        return errc::card_cryptogram_mismatch;
    }
    auto host =
        scp02_host_cryptogram(keys_r->s_enc, host_challenge, card.sequence_counter, card.card_challenge);
    if (!host) {
        return host.error();
    }
    scp02_session s;
    s.keys_ = std::move(*keys_r);
    s.level_ = level;
    s.i_ = i;
    s.host_cryptogram_ = std::move(*host);
    return s;
}

result<bytes> scp02_session::next_icv() const {
    if (last_mac_.empty()) {
        return bytes(8, '\0');
    }
    if (i_ & opt::icv_encryption) {
        return des_ecb_encrypt(keys_.s_mac, last_mac_); // DES under S-MAC's first half
    }
    return last_mac_;
}

result<bytes> scp02_session::external_authenticate() {
    if (authenticated_) {
        return errc::already_authenticated;
    }
    command_apdu a;
    a.cla = 0x80;
    a.ins = 0x82;
    a.p1 = level_;
    a.data = host_cryptogram_;
    auto mac = command_mac(keys_.s_mac, bytes(8, '\0'), a, i_);
    if (!mac) {
        return mac.error();
    }
    a.cla = 0x84;
    a.data.append(*mac);
    last_mac_ = std::move(*mac);
    authenticated_ = true;
    return encode_command_apdu(a);
}

result<bytes> scp02_session::wrap(std::string_view apdu) {
    if (!authenticated_) {
        return errc::not_authenticated;
    }
    auto parsed = parse_command_apdu(apdu);
    if (!parsed) {
        return parsed.error();
    }
    command_apdu a = std::move(*parsed);
    if (level_ == sl::none) {
        return bytes(apdu);
    }
    if (!detail::sm_cla_supported(a.cla)) {
        return errc::unsupported_cla;
    }
    auto icv = next_icv();
    if (!icv) {
        return icv.error();
    }
    // SCP02 MACs the plain data and encrypts afterwards (GPCS E.4.4 / E.4.6).
    auto mac = command_mac(keys_.s_mac, *icv, a, i_);
    if (!mac) {
        return mac.error();
    }
    if ((level_ & sl::c_dec) && !a.data.empty()) {
        auto enc = des3_cbc_encrypt(keys_.s_enc, bytes(8, '\0'), pad80(a.data, 8));
        if (!enc) {
            return enc.error();
        }
        a.data = std::move(*enc);
    }
    if (a.data.size() + 8 > (a.extended ? 0xFFFFu : 0xFFu)) {
        return errc::apdu_too_long;
    }
    a.cla = static_cast<std::uint8_t>(a.cla | detail::cla_secure_messaging);
    a.data.append(*mac);
    auto out = encode_command_apdu(a);
    if (!out) {
        return out.error();
    }
    last_mac_ = std::move(*mac);
    return out;
}

result<bytes> scp02_session::encrypt_sensitive(std::string_view data) const {
    return des3_ecb_encrypt(keys_.s_dek, data);
}

} // namespace tsm::core::gp
