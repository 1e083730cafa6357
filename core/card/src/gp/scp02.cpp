#include "tsm/core/gp/scp02.hpp"

#include "tsm/core/gp/crypto.hpp"

namespace tsm::core::gp {

result<scp02_init_response> parse_scp02_init_response(std::string_view data) {
    if (data.size() != 28) {
        return errc::malformed_response;
    }
    scp02_init_response r;
    r.kdd.assign(data.substr(0, 10));
    r.kvn = static_cast<std::uint8_t>(data[10]);
    r.scp = static_cast<std::uint8_t>(data[11]);
    if (r.scp != 0x02) {
        return errc::wrong_protocol;
    }
    r.sequence_counter.assign(data.substr(12, 2));
    r.card_challenge.assign(data.substr(14, 6));
    r.card_cryptogram.assign(data.substr(20, 8));
    return r;
}

namespace {

result<secret_key> derive(const secret_key& base, scp02_constant c, std::string_view seq) {
    if (base.size() != 16) {
        return errc::bad_key_length;
    }
    bytes input(16, '\0');
    input[0] = static_cast<char>(static_cast<std::uint16_t>(c) >> 8);
    input[1] = static_cast<char>(static_cast<std::uint16_t>(c) & 0xFF);
    input[2] = seq[0];
    input[3] = seq[1];
    auto raw = des3_cbc_encrypt(base, bytes(8, '\0'), input);
    if (!raw) {
        return raw.error();
    }
    auto k = secret_key::from_bytes(*raw);
    wipe(*raw);
    if (!k) {
        return errc::crypto_failure;
    }
    return std::move(*k);
}

} // namespace

result<scp02_session_keys> derive_scp02_session_keys(const static_keys& keys,
                                                     std::string_view sequence_counter) {
    if (sequence_counter.size() != 2) {
        return errc::bad_length;
    }
    auto enc = derive(keys.enc, scp02_constant::enc, sequence_counter);
    auto mac = derive(keys.mac, scp02_constant::c_mac, sequence_counter);
    auto rmac = derive(keys.mac, scp02_constant::r_mac, sequence_counter);
    auto dek = derive(keys.dek, scp02_constant::dek, sequence_counter);
    for (const auto* k : {&enc, &mac, &rmac, &dek}) {
        if (!*k) {
            return k->error();
        }
    }
    return scp02_session_keys{std::move(*enc), std::move(*mac), std::move(*rmac), std::move(*dek)};
}

namespace {

result<bytes> cryptogram(const secret_key& s_enc, std::string_view a, std::string_view b,
                         std::string_view c) {
    bytes input(a);
    input.append(b);
    input.append(c);
    return des3_full_mac(s_enc, bytes(8, '\0'), input);
}

bool valid_inputs(std::string_view host_challenge, std::string_view seq, std::string_view card_challenge) {
    return host_challenge.size() == 8 && seq.size() == 2 && card_challenge.size() == 6;
}

} // namespace

result<bytes> scp02_card_cryptogram(const secret_key& s_enc, std::string_view host_challenge,
                                    std::string_view sequence_counter, std::string_view card_challenge) {
    if (!valid_inputs(host_challenge, sequence_counter, card_challenge)) {
        return errc::bad_length;
    }
    return cryptogram(s_enc, host_challenge, sequence_counter, card_challenge);
}

result<bytes> scp02_host_cryptogram(const secret_key& s_enc, std::string_view host_challenge,
                                    std::string_view sequence_counter, std::string_view card_challenge) {
    if (!valid_inputs(host_challenge, sequence_counter, card_challenge)) {
        return errc::bad_length;
    }
    return cryptogram(s_enc, sequence_counter, card_challenge, host_challenge);
}

} // namespace tsm::core::gp
