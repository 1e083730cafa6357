#pragma once
/// The example SP's RSA-2048 key for encrypted user input, with a self-signed X.509 certificate
/// published in the "pin" service's description (hex DER). Generated at start, or the private
/// key loaded from a PEM file (--key-file). Decrypts what the touch point encrypted
/// (fidesmo-api.md §8.5): the ephemeralKey unwrapped with RSA-OAEP SHA-512 / MGF1-SHA-512 gives
/// the AES-256 key, each value is AES-256-CBC with a zero IV and PKCS#7. OpenSSL libcrypto (EVP).
/// Immutable after construction; decrypt() is safe from several session threads.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace tsm::tools::example_sp {

class sp_key {
public:
    /// A fresh RSA-2048 key and its certificate; nullopt with `error` when OpenSSL fails.
    static std::optional<sp_key> generate(std::string& error);
    /// The RSA private key from a PEM file (PKCS#8 or traditional), certificate self-signed.
    static std::optional<sp_key> load(const std::string& pem_path, std::string& error);

    /// The certificate as hex DER (upper case).
    const std::string& certificate_hex() const { return certificate_hex_; }

    /// The AES-256 key inside `ephemeral_key_hex`; nullopt when it does not unwrap.
    std::optional<std::string> unwrap(std::string_view ephemeral_key_hex) const;

    /// One value: hex ciphertext -> clear text; nullopt when not hex, not whole blocks or the
    /// padding is wrong (a wrong key, most likely).
    static std::optional<std::string> decrypt_value(const std::string& aes_key, std::string_view value_hex);

private:
    struct pkey_free {
        void operator()(EVP_PKEY* k) const;
    };
    static std::optional<sp_key> from_pkey(EVP_PKEY* pkey, std::string& error);

    std::shared_ptr<EVP_PKEY> pkey_;
    std::string certificate_hex_;
};

} // namespace tsm::tools::example_sp
