#include "user_input_crypto.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <stdexcept>

namespace tsm::test {
namespace {

std::string to_hex(const unsigned char* p, std::size_t n) {
    static const char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(digits[p[i] >> 4]);
        out.push_back(digits[p[i] & 0x0F]);
    }
    return out;
}

std::vector<unsigned char> from_hex(const std::string& hex) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        throw std::runtime_error("not hex");
    };
    if (hex.size() % 2 != 0) {
        throw std::runtime_error("odd hex");
    }
    std::vector<unsigned char> out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = static_cast<unsigned char>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    }
    return out;
}

void check(int ok, const char* what) {
    if (ok <= 0) {
        throw std::runtime_error(what);
    }
}

using ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
using cipher_ptr = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

void oaep_sha512(EVP_PKEY_CTX* ctx) {
    check(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING), "padding");
    check(EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha512()), "oaep md");
    check(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha512()), "mgf1 md");
}

std::vector<unsigned char> aes_cbc(const unsigned char* key, const std::vector<unsigned char>& in, bool encrypt) {
    cipher_ptr c(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    const unsigned char iv[16] = {};
    check(EVP_CipherInit_ex(c.get(), EVP_aes_256_cbc(), nullptr, key, iv, encrypt ? 1 : 0), "cipher init");
    std::vector<unsigned char> out(in.size() + 16);
    int n = 0;
    int tail = 0;
    check(EVP_CipherUpdate(c.get(), out.data(), &n, in.data(), static_cast<int>(in.size())), "cipher");
    check(EVP_CipherFinal_ex(c.get(), out.data() + n, &tail), "cipher final");
    out.resize(static_cast<std::size_t>(n + tail));
    return out;
}

} // namespace

struct sp_rsa_key::impl {
    EVP_PKEY* key = nullptr;
    ~impl() { EVP_PKEY_free(key); }
};

sp_rsa_key::sp_rsa_key() : impl_(std::make_unique<impl>()) {
    ctx_ptr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr), EVP_PKEY_CTX_free);
    check(ctx != nullptr, "keygen ctx");
    check(EVP_PKEY_keygen_init(ctx.get()), "keygen init");
    check(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048), "keygen bits");
    check(EVP_PKEY_keygen(ctx.get(), &impl_->key), "keygen");
}

sp_rsa_key::~sp_rsa_key() = default;

sp_rsa_key::sealed_values sp_rsa_key::encrypt(const std::vector<std::string>& values) const {
    unsigned char aes[32];
    check(RAND_bytes(aes, sizeof aes), "random key");
    sealed_values out;
    for (const auto& v : values) {
        auto c = aes_cbc(aes, std::vector<unsigned char>(v.begin(), v.end()), true);
        out.values_hex.push_back(to_hex(c.data(), c.size()));
    }
    ctx_ptr ctx(EVP_PKEY_CTX_new(impl_->key, nullptr), EVP_PKEY_CTX_free);
    check(EVP_PKEY_encrypt_init(ctx.get()), "encrypt init");
    oaep_sha512(ctx.get());
    std::size_t n = 0;
    check(EVP_PKEY_encrypt(ctx.get(), nullptr, &n, aes, sizeof aes), "wrap size");
    std::vector<unsigned char> wrapped(n);
    check(EVP_PKEY_encrypt(ctx.get(), wrapped.data(), &n, aes, sizeof aes), "wrap");
    OPENSSL_cleanse(aes, sizeof aes);
    out.ephemeral_key_hex = to_hex(wrapped.data(), n);
    return out;
}

std::string sp_rsa_key::decrypt(const std::string& ephemeral_key_hex, const std::string& value_hex) const {
    const auto wrapped = from_hex(ephemeral_key_hex);
    ctx_ptr ctx(EVP_PKEY_CTX_new(impl_->key, nullptr), EVP_PKEY_CTX_free);
    check(EVP_PKEY_decrypt_init(ctx.get()), "decrypt init");
    oaep_sha512(ctx.get());
    std::size_t n = 0;
    check(EVP_PKEY_decrypt(ctx.get(), nullptr, &n, wrapped.data(), wrapped.size()), "unwrap size");
    std::vector<unsigned char> aes(n);
    check(EVP_PKEY_decrypt(ctx.get(), aes.data(), &n, wrapped.data(), wrapped.size()), "unwrap");
    if (n != 32) {
        throw std::runtime_error("the wrapped key is not an AES-256 key");
    }
    auto clear = aes_cbc(aes.data(), from_hex(value_hex), false);
    OPENSSL_cleanse(aes.data(), aes.size());
    return std::string(clear.begin(), clear.end());
}

} // namespace tsm::test
