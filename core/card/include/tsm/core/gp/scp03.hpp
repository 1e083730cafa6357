#pragma once
/// SCP03 building blocks (GP Amendment D v1.1.1): the SP 800-108 KDF, INITIALIZE UPDATE
/// response parsing, session keys and cryptograms. Pure functions; see scp03_session for the
/// stateful command wrapping.
#include "tsm/core/gp/errc.hpp"
#include "tsm/core/gp/secret_key.hpp"
#include "tsm/core/gp/static_keys.hpp"
#include "tsm/core/hex.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tsm::core::gp {

/// Derivation constants (AmdD Table 4-1).
enum class scp03_constant : std::uint8_t {
    card_cryptogram = 0x00,
    host_cryptogram = 0x01,
    card_challenge = 0x02,
    s_enc = 0x04,
    s_mac = 0x06,
    s_rmac = 0x07,
};

/// AmdD 4.1.5 KDF: CMAC(key, 00*11 | const | 00 | L(16 bits) | i | context) for i = 1, 2, ...,
/// truncated to `out_bits` (a multiple of 8, at most 256). Note the counter follows L.
result<tsm::core::bytes> scp03_kdf(const secret_key& key, scp03_constant constant, std::string_view context,
                                   std::size_t out_bits);

/// The INITIALIZE UPDATE answer (AmdD Table 7-2), data field only (no SW).
struct scp03_init_response {
    tsm::core::bytes kdd;                             ///< key diversification data (10)
    std::uint8_t kvn = 0;                             ///< key version the card used
    std::uint8_t scp = 0;                             ///< 03
    std::uint8_t i = 0;                               ///< SCP03 "i" parameter (AmdD Table 5-1)
    tsm::core::bytes card_challenge;                  ///< 8 (16 in S16)
    tsm::core::bytes card_cryptogram;                 ///< 8 (16 in S16)
    std::optional<tsm::core::bytes> sequence_counter; ///< 3 bytes, present in pseudo-random mode

    bool s16() const noexcept { return (i & 0x01) != 0; }
    bool pseudo_random_challenge() const noexcept { return (i & 0x10) != 0; }
    bool supports_r_mac() const noexcept { return (i & 0x20) != 0; }
    bool supports_r_enc() const noexcept { return (i & 0x40) != 0; }
};

/// Parses the answer to INITIALIZE UPDATE. Lengths must match the i parameter exactly:
/// 29 (+3 with the sequence counter) in S8, 45 (+3) in S16. errc::wrong_protocol if not SCP03.
result<scp03_init_response> parse_scp03_init_response(std::string_view data);

struct scp03_session_keys {
    secret_key s_enc;
    secret_key s_mac;
    secret_key s_rmac;
};

/// S-ENC from Key-ENC, S-MAC and S-RMAC from Key-MAC; context = host | card challenge,
/// L = static key length. Key-DEK has no session key (used directly for PUT KEY).
result<scp03_session_keys> derive_scp03_session_keys(const static_keys& keys, std::string_view host_challenge,
                                                     std::string_view card_challenge);

/// Card / host cryptogram: KDF(S-MAC, 00 / 01, host | card challenge, 64 bits; 128 in S16).
result<tsm::core::bytes> scp03_card_cryptogram(const secret_key& s_mac, std::string_view host_challenge,
                                               std::string_view card_challenge, std::size_t bits = 64);
result<tsm::core::bytes> scp03_host_cryptogram(const secret_key& s_mac, std::string_view host_challenge,
                                               std::string_view card_challenge, std::size_t bits = 64);

/// Pseudo-random card challenge (i b5): KDF(Key-ENC, 02, sequence counter(3) | SD AID, 64).
/// Lets the host predict the card challenge of the next session.
result<tsm::core::bytes> scp03_pseudo_random_card_challenge(const secret_key& key_enc,
                                                            std::string_view sequence_counter,
                                                            std::string_view sd_aid);

} // namespace tsm::core::gp
