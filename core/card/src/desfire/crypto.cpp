#include "tsm/core/desfire/crypto.hpp"

#include "tsm/core/gp/crypto.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace tsm::core::desfire {
namespace {

bool valid_key(key_type t, const gp::secret_key& key) noexcept {
    return key.size() == key_length(t);
}

// The key as gp::des3_* takes it: DES as K|K|K (stays in OpenSSL's default provider, same
// result as single DES); 2K3DES (K1|K2|K1) and 3K3DES as given.
gp::secret_key des3_form(const gp::secret_key& key) {
    if (key.size() != 8) {
        return key;
    }
    std::array<char, 24> kkk{};
    for (std::size_t i = 0; i < 3; ++i) {
        std::copy_n(key.view().data(), 8, kkk.data() + 8 * i);
    }
    auto out = gp::secret_key::from_bytes({kkk.data(), kkk.size()});
    kkk.fill('\0');
    return out ? std::move(*out) : gp::secret_key{};
}

result<bytes> ecb_encrypt(key_type t, const gp::secret_key& key, std::string_view data) {
    if (!valid_key(t, key)) {
        return gp::errc::bad_key_length;
    }
    if (t == key_type::aes) {
        return gp::aes_ecb_encrypt(key, data);
    }
    return gp::des3_ecb_encrypt(des3_form(key), data);
}

using cbc_function = result<bytes> (*)(const gp::secret_key&, std::string_view, std::string_view);

// One CBC direction: checks the key and the lengths, then runs the AES or the 3DES function.
result<bytes> cbc(key_type t, const gp::secret_key& key, std::string_view iv, std::string_view data,
                  cbc_function aes, cbc_function des3) {
    if (!valid_key(t, key)) {
        return gp::errc::bad_key_length;
    }
    if (iv.size() != block_size(t) || data.size() % block_size(t) != 0) {
        return gp::errc::bad_length;
    }
    if (t == key_type::aes) {
        return aes(key, iv, data);
    }
    return des3(des3_form(key), iv, data);
}

// Doubles a block in GF(2^n) for the CMAC subkeys: shift left one bit, XOR Rb into the last
// byte when the top bit fell off (0x87 for 128-bit blocks, 0x1B for 64-bit blocks).
bytes gf_double(std::string_view block) {
    bytes out(block.size(), '\0');
    const auto msb = static_cast<unsigned char>(block[0]) >> 7;
    for (std::size_t i = 0; i < block.size(); ++i) {
        const auto cur = static_cast<unsigned char>(block[i]);
        const auto next = i + 1 < block.size() ? static_cast<unsigned char>(block[i + 1]) : 0;
        out[i] = static_cast<char>(static_cast<unsigned char>((cur << 1) | (next >> 7)));
    }
    if (msb != 0) {
        const unsigned char rb = block.size() == 16 ? 0x87 : 0x1B;
        out.back() = static_cast<char>(static_cast<unsigned char>(out.back()) ^ rb);
    }
    return out;
}

void xor_into(bytes& target, std::size_t offset, std::string_view mask) {
    for (std::size_t i = 0; i < mask.size(); ++i) {
        target[offset + i] = static_cast<char>(target[offset + i] ^ mask[i]);
    }
}

// CMAC whose CBC starts from `iv`, with the message padded (80 00..) to at least `min_len`
// bytes. min_len 0 is plain SP 800-38B; AN10922 asks for two blocks even for short inputs.
result<bytes> cmac_padded(key_type t, const gp::secret_key& key, std::string_view iv, std::string_view data,
                          std::size_t min_len) {
    const std::size_t b = block_size(t);
    if (iv.size() != b) {
        return gp::errc::bad_length;
    }
    auto l = ecb_encrypt(t, key, bytes(b, '\0'));
    if (!l) {
        return l.error();
    }
    bytes k1 = gf_double(*l);
    gp::wipe(*l);
    const bool complete = !data.empty() && data.size() % b == 0 && data.size() >= min_len;
    bytes msg(data);
    if (!complete) {
        msg = gp::pad80(data, b);
        while (msg.size() < min_len) {
            msg.append(b, '\0');
        }
        bytes k2 = gf_double(k1);
        xor_into(msg, msg.size() - b, k2);
        gp::wipe(k2);
    } else {
        xor_into(msg, msg.size() - b, k1);
    }
    gp::wipe(k1);
    auto chain = cbc_encrypt(t, key, iv, msg);
    if (!chain) {
        return chain.error();
    }
    return chain->substr(chain->size() - b);
}

} // namespace

bytes crc32(std::string_view data) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (const char c : data) {
        crc ^= static_cast<unsigned char>(c);
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc >> 1) ^ ((crc & 1u) != 0 ? 0xEDB88320u : 0u);
        }
    }
    // No final XOR (unlike zlib): DESFire keeps the raw register, little-endian.
    bytes out(4, '\0');
    for (std::size_t i = 0; i < 4; ++i) {
        out[i] = static_cast<char>((crc >> (8 * i)) & 0xFFu);
    }
    return out;
}

result<bytes> cbc_encrypt(key_type t, const gp::secret_key& key, std::string_view iv, std::string_view data) {
    return cbc(t, key, iv, data, gp::aes_cbc_encrypt, gp::des3_cbc_encrypt);
}

result<bytes> cbc_decrypt(key_type t, const gp::secret_key& key, std::string_view iv, std::string_view data) {
    return cbc(t, key, iv, data, gp::aes_cbc_decrypt, gp::des3_cbc_decrypt);
}

result<bytes> cmac(key_type t, const gp::secret_key& key, std::string_view iv, std::string_view data) {
    return cmac_padded(t, key, iv, data, 0);
}

result<gp::secret_key> session_key(key_type t, std::string_view rnd_a, std::string_view rnd_b) {
    const std::size_t n = challenge_length(t);
    if (rnd_a.size() != n || rnd_b.size() != n) {
        return gp::errc::bad_length;
    }
    // RndA[o..o+3] || RndB[o..o+3] for each offset o of the key type (section 5.3).
    bytes raw;
    auto take = [&](std::size_t offset) {
        raw.append(rnd_a.substr(offset, 4));
        raw.append(rnd_b.substr(offset, 4));
    };
    switch (t) {
    case key_type::des: take(0); break;
    case key_type::tdes2:
        take(0);
        take(4);
        break;
    case key_type::tdes3:
        take(0);
        take(6);
        take(12);
        break;
    case key_type::aes:
        take(0);
        take(12);
        break;
    }
    auto key = gp::secret_key::from_bytes(raw);
    gp::wipe(raw);
    if (!key) {
        return gp::errc::crypto_failure;
    }
    return std::move(*key);
}

result<gp::secret_key> diversify_an10922(key_type t, const gp::secret_key& master, std::string_view m) {
    if (t == key_type::des || !valid_key(t, master)) {
        return gp::errc::bad_key_length;
    }
    // AN10922 bounds M by the two-block CMAC input: 31 bytes for AES, 15 for the DES family.
    const std::size_t b = block_size(t);
    if (m.empty() || m.size() + 1 > 2 * b) {
        return gp::errc::bad_length;
    }
    std::array<std::uint8_t, 3> prefixes{};
    std::size_t parts = 0;
    switch (t) {
    case key_type::aes:
        prefixes = {0x01};
        parts = 1;
        break;
    case key_type::tdes2:
        prefixes = {0x21, 0x22};
        parts = 2;
        break;
    case key_type::tdes3:
        prefixes = {0x31, 0x32, 0x33};
        parts = 3;
        break;
    case key_type::des: break;
    }
    bytes raw;
    const bytes zero_iv(b, '\0');
    for (std::size_t i = 0; i < parts; ++i) {
        bytes d(1, static_cast<char>(prefixes[i]));
        d.append(m);
        auto part = cmac_padded(t, master, zero_iv, d, 2 * b);
        if (!part) {
            gp::wipe(raw);
            return part.error();
        }
        raw.append(*part);
        gp::wipe(*part);
    }
    auto key = gp::secret_key::from_bytes(raw);
    gp::wipe(raw);
    if (!key) {
        return gp::errc::crypto_failure;
    }
    return std::move(*key);
}

} // namespace tsm::core::desfire
