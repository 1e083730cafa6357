#pragma once
/// Card key diversification from an issuer master key and the card's key diversification
/// data (KDD, the first 10 bytes of the INITIALIZE UPDATE answer), following the templates of
/// GlobalPlatformPro's PlaintextKeys (globalplatform.md 2.1):
///   emv   (3DES master): 3DES-ECB(master, KDD[4..9] F0 k | KDD[4..9] 0F k)
///   visa2 (3DES master): 3DES-ECB(master, KDD[0..1] KDD[4..7] F0 k | KDD[0..1] KDD[4..7] 0F k)
///   kdf3  (AES master):  CMAC(master, i | 00 00 00 | k | 00 | KDD) for i = 1, 2, truncated to
///                        the master key length
/// with k the key_purpose (01 ENC, 02 MAC, 03 DEK). Pure functions.
#include "tsm/core/gp/errc.hpp"
#include "tsm/core/gp/secret_key.hpp"
#include "tsm/core/gp/static_keys.hpp"

#include <optional>
#include <string_view>

namespace tsm::core::gp {

enum class diversification { none, emv, visa2, kdf3 };

/// The method's name in card key records and the admin API: "none", "emv", "visa2", "kdf3".
std::string_view to_string(diversification method) noexcept;
/// The method named `name`; "" is none (records written before the field existed).
std::optional<diversification> parse_diversification(std::string_view name) noexcept;

/// One card key. errc::bad_length unless KDD is 10 bytes; errc::bad_key_length when the master
/// does not suit the method (16-byte 3DES for emv/visa2, 16/24/32-byte AES for kdf3).
/// `none` returns the master unchanged.
result<secret_key> diversify_key(const secret_key& master, diversification method, key_purpose purpose,
                                 std::string_view kdd);

/// ENC, MAC and DEK of one card.
result<static_keys> diversify_keys(const secret_key& master, diversification method, std::string_view kdd);

} // namespace tsm::core::gp
