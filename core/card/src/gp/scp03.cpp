#include "tsm/core/gp/scp03.hpp"

#include "tsm/core/gp/crypto.hpp"

namespace tsm::core::gp {

result<bytes> scp03_kdf(const secret_key& key, scp03_constant constant, std::string_view context,
                        std::size_t out_bits) {
    if (out_bits == 0 || out_bits % 8 != 0 || out_bits > 256) {
        return errc::bad_length;
    }
    // Fixed input: label (11 zero bytes + constant), separator 00, L, then the counter.
    bytes input(11, '\0');
    input.push_back(static_cast<char>(constant));
    input.push_back('\0');
    input.push_back(static_cast<char>(out_bits >> 8));
    input.push_back(static_cast<char>(out_bits & 0xFF));
    const std::size_t counter_pos = input.size();
    input.push_back('\0');
    input.append(context);

    const std::size_t out_len = out_bits / 8;
    bytes out;
    for (unsigned counter = 1; out.size() < out_len; ++counter) {
        input[counter_pos] = static_cast<char>(counter);
        auto block = aes_cmac(key, input);
        if (!block) {
            wipe(out);
            return block.error();
        }
        out.append(*block);
        wipe(*block);
    }
    out.resize(out_len);
    return out;
}

result<scp03_init_response> parse_scp03_init_response(std::string_view data) {
    if (data.size() < 13) {
        return errc::malformed_response;
    }
    scp03_init_response r;
    r.kdd.assign(data.substr(0, 10));
    r.kvn = static_cast<std::uint8_t>(data[10]);
    r.scp = static_cast<std::uint8_t>(data[11]);
    r.i = static_cast<std::uint8_t>(data[12]);
    if (r.scp != 0x03) {
        return errc::wrong_protocol;
    }
    const std::size_t n = r.s16() ? 16 : 8;
    const std::size_t expected = 13 + 2 * n + (r.pseudo_random_challenge() ? 3 : 0);
    if (data.size() != expected) {
        return errc::malformed_response;
    }
    r.card_challenge.assign(data.substr(13, n));
    r.card_cryptogram.assign(data.substr(13 + n, n));
    if (r.pseudo_random_challenge()) {
        r.sequence_counter = bytes(data.substr(13 + 2 * n, 3));
    }
    return r;
}

namespace {

result<secret_key> derive_key(const secret_key& base, scp03_constant c, std::string_view context) {
    if (base.size() != 16 && base.size() != 24 && base.size() != 32) {
        return errc::bad_key_length;
    }
    auto raw = scp03_kdf(base, c, context, base.size() * 8);
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

result<scp03_session_keys> derive_scp03_session_keys(const static_keys& keys, std::string_view host_challenge,
                                                     std::string_view card_challenge) {
    if (host_challenge.size() != card_challenge.size()
        || (host_challenge.size() != 8 && host_challenge.size() != 16)) {
        return errc::bad_length;
    }
    bytes context(host_challenge);
    context.append(card_challenge);
    auto enc = derive_key(keys.enc, scp03_constant::s_enc, context);
    if (!enc) {
        return enc.error();
    }
    auto mac = derive_key(keys.mac, scp03_constant::s_mac, context);
    if (!mac) {
        return mac.error();
    }
    // S-RMAC comes from Key-MAC, not from a separate R-MAC key (AmdD 6.2.2).
    auto rmac = derive_key(keys.mac, scp03_constant::s_rmac, context);
    if (!rmac) {
        return rmac.error();
    }
    return scp03_session_keys{std::move(*enc), std::move(*mac), std::move(*rmac)};
}

namespace {

result<bytes> cryptogram(const secret_key& s_mac, scp03_constant c, std::string_view host_challenge,
                         std::string_view card_challenge, std::size_t bits) {
    bytes context(host_challenge);
    context.append(card_challenge);
    return scp03_kdf(s_mac, c, context, bits);
}

} // namespace

result<bytes> scp03_card_cryptogram(const secret_key& s_mac, std::string_view host_challenge,
                                    std::string_view card_challenge, std::size_t bits) {
    return cryptogram(s_mac, scp03_constant::card_cryptogram, host_challenge, card_challenge, bits);
}

result<bytes> scp03_host_cryptogram(const secret_key& s_mac, std::string_view host_challenge,
                                    std::string_view card_challenge, std::size_t bits) {
    return cryptogram(s_mac, scp03_constant::host_cryptogram, host_challenge, card_challenge, bits);
}

result<bytes> scp03_pseudo_random_card_challenge(const secret_key& key_enc, std::string_view sequence_counter,
                                                 std::string_view sd_aid) {
    if (sequence_counter.size() != 3) {
        return errc::bad_length;
    }
    bytes context(sequence_counter);
    context.append(sd_aid);
    return scp03_kdf(key_enc, scp03_constant::card_challenge, context, 64);
}

} // namespace tsm::core::gp
