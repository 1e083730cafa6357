#pragma once
/// An SCP03 secure channel for one card session (AmdD ch. 6): verifies the card cryptogram,
/// builds EXTERNAL AUTHENTICATE, then wraps every command (C-MAC, C-DECRYPTION) and unwraps
/// responses (R-MAC, R-ENC). Owned by the one operation driving the card; not thread-safe;
/// move-only because the MAC chain and encryption counter must never fork.
/// Lifecycle: open() -> external_authenticate() once -> wrap()/unwrap() per command.
#include "tsm/core/gp/errc.hpp"
#include "tsm/core/gp/scp03.hpp"
#include "tsm/core/gp/security_level.hpp"
#include "tsm/core/gp/static_keys.hpp"
#include "tsm/core/hex.hpp"

#include <cstdint>
#include <string_view>

namespace tsm::core::gp {

/// What unwrap() needs to check the response to one command: the MAC chaining value after
/// that command and its encryption counter. Lets a whole batch be wrapped up front.
struct scp03_response_context {
    tsm::core::bytes mcv;
    std::uint32_t counter = 0;
};

struct scp03_wrapped_command {
    tsm::core::bytes apdu;           ///< bytes to send
    scp03_response_context response; ///< pass to unwrap() with this command's response
};

class scp03_session {
public:
    /// Derives the session keys and verifies the card cryptogram before anything else:
    /// errc::card_cryptogram_mismatch means wrong keys (or a fake card) and yields no session,
    /// so no EXTERNAL AUTHENTICATE can be produced. `level` is one of 00, 01, 03, 11, 13, 33;
    /// R-MAC/R-ENC must be announced by the card's i parameter (errc::bad_security_level).
    static result<scp03_session> open(const static_keys& keys, std::string_view host_challenge,
                                      const scp03_init_response& card, std::uint8_t level);

    scp03_session(scp03_session&&) noexcept = default;
    scp03_session& operator=(scp03_session&&) noexcept = default;
    scp03_session(const scp03_session&) = delete;
    scp03_session& operator=(const scp03_session&) = delete;
    ~scp03_session() = default;

    /// `84 82 level 00 10 host_cryptogram C-MAC`: MACed, never encrypted, does not advance the
    /// encryption counter. errc::already_authenticated on a second call.
    result<tsm::core::bytes> external_authenticate();

    /// Applies the session's security level to a plain command APDU (cases 1-4, short or
    /// extended): CLA |= 04, data encrypted under C-DEC (counter advanced even without data),
    /// Lc += 8, C-MAC appended, Le kept. State only advances on success.
    result<scp03_wrapped_command> wrap(std::string_view apdu);

    /// Verifies and strips R-MAC, then decrypts R-ENC data; `response` is data | SW1 SW2 and the
    /// result is plain data | SW1 SW2. Error statuses (not 9000/62xx/63xx) carry no R-MAC and are
    /// returned unchanged. Without R-MAC in the level the response is returned unchanged.
    result<tsm::core::bytes> unwrap(std::string_view response, const scp03_response_context& context) const;
    /// Same, for the most recently wrapped command.
    result<tsm::core::bytes> unwrap(std::string_view response) const;

    std::uint8_t level() const noexcept { return level_; }
    const tsm::core::bytes& host_cryptogram() const noexcept { return host_cryptogram_; }
    const scp03_session_keys& session_keys() const noexcept { return keys_; }
    const tsm::core::bytes& mac_chaining_value() const noexcept { return mcv_; }
    std::uint32_t encryption_counter() const noexcept { return counter_; }

private:
    scp03_session() = default;

    scp03_session_keys keys_;
    std::uint8_t level_ = 0;
    tsm::core::bytes host_cryptogram_;
    tsm::core::bytes mcv_ = tsm::core::bytes(16, '\0');
    std::uint32_t counter_ = 0;
    bool authenticated_ = false;
    scp03_response_context last_;
};

} // namespace tsm::core::gp
