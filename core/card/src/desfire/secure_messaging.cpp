#include "tsm/core/desfire/secure_messaging.hpp"

#include "tsm/core/gp/crypto.hpp"

#include <algorithm>
#include <utility>

namespace tsm::core::desfire {
namespace {

constexpr std::size_t mac_length = 8;
constexpr std::size_t crc_length = 4;
constexpr char change_key_cmd = '\xC4';

std::size_t padded_length(std::size_t n, std::size_t block) {
    return (n + block - 1) / block * block;
}

bool all_zero(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == '\0'; });
}

// A DES-family key as ChangeKey carries it: single DES travels as K|K (16 bytes).
bytes wire_key(std::string_view raw) {
    bytes out(raw);
    if (raw.size() == 8) {
        out.append(raw);
    }
    return out;
}

std::size_t wire_key_length(key_type t) noexcept {
    return t == key_type::des ? 16 : key_length(t);
}

// new XOR old over the new key's length; an old key shorter than that (type change at PICC
// level) XORs as if zero-extended.
void xor_old(bytes& key, std::string_view old_wire) {
    for (std::size_t i = 0; i < key.size() && i < old_wire.size(); ++i) {
        key[i] = static_cast<char>(key[i] ^ old_wire[i]);
    }
}

// The DES key version: the LSBs of the first eight key bytes, MSB first.
std::uint8_t des_key_version(std::string_view key) noexcept {
    std::uint8_t v = 0;
    for (std::size_t i = 0; i < 8 && i < key.size(); ++i) {
        v = static_cast<std::uint8_t>(v | ((static_cast<unsigned char>(key[i]) & 1u) << (7 - i)));
    }
    return v;
}

} // namespace

session::session(key_type type, gp::secret_key session_key)
    : type_(type), key_(std::move(session_key)), iv_(block_size(type), '\0') {}

result<bytes> session::mac_command(std::string_view native_command) {
    auto full = cmac(type_, key_, iv_, native_command);
    if (!full) {
        return full.error();
    }
    iv_ = std::move(*full);
    return iv_.substr(0, mac_length);
}

result<bytes> session::encrypt_padded(bytes& body) {
    body.resize(padded_length(body.size(), block_size(type_)), '\0');
    auto ct = cbc_encrypt(type_, key_, iv_, body);
    gp::wipe(body);
    if (!ct) {
        return ct.error();
    }
    iv_ = ct->substr(ct->size() - block_size(type_));
    return ct;
}

result<bytes> session::seal(std::string_view crc_prefix, std::string_view data, std::string_view crc_suffix) {
    bytes covered(crc_prefix);
    covered.append(data);
    covered.append(crc_suffix);
    bytes body(data);
    body.append(crc32(covered));
    gp::wipe(covered);
    return encrypt_padded(body);
}

result<bytes> session::decrypt(std::string_view ciphertext, std::size_t body_length) {
    if (ciphertext.size() != padded_length(body_length, block_size(type_))) {
        return gp::errc::bad_length;
    }
    auto plain = cbc_decrypt(type_, key_, iv_, ciphertext);
    if (!plain) {
        return plain.error();
    }
    iv_ = bytes(ciphertext.substr(ciphertext.size() - block_size(type_)));
    return plain;
}

result<bytes> session::open(std::string_view crc_prefix, std::string_view ciphertext,
                            std::size_t plain_length, std::string_view crc_suffix) {
    auto plain = decrypt(ciphertext, plain_length + crc_length);
    if (!plain) {
        return plain.error();
    }
    bytes covered(crc_prefix);
    covered.append(plain->substr(0, plain_length));
    covered.append(crc_suffix);
    const bool ok = gp::equal_ct(crc32(covered), std::string_view(*plain).substr(plain_length, crc_length))
                    && all_zero(std::string_view(*plain).substr(plain_length + crc_length));
    gp::wipe(covered);
    if (!ok) {
        gp::wipe(*plain);
        return gp::errc::bad_padding;
    }
    plain->resize(plain_length);
    return plain;
}

result<bytes> session::encipher(std::string_view header, std::string_view data) {
    return seal(header, data, {});
}

result<bytes> session::decipher_command(std::string_view header, std::string_view ciphertext,
                                        std::size_t plain_length) {
    return open(header, ciphertext, plain_length, {});
}

result<bytes> session::mac_response(std::string_view data, std::uint8_t status) {
    bytes input(data);
    input.push_back(static_cast<char>(status));
    return mac_command(input);
}

result<bytes> session::verify_response(std::string_view data_with_mac, std::uint8_t status) {
    if (data_with_mac.size() < mac_length) {
        return gp::errc::rmac_missing;
    }
    const auto payload = data_with_mac.substr(0, data_with_mac.size() - mac_length);
    bytes input(payload);
    input.push_back(static_cast<char>(status));
    auto full = cmac(type_, key_, iv_, input);
    if (!full) {
        return full.error();
    }
    if (!gp::equal_ct(full->substr(0, mac_length), data_with_mac.substr(payload.size()))) {
        return gp::errc::rmac_mismatch;
    }
    iv_ = std::move(*full);
    return bytes(payload);
}

result<bytes> session::encipher_response(std::string_view plain, std::uint8_t status) {
    const char st = static_cast<char>(status);
    return seal({}, plain, std::string_view(&st, 1));
}

result<bytes> session::decipher_response(std::string_view ciphertext, std::uint8_t status,
                                         std::size_t plain_length) {
    // The response CRC covers plain || status: the same check as a command with the status
    // moved from the front (header) to the back.
    const char st = static_cast<char>(status);
    return open({}, ciphertext, plain_length, std::string_view(&st, 1));
}

result<bytes> session::change_key_cryptogram(std::uint8_t key_no_byte, const desfire_key& new_key,
                                             const desfire_key* old_key) {
    if (new_key.value.size() != key_length(new_key.type)
        || (old_key != nullptr && old_key->value.size() != key_length(old_key->type))) {
        return gp::errc::bad_key_length;
    }
    const bytes header{change_key_cmd, static_cast<char>(key_no_byte)};
    bytes new_wire = wire_key(new_key.value.view());
    bytes body = new_wire;
    if (old_key != nullptr) {
        bytes old_wire = wire_key(old_key->value.view());
        xor_old(body, old_wire);
        gp::wipe(old_wire);
    }
    if (new_key.type == key_type::aes) {
        body.push_back(static_cast<char>(new_key.version));
    }
    bytes covered = header + body;
    body.append(crc32(covered));
    gp::wipe(covered);
    if (old_key != nullptr) {
        // A key other than the authenticated one: the card also checks the new key itself.
        body.append(crc32(new_wire));
    }
    gp::wipe(new_wire);
    return encrypt_padded(body);
}

result<gp::secret_key> session::open_change_key(std::uint8_t key_no_byte, std::string_view cryptogram,
                                                key_type new_type, const gp::secret_key* old_key,
                                                std::uint8_t* version) {
    const std::size_t key_len = wire_key_length(new_type);
    const std::size_t ver_len = new_type == key_type::aes ? 1 : 0;
    const std::size_t crcs = old_key != nullptr ? 2 : 1;
    const std::size_t body_len = key_len + ver_len + crcs * crc_length;
    auto plain = decrypt(cryptogram, body_len);
    if (!plain) {
        return plain.error();
    }
    const std::string_view p(*plain);
    bytes covered{change_key_cmd, static_cast<char>(key_no_byte)};
    covered.append(p.substr(0, key_len + ver_len));
    bool ok =
        gp::equal_ct(crc32(covered), p.substr(key_len + ver_len, crc_length)) && all_zero(p.substr(body_len));
    gp::wipe(covered);
    bytes new_wire(p.substr(0, key_len));
    if (old_key != nullptr) {
        bytes old_wire = wire_key(old_key->view());
        xor_old(new_wire, old_wire);
        gp::wipe(old_wire);
        ok = ok && gp::equal_ct(crc32(new_wire), p.substr(key_len + ver_len + crc_length, crc_length));
    }
    const auto ver = ver_len != 0 ? static_cast<std::uint8_t>(p[key_len]) : des_key_version(new_wire);
    gp::wipe(*plain);
    if (!ok) {
        gp::wipe(new_wire);
        return gp::errc::bad_padding;
    }
    // Single DES arrives as K|K; halves that differ are a 2K3DES key, not a DES one.
    if (new_type == key_type::des
        && !gp::equal_ct(std::string_view(new_wire).substr(0, 8), std::string_view(new_wire).substr(8, 8))) {
        gp::wipe(new_wire);
        return gp::errc::bad_key_length;
    }
    auto key = gp::secret_key::from_bytes(std::string_view(new_wire).substr(0, key_length(new_type)));
    gp::wipe(new_wire);
    if (!key) {
        return gp::errc::crypto_failure;
    }
    if (version != nullptr) {
        *version = ver;
    }
    return std::move(*key);
}

} // namespace tsm::core::desfire
