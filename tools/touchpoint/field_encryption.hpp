#pragma once
/// Encryption of the user's answers for the SP (fidesmo-api.md §8.5): a random AES-256 key per
/// answer set; each value AES-256-CBC with a zero IV and PKCS#7 padding, in hex; the key wrapped
/// with RSA-OAEP (SHA-512, MGF1-SHA-512) under the public key of the description's certificate
/// (hex DER X.509), in hex as `ephemeralKey`. OpenSSL libcrypto (EVP). Pure functions; the AES
/// key is wiped before returning.
#include "touchpoint/field_collection.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tsm::tools::touchpoint {

struct encrypted_fields {
    field_values values;           ///< id -> hex ciphertext, in the input's order
    std::string ephemeral_key_hex; ///< the wrapped AES key
};

/// nullopt with `error` when the certificate is not hex DER X.509 with an RSA key, or OpenSSL
/// fails. The clear values are left to the caller to wipe.
std::optional<encrypted_fields> encrypt_fields(std::string_view certificate_hex, const field_values& values,
                                               std::string& error);

} // namespace tsm::tools::touchpoint
