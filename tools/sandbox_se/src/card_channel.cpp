#include "card_channel.hpp"

#include "card_random.hpp"

#include "tsm/core/gp/crypto.hpp"
#include "tsm/core/gp/security_level.hpp"

namespace tsm::sandbox::detail {
namespace {

namespace gp = tsm::core::gp;
namespace sl = tsm::core::gp::security_level;

constexpr std::uint8_t scp02_mac_unmodified = 0x02;
constexpr std::uint8_t scp02_icv_encryption = 0x10;
constexpr std::uint8_t scp02_pseudo_random = 0x40;

bytes counter_block(std::uint32_t counter, bool response) {
    bytes block(16, '\0');
    if (response) {
        block[0] = '\x80';
    }
    for (int k = 0; k < 4; ++k) {
        block[15 - k] = static_cast<char>((counter >> (8 * k)) & 0xFF);
    }
    return block;
}

std::uint8_t mac_cla(std::uint8_t cla) noexcept {
    return static_cast<std::uint8_t>((cla & 0xFC) | 0x04);
}

void append_lc(bytes& out, std::size_t len, bool extended) {
    if (extended) {
        out.push_back('\0');
        out.push_back(static_cast<char>(len >> 8));
        out.push_back(static_cast<char>(len & 0xFF));
    } else {
        out.push_back(static_cast<char>(len));
    }
}

bool success_status(std::uint16_t sw) noexcept {
    return sw == 0x9000 || (sw >> 8) == 0x62 || (sw >> 8) == 0x63;
}

bool scp03_level_ok(std::uint8_t level, std::uint8_t i) noexcept {
    switch (level) {
    case 0x00:
    case 0x01:
    case 0x03: return true;
    case 0x11:
    case 0x13: return (i & 0x20) != 0;
    case 0x33: return (i & 0x40) != 0;
    default: return false;
    }
}

} // namespace

void card_channel::close() noexcept {
    state_ = channel_state::closed;
    level_ = 0;
    mcv_.clear();
    counter_ = 0;
    last_mac_.clear();
    k3_ = {};
    k2_ = {};
}

card_channel::init_result
card_channel::initialize_update_scp03(scp03_key_set& set, std::string_view kdd, std::string_view isd_aid,
                                      std::string_view host_challenge,
                                      const std::function<bytes(std::size_t)>& random) {
    close();
    bytes card_challenge;
    bytes seq;
    if (set.i & 0x10) {
        set.sequence_counter = (set.sequence_counter + 1) & 0xFFFFFF;
        seq = {static_cast<char>(set.sequence_counter >> 16), static_cast<char>(set.sequence_counter >> 8),
               static_cast<char>(set.sequence_counter)};
        auto cc = gp::scp03_pseudo_random_card_challenge(set.keys.enc, seq, isd_aid);
        if (!cc) {
            return {0x6F00, {}};
        }
        card_challenge = std::move(*cc);
    } else {
        card_challenge = card_random(random, 8);
    }
    auto keys = gp::derive_scp03_session_keys(set.keys, host_challenge, card_challenge);
    if (!keys) {
        return {0x6F00, {}};
    }
    auto cryptogram = gp::scp03_card_cryptogram(keys->s_mac, host_challenge, card_challenge);
    if (!cryptogram) {
        return {0x6F00, {}};
    }
    init_result r;
    r.data.append(kdd);
    r.data.push_back(static_cast<char>(set.kvn));
    r.data.push_back('\x03');
    r.data.push_back(static_cast<char>(set.i));
    r.data.append(card_challenge);
    r.data.append(*cryptogram);
    r.data.append(seq);
    scp03_ = true;
    i_ = set.i;
    k3_ = std::move(*keys);
    host_challenge_.assign(host_challenge);
    card_challenge_ = std::move(card_challenge);
    sequence_counter_ = std::move(seq);
    state_ = channel_state::initialized;
    return r;
}

card_channel::init_result
card_channel::initialize_update_scp02(scp02_key_set& set, std::string_view kdd, std::string_view isd_aid,
                                      std::string_view host_challenge,
                                      const std::function<bytes(std::size_t)>& random) {
    close();
    bytes seq{static_cast<char>(set.sequence_counter >> 8), static_cast<char>(set.sequence_counter & 0xFF)};
    auto keys = gp::derive_scp02_session_keys(set.keys, seq);
    if (!keys) {
        return {0x6F00, {}};
    }
    bytes card_challenge;
    if (set.i & scp02_pseudo_random) {
        // Deterministic per sequence counter: a full 3DES MAC of the SD AID under S-ENC.
        auto mac = gp::des3_full_mac(keys->s_enc, bytes(8, '\0'), isd_aid);
        if (!mac) {
            return {0x6F00, {}};
        }
        card_challenge = mac->substr(0, 6);
    } else {
        card_challenge = card_random(random, 6);
    }
    auto cryptogram = gp::scp02_card_cryptogram(keys->s_enc, host_challenge, seq, card_challenge);
    if (!cryptogram) {
        return {0x6F00, {}};
    }
    init_result r;
    r.data.append(kdd);
    r.data.push_back(static_cast<char>(set.kvn));
    r.data.push_back('\x02');
    r.data.append(seq);
    r.data.append(card_challenge);
    r.data.append(*cryptogram);
    scp03_ = false;
    i_ = set.i;
    k2_ = std::move(*keys);
    host_challenge_.assign(host_challenge);
    card_challenge_ = std::move(card_challenge);
    sequence_counter_ = std::move(seq);
    state_ = channel_state::initialized;
    return r;
}

std::uint16_t card_channel::external_authenticate(const command_apdu& a, scp02_key_set* scp02_set) {
    if (state_ != channel_state::initialized) {
        close();
        return 0x6985;
    }
    if (a.data.size() != 16) {
        close();
        return 0x6700;
    }
    const std::uint8_t level = a.p1;
    const bool level_ok =
        scp03_ ? scp03_level_ok(level, i_) : (level == 0x00 || level == 0x01 || level == 0x03);
    if (!level_ok || a.p2 != 0x00) {
        close();
        return 0x6A86;
    }
    const std::string_view host_cryptogram = std::string_view(a.data).substr(0, 8);
    const std::string_view mac = std::string_view(a.data).substr(8, 8);
    if (scp03_) {
        auto expected = gp::scp03_host_cryptogram(k3_.s_mac, host_challenge_, card_challenge_);
        if (!expected || !gp::equal_ct(*expected, host_cryptogram)) {
            close();
            return 0x6300;
        }
        bytes input(16, '\0');
        input.push_back(static_cast<char>(mac_cla(a.cla)));
        input.push_back(static_cast<char>(a.ins));
        input.push_back(static_cast<char>(a.p1));
        input.push_back(static_cast<char>(a.p2));
        input.push_back('\x10');
        input.append(host_cryptogram);
        auto cmac = gp::aes_cmac(k3_.s_mac, input);
        if (!cmac || !gp::equal_ct(std::string_view(*cmac).substr(0, 8), mac)) {
            close();
            return 0x6982;
        }
        mcv_ = std::move(*cmac);
        counter_ = 0;
    } else {
        auto expected =
            gp::scp02_host_cryptogram(k2_.s_enc, host_challenge_, sequence_counter_, card_challenge_);
        if (!expected || !gp::equal_ct(*expected, host_cryptogram)) {
            close();
            return 0x6300;
        }
        bytes input;
        const bool unmodified = (i_ & scp02_mac_unmodified) != 0;
        input.push_back(static_cast<char>(unmodified ? 0x80 : 0x84));
        input.push_back(static_cast<char>(a.ins));
        input.push_back(static_cast<char>(a.p1));
        input.push_back(static_cast<char>(a.p2));
        input.push_back(static_cast<char>(unmodified ? 0x08 : 0x10));
        input.append(host_cryptogram);
        auto rmac = gp::retail_mac(k2_.s_mac, bytes(8, '\0'), input);
        if (!rmac || !gp::equal_ct(*rmac, mac)) {
            close();
            return 0x6982;
        }
        last_mac_ = std::move(*rmac);
        if (scp02_set != nullptr) {
            scp02_set->sequence_counter = static_cast<std::uint16_t>(scp02_set->sequence_counter + 1);
        }
    }
    level_ = level;
    state_ = channel_state::open;
    return 0x9000;
}

std::optional<command_apdu> card_channel::unwrap(const command_apdu& a) {
    if (state_ != channel_state::open || level_ == sl::none || a.data.size() < 8) {
        close();
        return std::nullopt;
    }
    const std::string_view body = std::string_view(a.data).substr(0, a.data.size() - 8);
    const std::string_view mac = std::string_view(a.data).substr(a.data.size() - 8);
    command_apdu plain = a;
    plain.cla = static_cast<std::uint8_t>(a.cla & ~0x04);
    if (scp03_) {
        // C-MAC over MCV | CLA' INS P1 P2 Lc(wire) | encrypted data; Le excluded (AmdD 6.2.4).
        bytes input(mcv_);
        input.push_back(static_cast<char>(mac_cla(a.cla)));
        input.push_back(static_cast<char>(a.ins));
        input.push_back(static_cast<char>(a.p1));
        input.push_back(static_cast<char>(a.p2));
        append_lc(input, a.data.size(), a.extended);
        input.append(body);
        auto cmac = gp::aes_cmac(k3_.s_mac, input);
        if (!cmac || !gp::equal_ct(std::string_view(*cmac).substr(0, 8), mac)) {
            close();
            return std::nullopt;
        }
        mcv_ = std::move(*cmac);
        plain.data.assign(body);
        if (level_ & sl::c_dec) {
            ++counter_; // every command, with or without data (AmdD 6.2.6)
            if (!body.empty()) {
                if (body.size() % 16 != 0) {
                    close();
                    return std::nullopt;
                }
                auto icv = gp::aes_ecb_encrypt(k3_.s_enc, counter_block(counter_, false));
                if (!icv) {
                    close();
                    return std::nullopt;
                }
                auto dec = gp::aes_cbc_decrypt(k3_.s_enc, *icv, body);
                if (!dec) {
                    close();
                    return std::nullopt;
                }
                auto unpadded = gp::unpad80(*dec);
                if (!unpadded) {
                    close();
                    return std::nullopt;
                }
                plain.data = std::move(*unpadded);
            }
        }
        return plain;
    }
    // SCP02: decrypt first (3DES-CBC, IV 0), then the retail MAC over the plain data.
    plain.data.assign(body);
    if ((level_ & sl::c_dec) && !body.empty()) {
        if (body.size() % 8 != 0) {
            close();
            return std::nullopt;
        }
        auto dec = gp::des3_cbc_decrypt(k2_.s_enc, bytes(8, '\0'), body);
        if (!dec) {
            close();
            return std::nullopt;
        }
        auto unpadded = gp::unpad80(*dec);
        if (!unpadded) {
            close();
            return std::nullopt;
        }
        plain.data = std::move(*unpadded);
    }
    bytes icv = last_mac_;
    if (i_ & scp02_icv_encryption) {
        auto enc = gp::des_ecb_encrypt(k2_.s_mac, last_mac_);
        if (!enc) {
            close();
            return std::nullopt;
        }
        icv = std::move(*enc);
    }
    const bool unmodified = (i_ & scp02_mac_unmodified) != 0;
    bytes input;
    input.push_back(static_cast<char>(unmodified ? (a.cla & 0xF8) : mac_cla(a.cla)));
    input.push_back(static_cast<char>(a.ins));
    input.push_back(static_cast<char>(a.p1));
    input.push_back(static_cast<char>(a.p2));
    const std::size_t lc = plain.data.size() + (unmodified ? 0 : 8);
    if (lc > 0) {
        append_lc(input, lc, a.extended);
    }
    input.append(plain.data);
    auto rmac = gp::retail_mac(k2_.s_mac, icv, input);
    if (!rmac || !gp::equal_ct(*rmac, mac)) {
        close();
        return std::nullopt;
    }
    last_mac_ = std::move(*rmac);
    return plain;
}

bytes card_channel::wrap_response(std::string_view data, std::uint16_t sw) const {
    bytes sw_bytes{static_cast<char>(sw >> 8), static_cast<char>(sw & 0xFF)};
    if (!scp03_ || state_ != channel_state::open || !(level_ & sl::r_mac) || !success_status(sw)) {
        bytes out(success_status(sw) ? data : std::string_view{});
        out.append(sw_bytes);
        return out;
    }
    bytes body(data);
    if ((level_ & sl::r_enc) && !body.empty()) {
        auto icv = gp::aes_ecb_encrypt(k3_.s_enc, counter_block(counter_, true));
        auto enc =
            icv ? gp::aes_cbc_encrypt(k3_.s_enc, *icv, gp::pad80(body, 16)) : gp::result<bytes>(icv.error());
        if (!enc) {
            return bytes("\x6F\x00", 2);
        }
        body = std::move(*enc);
    }
    bytes input(mcv_);
    input.append(body);
    input.append(sw_bytes);
    auto rmac = gp::aes_cmac(k3_.s_rmac, input);
    if (!rmac) {
        return bytes("\x6F\x00", 2);
    }
    body.append(*rmac, 0, 8);
    body.append(sw_bytes);
    return body;
}

} // namespace tsm::sandbox::detail
