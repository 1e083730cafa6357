#pragma once
/// SCP02 building blocks (GPCS Appendix E): INITIALIZE UPDATE response parsing, 3DES session
/// keys and cryptograms. Pure functions; see scp02_session for command wrapping.
#include "tsm/core/gp/errc.hpp"
#include "tsm/core/gp/secret_key.hpp"
#include "tsm/core/gp/static_keys.hpp"
#include "tsm/core/hex.hpp"

#include <cstdint>
#include <string_view>

namespace tsm::core::gp {

/// The INITIALIZE UPDATE answer (GPCS Table E-3), data field only (28 bytes, no SW).
struct scp02_init_response {
    tsm::core::bytes kdd; ///< key diversification data (10)
    std::uint8_t kvn = 0;
    std::uint8_t scp = 0;              ///< 02
    tsm::core::bytes sequence_counter; ///< 2
    tsm::core::bytes card_challenge;   ///< 6
    tsm::core::bytes card_cryptogram;  ///< 8
};

/// errc::malformed_response unless 28 bytes; errc::wrong_protocol unless SCP 02.
result<scp02_init_response> parse_scp02_init_response(std::string_view data);

/// Session key derivation constants (GPCS E.4.1).
enum class scp02_constant : std::uint16_t {
    c_mac = 0x0101,
    r_mac = 0x0102,
    dek = 0x0181,
    enc = 0x0182,
};

struct scp02_session_keys {
    secret_key s_enc;
    secret_key s_mac;
    secret_key s_rmac;
    secret_key s_dek;
};

/// 3DES-CBC(static key, IV 0, const | sequence counter | 00*12) per key; R-MAC from Key-MAC.
/// Static keys must be 16 bytes (2-key 3DES).
result<scp02_session_keys> derive_scp02_session_keys(const static_keys& keys,
                                                     std::string_view sequence_counter);

/// Card cryptogram: full 3DES MAC (S-ENC, IV 0) over host challenge | seq | card challenge.
result<tsm::core::bytes> scp02_card_cryptogram(const secret_key& s_enc, std::string_view host_challenge,
                                               std::string_view sequence_counter,
                                               std::string_view card_challenge);
/// Host cryptogram: the same MAC over seq | card challenge | host challenge.
result<tsm::core::bytes> scp02_host_cryptogram(const secret_key& s_enc, std::string_view host_challenge,
                                               std::string_view sequence_counter,
                                               std::string_view card_challenge);

} // namespace tsm::core::gp
