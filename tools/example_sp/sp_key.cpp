#include "example_sp/sp_key.hpp"

#include "tsm/core/hex.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdio>

namespace tsm::tools::example_sp {

namespace {

struct x509_free {
    void operator()(X509* x) const { X509_free(x); }
};
struct pkey_ctx_free {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct cipher_ctx_free {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

constexpr std::size_t aes_key_size = 32;

// A self-signed certificate for `pkey` (CN=OpenTSM example SP, ten years), as DER.
std::optional<std::string> self_signed_der(EVP_PKEY* pkey) {
    std::unique_ptr<X509, x509_free> x(X509_new());
    if (!x || X509_set_version(x.get(), 2) != 1 || ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1) != 1
        || !X509_gmtime_adj(X509_getm_notBefore(x.get()), 0)
        || !X509_gmtime_adj(X509_getm_notAfter(x.get()), 10L * 365 * 24 * 3600)
        || X509_set_pubkey(x.get(), pkey) != 1) {
        return std::nullopt;
    }
    X509_NAME* name = X509_get_subject_name(x.get());
    const auto* cn = reinterpret_cast<const unsigned char*>("OpenTSM example SP");
    if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) != 1
        || X509_set_issuer_name(x.get(), name) != 1 || X509_sign(x.get(), pkey, EVP_sha256()) <= 0) {
        return std::nullopt;
    }
    const int len = i2d_X509(x.get(), nullptr);
    if (len <= 0) {
        return std::nullopt;
    }
    std::string der(static_cast<std::size_t>(len), '\0');
    auto* p = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_X509(x.get(), &p) != len) {
        return std::nullopt;
    }
    return der;
}

} // namespace

void sp_key::pkey_free::operator()(EVP_PKEY* k) const {
    EVP_PKEY_free(k);
}

std::optional<sp_key> sp_key::from_pkey(EVP_PKEY* pkey, std::string& error) {
    sp_key k;
    k.pkey_ = std::shared_ptr<EVP_PKEY>(pkey, pkey_free{});
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
        error = "the key is not an RSA key";
        return std::nullopt;
    }
    auto der = self_signed_der(pkey);
    if (!der) {
        error = "cannot make the self-signed certificate";
        return std::nullopt;
    }
    k.certificate_hex_ = core::to_hex(*der);
    return k;
}

std::optional<sp_key> sp_key::generate(std::string& error) {
    EVP_PKEY* pkey = EVP_RSA_gen(2048);
    if (!pkey) {
        error = "RSA-2048 key generation failed";
        return std::nullopt;
    }
    return from_pkey(pkey, error);
}

std::optional<sp_key> sp_key::load(const std::string& pem_path, std::string& error) {
    std::FILE* f = std::fopen(pem_path.c_str(), "r");
    if (!f) {
        error = "cannot open the key file " + pem_path;
        return std::nullopt;
    }
    EVP_PKEY* pkey = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (!pkey) {
        error = "the key file " + pem_path + " holds no PEM private key";
        return std::nullopt;
    }
    return from_pkey(pkey, error);
}

std::optional<std::string> sp_key::unwrap(std::string_view ephemeral_key_hex) const {
    auto wrapped = core::from_hex(ephemeral_key_hex);
    if (!wrapped || wrapped->empty()) {
        return std::nullopt;
    }
    std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free> ctx(EVP_PKEY_CTX_new(pkey_.get(), nullptr));
    if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1
        || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1
        || EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha512()) != 1
        || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha512()) != 1) {
        return std::nullopt;
    }
    const auto* in = reinterpret_cast<const unsigned char*>(wrapped->data());
    std::size_t len = 0;
    if (EVP_PKEY_decrypt(ctx.get(), nullptr, &len, in, wrapped->size()) != 1) {
        return std::nullopt;
    }
    std::string key(len, '\0');
    if (EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char*>(key.data()), &len, in, wrapped->size())
            != 1
        || len != aes_key_size) {
        OPENSSL_cleanse(key.data(), key.size());
        return std::nullopt;
    }
    key.resize(len);
    return key;
}

std::optional<std::string> sp_key::decrypt_value(const std::string& aes_key, std::string_view value_hex) {
    auto c = core::from_hex(value_hex);
    if (aes_key.size() != aes_key_size || !c || c->empty() || c->size() % 16 != 0) {
        return std::nullopt;
    }
    std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_free> ctx(EVP_CIPHER_CTX_new());
    const unsigned char iv[16] = {};
    if (!ctx
        || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr,
                              reinterpret_cast<const unsigned char*>(aes_key.data()), iv)
               != 1) {
        return std::nullopt;
    }
    std::string out(c->size() + 16, '\0');
    int n1 = 0, n2 = 0;
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    if (EVP_DecryptUpdate(ctx.get(), o, &n1, reinterpret_cast<const unsigned char*>(c->data()),
                          static_cast<int>(c->size()))
            != 1
        || EVP_DecryptFinal_ex(ctx.get(), o + n1, &n2) != 1) {
        OPENSSL_cleanse(out.data(), out.size());
        return std::nullopt;
    }
    // Clear bytes past the end are wiped before the string shrinks over them.
    OPENSSL_cleanse(out.data() + n1 + n2, out.size() - static_cast<std::size_t>(n1 + n2));
    out.resize(static_cast<std::size_t>(n1 + n2));
    return out;
}

} // namespace tsm::tools::example_sp
