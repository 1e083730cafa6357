#include "tsm/core/key_vault.hpp"

#include <sodium.h>

#include <stdexcept>

namespace tsm::core {

key_vault::key_vault(bytes kek) : kek_(std::move(kek)) {
    if (kek_.size() != kek_size) {
        wipe(kek_);
        throw std::invalid_argument("key_vault: the key-encryption key must be 32 bytes");
    }
}

key_vault::~key_vault() {
    wipe(kek_);
}

bytes key_vault::seal(std::string_view plaintext, std::string_view ad) const {
    constexpr std::size_t nonce_size = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    bytes out(nonce_size + plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    randombytes_buf(o, nonce_size); // 192-bit random nonces: no counter to persist
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(o + nonce_size, &clen,
                                               reinterpret_cast<const unsigned char*>(plaintext.data()),
                                               plaintext.size(),
                                               reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
                                               nullptr, o,
                                               reinterpret_cast<const unsigned char*>(kek_.data()));
    out.resize(nonce_size + clen);
    return out;
}

std::optional<bytes> key_vault::open(std::string_view sealed, std::string_view ad) const {
    constexpr std::size_t nonce_size = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    if (sealed.size() < nonce_size + crypto_aead_xchacha20poly1305_ietf_ABYTES) {
        return std::nullopt;
    }
    const auto* s = reinterpret_cast<const unsigned char*>(sealed.data());
    bytes plain(sealed.size() - nonce_size - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
    unsigned long long plen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()), &plen,
                                                   nullptr, s + nonce_size, sealed.size() - nonce_size,
                                                   reinterpret_cast<const unsigned char*>(ad.data()),
                                                   ad.size(), s,
                                                   reinterpret_cast<const unsigned char*>(kek_.data()))
        != 0) {
        return std::nullopt;
    }
    plain.resize(plen);
    return plain;
}

void wipe(bytes& secret) noexcept {
    if (!secret.empty()) {
        sodium_memzero(secret.data(), secret.size());
    }
}

} // namespace tsm::core
