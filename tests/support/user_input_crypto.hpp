#pragma once
/// The encryption of user input as the Fidesmo client protocol describes it (docs/
/// user-interaction.md "Encryption"), for the tests that play both ends: the touch point encrypts
/// each value with a fresh AES-256 key (AES-256-CBC, zero IV, PKCS#7, hex) and wraps the key with
/// RSA-OAEP (SHA-512, MGF1-SHA-512) under the SP's public key (`ephemeralKey`, hex); the SP
/// unwraps and decrypts with its private key. OpenSSL libcrypto (EVP). Any thread.
#include <memory>
#include <string>
#include <vector>

namespace tsm::test {

/// An SP's RSA-2048 key pair, generated for one test.
class sp_rsa_key {
public:
    sp_rsa_key();
    ~sp_rsa_key();
    sp_rsa_key(const sp_rsa_key&) = delete;
    sp_rsa_key& operator=(const sp_rsa_key&) = delete;

    /// The touch point's side: hex ciphertexts of `values` (in order) and the wrapped key.
    struct sealed_values {
        std::vector<std::string> values_hex;
        std::string ephemeral_key_hex;
    };
    sealed_values encrypt(const std::vector<std::string>& values) const;

    /// The SP's side: the clear value of `value_hex` under `ephemeral_key_hex`. Throws
    /// std::runtime_error when it does not decrypt.
    std::string decrypt(const std::string& ephemeral_key_hex, const std::string& value_hex) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace tsm::test
