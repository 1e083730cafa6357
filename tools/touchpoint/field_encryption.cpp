#include "touchpoint/field_encryption.hpp"

#include "tsm/core/hex.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

namespace tsm::tools::touchpoint {

namespace {

struct x509_free {
    void operator()(X509* x) const { X509_free(x); }
};
struct pkey_free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct pkey_ctx_free {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct cipher_ctx_free {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

constexpr std::size_t aes_key_size = 32;

// AES-256-CBC, zero IV, PKCS#7 (OpenSSL's default padding).
std::optional<std::string> aes_cbc_encrypt(const unsigned char* key, std::string_view clear) {
    std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_free> ctx(EVP_CIPHER_CTX_new());
    const unsigned char iv[16] = {};
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key, iv) != 1) {
        return std::nullopt;
    }
    std::string out(clear.size() + 16, '\0');
    int n1 = 0, n2 = 0;
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    if (EVP_EncryptUpdate(ctx.get(), o, &n1, reinterpret_cast<const unsigned char*>(clear.data()),
                          static_cast<int>(clear.size()))
            != 1
        || EVP_EncryptFinal_ex(ctx.get(), o + n1, &n2) != 1) {
        return std::nullopt;
    }
    out.resize(static_cast<std::size_t>(n1 + n2));
    return out;
}

std::optional<std::string> rsa_oaep_sha512_wrap(EVP_PKEY* pub, const unsigned char* key, std::size_t len) {
    std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free> ctx(EVP_PKEY_CTX_new(pub, nullptr));
    if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1
        || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1
        || EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha512()) != 1
        || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha512()) != 1) {
        return std::nullopt;
    }
    std::size_t out_len = 0;
    if (EVP_PKEY_encrypt(ctx.get(), nullptr, &out_len, key, len) != 1) {
        return std::nullopt;
    }
    std::string out(out_len, '\0');
    if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &out_len, key, len) != 1) {
        return std::nullopt;
    }
    out.resize(out_len);
    return out;
}

} // namespace

std::optional<encrypted_fields> encrypt_fields(std::string_view certificate_hex, const field_values& values,
                                               std::string& error) {
    auto der = core::from_hex(certificate_hex);
    if (!der || der->empty()) {
        error = "the service's certificate is not hex";
        return std::nullopt;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    std::unique_ptr<X509, x509_free> cert(d2i_X509(nullptr, &p, static_cast<long>(der->size())));
    if (!cert) {
        error = "the service's certificate is not DER X.509";
        return std::nullopt;
    }
    std::unique_ptr<EVP_PKEY, pkey_free> pub(X509_get_pubkey(cert.get()));
    if (!pub || EVP_PKEY_get_base_id(pub.get()) != EVP_PKEY_RSA) {
        error = "the service's certificate has no RSA public key";
        return std::nullopt;
    }
    unsigned char key[aes_key_size];
    if (RAND_bytes(key, sizeof key) != 1) {
        error = "no random bytes for the encryption key";
        return std::nullopt;
    }
    encrypted_fields out;
    bool ok = true;
    for (const auto& [id, clear] : values) {
        auto c = aes_cbc_encrypt(key, clear);
        if (!c) {
            ok = false;
            break;
        }
        out.values.emplace_back(id, core::to_hex(*c));
    }
    std::optional<std::string> wrapped;
    if (ok) {
        wrapped = rsa_oaep_sha512_wrap(pub.get(), key, sizeof key);
    }
    OPENSSL_cleanse(key, sizeof key);
    if (!ok || !wrapped) {
        error = ok ? "RSA-OAEP key wrap failed" : "AES-256-CBC encryption failed";
        return std::nullopt;
    }
    out.ephemeral_key_hex = core::to_hex(*wrapped);
    return out;
}

} // namespace tsm::tools::touchpoint
