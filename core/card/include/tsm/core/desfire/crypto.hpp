#pragma once
/// DESFire EV1 primitives over OpenSSL (through gp/crypto.hpp): CBC with a running IV per key
/// type, the CMAC that chains through the session IV, session key derivation, the DESFire CRC32
/// and AN10922 key diversification. Pure functions; errors as gp::result (never throw).
#include "tsm/core/desfire/key_type.hpp"
#include "tsm/core/gp/errc.hpp"
#include "tsm/core/hex.hpp"

#include <string_view>

namespace tsm::core::desfire {

using tsm::core::bytes;
using gp::result;

/// DESFire CRC32: reflected polynomial EDB88320, init FFFFFFFF, no final XOR; 4 bytes, LSB first.
bytes crc32(std::string_view data);

/// CBC encryption/decryption without padding (data a multiple of block_size(t)) starting from
/// `iv` (block_size(t) bytes). DES runs as 3DES K|K|K, 2K3DES as K1|K2|K1.
result<bytes> cbc_encrypt(key_type t, const gp::secret_key& key, std::string_view iv, std::string_view data);
result<bytes> cbc_decrypt(key_type t, const gp::secret_key& key, std::string_view iv, std::string_view data);

/// NIST CMAC (Rb 0x87 for AES, 0x1B for 8-byte blocks) whose CBC starts from `iv` instead of
/// zero: the EV1 secure-messaging MAC. Returns the full block; the caller keeps it as new IV.
result<bytes> cmac(key_type t, const gp::secret_key& key, std::string_view iv, std::string_view data);

/// Session key from the authentication randoms (section 5.3 rules; DES-family parity bits are
/// left as they come). `rnd_a`, `rnd_b` are challenge_length(t) bytes.
result<gp::secret_key> session_key(key_type t, std::string_view rnd_a, std::string_view rnd_b);

/// AN10922 diversification: AES = CMAC(K, 01||M) with M padded to 32 bytes (K2 unless exactly
/// 32); 2K3DES = CMAC(21||M)||CMAC(22||M); 3K3DES prefixes 31/32/33. M = UID||AID||system id
/// (at most 31 bytes). DES keys are refused (bad_key_length).
/// The DES family pads each prefix||M to two 8-byte blocks, so M is 1..15 bytes there (1..31
/// for AES); otherwise bad_length. The output keeps the LSBs the CMAC gives (libfreefare
/// rewrites them as key-version bits; DES ignores them).
result<gp::secret_key> diversify_an10922(key_type t, const gp::secret_key& master, std::string_view m);

} // namespace tsm::core::desfire
