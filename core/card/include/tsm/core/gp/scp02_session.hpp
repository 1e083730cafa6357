#pragma once
/// An SCP02 secure channel for one card session (GPCS Appendix E), explicit initiation with
/// i = 15 or 55 style options: verifies the card cryptogram, builds EXTERNAL AUTHENTICATE, then
/// wraps commands with C-MAC (retail MAC, ICV chained from the previous C-MAC, encrypted when
/// i has b5) and C-DECRYPTION. R-MAC is not implemented. Not thread-safe; move-only.
/// Lifecycle: open() -> external_authenticate() once -> wrap() per command.
#include "tsm/core/gp/errc.hpp"
#include "tsm/core/gp/scp02.hpp"
#include "tsm/core/gp/security_level.hpp"
#include "tsm/core/gp/static_keys.hpp"
#include "tsm/core/hex.hpp"

#include <cstdint>
#include <string_view>

namespace tsm::core::gp {

/// SCP02 "i" parameter bits (GPCS Table E-1).
namespace scp02_option {
inline constexpr std::uint8_t three_keys = 0x01;
inline constexpr std::uint8_t mac_unmodified_apdu = 0x02;
inline constexpr std::uint8_t explicit_initiation = 0x04;
inline constexpr std::uint8_t icv_mac_over_aid = 0x08;
inline constexpr std::uint8_t icv_encryption = 0x10;
inline constexpr std::uint8_t r_mac = 0x20;
inline constexpr std::uint8_t pseudo_random_challenge = 0x40;
} // namespace scp02_option

class scp02_session {
public:
    /// Derives session keys from the sequence counter and verifies the card cryptogram first:
    /// errc::card_cryptogram_mismatch yields no session, hence no EXTERNAL AUTHENTICATE.
    /// `level` is 00, 01 or 03 (errc::bad_security_level otherwise). `i` comes from the card's
    /// recognition data (SCP02 does not echo it); i=0x08 (ICV over AID) and implicit initiation
    /// are errc::unsupported.
    static result<scp02_session> open(const static_keys& keys, std::string_view host_challenge,
                                      const scp02_init_response& card, std::uint8_t level,
                                      std::uint8_t i = 0x55);

    scp02_session(scp02_session&&) noexcept = default;
    scp02_session& operator=(scp02_session&&) noexcept = default;
    scp02_session(const scp02_session&) = delete;
    scp02_session& operator=(const scp02_session&) = delete;
    ~scp02_session() = default;

    /// `84 82 level 00 10 host_cryptogram C-MAC` with ICV 0, never encrypted.
    result<tsm::core::bytes> external_authenticate();

    /// C-MAC over the modified header and the *plain* data, then C-DEC of the data; Le kept.
    result<tsm::core::bytes> wrap(std::string_view apdu);

    /// 3DES-ECB under S-DEK for sensitive data such as PUT KEY key values (multiple of 8).
    result<tsm::core::bytes> encrypt_sensitive(std::string_view data) const;

    std::uint8_t level() const noexcept { return level_; }
    std::uint8_t i() const noexcept { return i_; }
    const tsm::core::bytes& host_cryptogram() const noexcept { return host_cryptogram_; }
    const scp02_session_keys& session_keys() const noexcept { return keys_; }
    const tsm::core::bytes& last_c_mac() const noexcept { return last_mac_; }

private:
    scp02_session() = default;
    result<tsm::core::bytes> next_icv() const;

    scp02_session_keys keys_;
    std::uint8_t level_ = 0;
    std::uint8_t i_ = 0;
    tsm::core::bytes host_cryptogram_;
    tsm::core::bytes last_mac_;
    bool authenticated_ = false;
};

} // namespace tsm::core::gp
