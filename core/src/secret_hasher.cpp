#include "tsm/core/secret_hasher.hpp"

#include <sodium.h>

#include <stdexcept>

namespace tsm::core {

secret_hasher::secret_hasher(bytes key) : key_(std::move(key)) {
    if (key_.size() != key_size) {
        throw std::invalid_argument("secret_hasher: key must be 32 bytes");
    }
}

secret_hasher::~secret_hasher() {
    sodium_memzero(key_.data(), key_.size());
}

bytes secret_hasher::digest(std::string_view context, std::string_view secret) const {
    crypto_generichash_state st;
    crypto_generichash_init(&st, reinterpret_cast<const unsigned char*>(key_.data()), key_.size(),
                            digest_size);
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(context.data()), context.size());
    const unsigned char zero = 0;
    crypto_generichash_update(&st, &zero, 1);
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
    bytes out(digest_size, '\0');
    crypto_generichash_final(&st, reinterpret_cast<unsigned char*>(out.data()), out.size());
    return out;
}

bool secret_hasher::verify(std::string_view context, std::string_view secret,
                           std::string_view digest_bytes) const {
    if (digest_bytes.size() != digest_size) {
        return false;
    }
    const bytes d = digest(context, secret);
    return sodium_memcmp(d.data(), digest_bytes.data(), digest_size) == 0;
}

bytes secret_hasher::generate_key() {
    bytes k(key_size, '\0');
    randombytes_buf(k.data(), k.size());
    return k;
}

} // namespace tsm::core
