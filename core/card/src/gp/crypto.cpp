#include "tsm/core/gp/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>

namespace tsm::core::gp {
namespace {

struct cipher_ctx_deleter {
    void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
struct mac_ctx_deleter {
    void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
};

const unsigned char* u8(std::string_view s) noexcept {
    return reinterpret_cast<const unsigned char*>(s.data());
}

// OpenSSL 3 fetches a provider implementation on every init when handed the legacy
// EVP_aes_128_cbc()-style objects; fetching once and reusing the object skips that lookup
// (bench/core_scp03_wrap_bench). Fetched EVP_CIPHERs are immutable and shareable across threads.
const EVP_CIPHER* fetched(const char* name) noexcept {
    return EVP_CIPHER_fetch(nullptr, name, nullptr);
}

const EVP_CIPHER* aes_cipher(std::size_t key_len, bool cbc) noexcept {
    static const EVP_CIPHER* const aes128_cbc = fetched("AES-128-CBC");
    static const EVP_CIPHER* const aes128_ecb = fetched("AES-128-ECB");
    static const EVP_CIPHER* const aes192_cbc = fetched("AES-192-CBC");
    static const EVP_CIPHER* const aes192_ecb = fetched("AES-192-ECB");
    static const EVP_CIPHER* const aes256_cbc = fetched("AES-256-CBC");
    static const EVP_CIPHER* const aes256_ecb = fetched("AES-256-ECB");
    switch (key_len) {
    case 16: return cbc ? aes128_cbc : aes128_ecb;
    case 24: return cbc ? aes192_cbc : aes192_ecb;
    case 32: return cbc ? aes256_cbc : aes256_ecb;
    default: return nullptr;
    }
}

const EVP_CIPHER* des3_cipher(std::size_t key_len, bool cbc) noexcept {
    static const EVP_CIPHER* const ede_cbc = fetched("DES-EDE-CBC");
    static const EVP_CIPHER* const ede_ecb = fetched("DES-EDE-ECB");
    static const EVP_CIPHER* const ede3_cbc = fetched("DES-EDE3-CBC");
    static const EVP_CIPHER* const ede3_ecb = fetched("DES-EDE3-ECB");
    switch (key_len) {
    case 16: return cbc ? ede_cbc : ede_ecb;
    case 24: return cbc ? ede3_cbc : ede3_ecb;
    default: return nullptr;
    }
}

// One-shot block cipher without padding. `iv` is empty for ECB.
result<bytes> run_cipher(const EVP_CIPHER* cipher, const unsigned char* key, std::string_view iv,
                         std::string_view data, bool encrypt) {
    if (cipher == nullptr) {
        return errc::bad_key_length;
    }
    const auto block = static_cast<std::size_t>(EVP_CIPHER_get_block_size(cipher));
    if (data.size() % block != 0) {
        return errc::bad_length;
    }
    if (!iv.empty() && iv.size() != static_cast<std::size_t>(EVP_CIPHER_get_iv_length(cipher))) {
        return errc::bad_length;
    }
    std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_deleter> ctx(EVP_CIPHER_CTX_new());
    if (!ctx
        || EVP_CipherInit_ex2(ctx.get(), cipher, key, iv.empty() ? nullptr : u8(iv), encrypt ? 1 : 0, nullptr)
               != 1
        || EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1) {
        return errc::crypto_failure;
    }
    bytes out(data.size(), '\0');
    int n = 0;
    int fin = 0;
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    if (!data.empty() && EVP_CipherUpdate(ctx.get(), o, &n, u8(data), static_cast<int>(data.size())) != 1) {
        return errc::crypto_failure;
    }
    if (EVP_CipherFinal_ex(ctx.get(), o + n, &fin) != 1 || static_cast<std::size_t>(n + fin) != data.size()) {
        return errc::crypto_failure;
    }
    return out;
}

// Single DES as 3DES with K|K|K: identical output, and des-ecb needs the legacy provider in 3.0.
result<bytes> single_des(const secret_key& key, std::string_view iv, std::string_view data) {
    if (key.size() < 8) {
        return errc::bad_key_length;
    }
    unsigned char kkk[24];
    for (int i = 0; i < 3; ++i) {
        std::memcpy(kkk + 8 * i, key.data(), 8);
    }
    auto r = run_cipher(des3_cipher(24, !iv.empty()), kkk, iv, data, true);
    OPENSSL_cleanse(kkk, sizeof kkk);
    return r;
}

EVP_MAC* cmac_algorithm() noexcept {
    // Fetched once; EVP_MAC objects are immutable and shareable across threads.
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
    return mac;
}

} // namespace

bytes pad80(std::string_view data, std::size_t block) {
    bytes out(data);
    out.push_back('\x80');
    while (out.size() % block != 0) {
        out.push_back('\0');
    }
    return out;
}

result<bytes> unpad80(std::string_view data) {
    auto pos = data.find_last_not_of('\0');
    if (pos == std::string_view::npos || static_cast<unsigned char>(data[pos]) != 0x80) {
        return errc::bad_padding;
    }
    return bytes(data.substr(0, pos));
}

bool equal_ct(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

result<bytes> aes_ecb_encrypt(const secret_key& key, std::string_view data) {
    return run_cipher(aes_cipher(key.size(), false), key.data(), {}, data, true);
}

result<bytes> aes_cbc_encrypt(const secret_key& key, std::string_view iv, std::string_view data) {
    if (iv.size() != 16) {
        return errc::bad_length;
    }
    return run_cipher(aes_cipher(key.size(), true), key.data(), iv, data, true);
}

result<bytes> aes_cbc_decrypt(const secret_key& key, std::string_view iv, std::string_view data) {
    if (iv.size() != 16) {
        return errc::bad_length;
    }
    return run_cipher(aes_cipher(key.size(), true), key.data(), iv, data, false);
}

namespace {

/// A CMAC context with its cipher set (and an all-zero key), one per thread and key size. Setting the cipher
/// by name fetches it, so each call duplicates this template and only adds the key; the
/// duplicate, which holds the key schedule, is freed (and cleansed) at the end of the call.
EVP_MAC_CTX* cmac_template(std::size_t key_len) noexcept {
    const char* name = nullptr;
    int slot = 0;
    switch (key_len) {
    case 16:
        name = "AES-128-CBC";
        slot = 0;
        break;
    case 24:
        name = "AES-192-CBC";
        slot = 1;
        break;
    case 32:
        name = "AES-256-CBC";
        slot = 2;
        break;
    default: return nullptr;
    }
    thread_local std::unique_ptr<EVP_MAC_CTX, mac_ctx_deleter> templates[3];
    auto& t = templates[slot];
    if (!t) {
        EVP_MAC* mac = cmac_algorithm();
        if (mac == nullptr) {
            return nullptr;
        }
        std::unique_ptr<EVP_MAC_CTX, mac_ctx_deleter> ctx(EVP_MAC_CTX_new(mac));
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
                                                                const_cast<char*>(name), 0),
                               OSSL_PARAM_construct_end()};
        // CMAC contexts can only be duplicated once keyed: key the template with zeros (not a
        // secret); every call replaces that key in its own duplicate.
        const unsigned char zeros[32] = {};
        if (!ctx || EVP_MAC_init(ctx.get(), zeros, key_len, params) != 1) {
            return nullptr;
        }
        t = std::move(ctx);
    }
    return t.get();
}

} // namespace

result<bytes> aes_cmac(const secret_key& key, std::string_view data) {
    if (key.size() != 16 && key.size() != 24 && key.size() != 32) {
        return errc::bad_key_length;
    }
    EVP_MAC_CTX* tmpl = cmac_template(key.size());
    if (tmpl == nullptr) {
        return errc::crypto_failure;
    }
    std::unique_ptr<EVP_MAC_CTX, mac_ctx_deleter> ctx(EVP_MAC_CTX_dup(tmpl));
    if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), nullptr) != 1
        || EVP_MAC_update(ctx.get(), u8(data), data.size()) != 1) {
        return errc::crypto_failure;
    }
    bytes out(16, '\0');
    std::size_t n = 0;
    if (EVP_MAC_final(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n, out.size()) != 1
        || n != 16) {
        return errc::crypto_failure;
    }
    return out;
}

result<bytes> aes_kcv(const secret_key& key) {
    auto r = aes_ecb_encrypt(key, bytes(16, '\x01'));
    if (!r) {
        return r.error();
    }
    return r->substr(0, 3);
}

result<bytes> des3_ecb_encrypt(const secret_key& key, std::string_view data) {
    return run_cipher(des3_cipher(key.size(), false), key.data(), {}, data, true);
}

result<bytes> des3_cbc_encrypt(const secret_key& key, std::string_view iv, std::string_view data) {
    if (iv.size() != 8) {
        return errc::bad_length;
    }
    return run_cipher(des3_cipher(key.size(), true), key.data(), iv, data, true);
}

result<bytes> des3_cbc_decrypt(const secret_key& key, std::string_view iv, std::string_view data) {
    if (iv.size() != 8) {
        return errc::bad_length;
    }
    return run_cipher(des3_cipher(key.size(), true), key.data(), iv, data, false);
}

result<bytes> des3_kcv(const secret_key& key) {
    auto r = des3_ecb_encrypt(key, bytes(8, '\0'));
    if (!r) {
        return r.error();
    }
    return r->substr(0, 3);
}

result<bytes> des_ecb_encrypt(const secret_key& key, std::string_view data) {
    return single_des(key, {}, data);
}

result<bytes> des_cbc_encrypt(const secret_key& key, std::string_view iv, std::string_view data) {
    if (iv.size() != 8) {
        return errc::bad_length;
    }
    return single_des(key, iv, data);
}

result<bytes> des3_full_mac(const secret_key& key, std::string_view icv, std::string_view data) {
    auto r = des3_cbc_encrypt(key, icv, pad80(data, 8));
    if (!r) {
        return r.error();
    }
    return r->substr(r->size() - 8);
}

result<bytes> retail_mac(const secret_key& key, std::string_view icv, std::string_view data) {
    if (key.size() != 16) {
        return errc::bad_key_length;
    }
    if (icv.size() != 8) {
        return errc::bad_length;
    }
    const bytes padded = pad80(data, 8);
    const std::string_view head(padded.data(), padded.size() - 8);
    const std::string_view last(padded.data() + head.size(), 8);
    bytes chain(icv);
    if (!head.empty()) {
        auto h = des_cbc_encrypt(key, icv, head);
        if (!h) {
            return h.error();
        }
        chain = h->substr(h->size() - 8);
    }
    // Final block: 3DES(K1,K2) in CBC from the single-DES chaining value.
    return des3_cbc_encrypt(key, chain, last);
}

} // namespace tsm::core::gp
