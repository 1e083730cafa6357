#pragma once
/// What a card content management operation needs to know about the card: its Issuer Security
/// Domain, the secure channel protocol and keys, and the command size limit. Built by the caller
/// from the card registry for each operation (keys are never persisted with the operation).
#include "tsm/core/gp/errc.hpp"
#include "tsm/core/gp/security_level.hpp"
#include "tsm/core/gp/static_keys.hpp"
#include "tsm/core/hex.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace tsm::core::ccm {

enum class scp_protocol : std::uint8_t { scp02 = 0x02, scp03 = 0x03 };

struct card_context {
    bytes isd_aid; ///< e.g. A000000151000000
    scp_protocol protocol = scp_protocol::scp03;
    std::uint8_t kvn = 0x00; ///< INITIALIZE UPDATE P1; 00 = first available key set
    gp::static_keys keys;    ///< ENC/MAC/DEK, already diversified by the caller
    /// EXTERNAL AUTHENTICATE P1: 01 C-MAC, 03 C-MAC + C-DEC (default), 11/13 with R-MAC, 33 with
    /// R-ENC (SCP03 only; R-MAC/R-ENC must be announced by the card's i parameter).
    std::uint8_t security_level = gp::security_level::c_mac | gp::security_level::c_dec;
    /// SCP02 "i" parameter (SCP02 does not echo it in INITIALIZE UPDATE): 0x15 or 0x55.
    std::uint8_t scp02_i = 0x55;
    /// Largest command data field (Lc) the card takes, AFTER secure messaging. Short APDUs only:
    /// values above 255 are treated as 255. When the ISD's SELECT answer carries 9F65 (maximum
    /// command data length) the smaller of the two is used.
    std::size_t max_command_data = 255;
    /// Master-key cards (IIN key sets): when set, called once with the KDD (the first 10 bytes of
    /// the card's INITIALIZE UPDATE answer) and its result replaces `keys` before the card
    /// cryptogram is checked, e.g. `[m](auto kdd) { return gp::diversify_keys(m, kdf3, kdd); }`.
    /// KDD-based diversification cannot happen before round 1. An error fails the operation
    /// with "secure-channel-error".
    std::function<gp::result<gp::static_keys>(std::string_view kdd)> diversify;
    /// Host challenge source (8 bytes). Empty = OpenSSL RAND_bytes. Injectable for tests.
    std::function<bytes()> host_challenge;
};

/// HTTP-style statusCode of the failure outcomes CCM operations produce (error.code in brackets).
inline constexpr int status_card_error = 500;  ///< "card-error": a command got a non-9000 SW
inline constexpr int status_auth_failed = 500; ///< "authentication-failed": card cryptogram mismatch
inline constexpr int status_channel_error =
    500; ///< "secure-channel-error": bad INIT UPDATE answer, R-MAC, ...
inline constexpr int status_touch_point_error =
    500;                                       ///< "touch-point-error": answer with no/too many responses
inline constexpr int status_bad_request = 400; ///< "bad-request" / "insecure-channel"
inline constexpr int status_too_large = 413;   ///< "load-file-too-large" / "data-too-large"

} // namespace tsm::core::ccm
