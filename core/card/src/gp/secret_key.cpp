#include "tsm/core/gp/secret_key.hpp"

#include "tsm/core/hex.hpp"

#include <openssl/crypto.h>

#include <cstring>

namespace tsm::core::gp {

secret_key::secret_key(secret_key&& other) noexcept : buf_(other.buf_), size_(other.size_) {
    other.wipe();
}

secret_key& secret_key::operator=(secret_key&& other) noexcept {
    if (this != &other) {
        buf_ = other.buf_;
        size_ = other.size_;
        other.wipe();
    }
    return *this;
}

secret_key::~secret_key() {
    wipe();
}

std::optional<secret_key> secret_key::from_bytes(std::string_view raw) {
    if (raw.empty() || raw.size() > max_size) {
        return std::nullopt;
    }
    secret_key k;
    std::memcpy(k.buf_.data(), raw.data(), raw.size());
    k.size_ = raw.size();
    return k;
}

std::optional<secret_key> secret_key::from_hex(std::string_view hex) {
    auto raw = tsm::core::from_hex(hex);
    if (!raw) {
        return std::nullopt;
    }
    auto k = from_bytes(*raw);
    gp::wipe(*raw);
    return k;
}

void secret_key::wipe() noexcept {
    OPENSSL_cleanse(buf_.data(), buf_.size());
    size_ = 0;
}

void wipe(std::string& buffer) noexcept {
    // capacity() covers the SSO buffer and any slack the string grew into.
    if (buffer.capacity() > 0) {
        OPENSSL_cleanse(buffer.data(), buffer.capacity());
    }
    buffer.clear();
}

} // namespace tsm::core::gp
