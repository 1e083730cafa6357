#pragma once
/// Test-only TLS material: a self-signed certificate made at test time with the OpenSSL C API,
/// so no key or certificate is ever committed and none expires in the repository.
#include <string>

namespace tsm::transport::test {

struct self_signed_cert {
    std::string cert_pem; ///< X.509, CN=localhost, subjectAltName IP:127.0.0.1, DNS:localhost
    std::string key_pem;  ///< unencrypted PKCS#8 EC P-256 private key
};

/// Generates a fresh key and certificate valid from now for one day. Throws std::runtime_error
/// on OpenSSL failure (tests only).
self_signed_cert make_self_signed_cert();

/// Writes `content` to a new file under the system temp directory and returns its path.
std::string write_temp_file(const std::string& content, const std::string& suffix);

} // namespace tsm::transport::test
