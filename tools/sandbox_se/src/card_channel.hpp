#pragma once
// The card side of an SCP03 / SCP02 secure channel: answers INITIALIZE UPDATE, checks
// EXTERNAL AUTHENTICATE, verifies and strips C-MAC / C-DECRYPTION from each command and adds
// R-MAC / R-ENC to the responses. Uses the host-side primitives of tsm::core::gp.
#include "tsm/core/gp/command_apdu.hpp"
#include "tsm/core/gp/scp02.hpp"
#include "tsm/core/gp/scp03.hpp"
#include "tsm/core/gp/static_keys.hpp"
#include "tsm/sandbox/secure_element.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace tsm::sandbox::detail {

using tsm::core::gp::command_apdu;

enum class channel_state : std::uint8_t { closed, initialized, open };

class card_channel {
public:
    // Outcome of INITIALIZE UPDATE / EXTERNAL AUTHENTICATE / unwrap: a status word (0x9000 ok).
    struct init_result {
        std::uint16_t sw = 0x9000;
        bytes data;
    };

    init_result initialize_update_scp03(scp03_key_set& set, std::string_view kdd, std::string_view isd_aid,
                                        std::string_view host_challenge,
                                        const std::function<bytes(std::size_t)>& random);
    init_result initialize_update_scp02(scp02_key_set& set, std::string_view kdd, std::string_view isd_aid,
                                        std::string_view host_challenge,
                                        const std::function<bytes(std::size_t)>& random);

    /// `a` is the command as received (CLA 84 INS 82). 0x9000 opens the channel.
    std::uint16_t external_authenticate(const command_apdu& a, scp02_key_set* scp02_set);

    /// Verifies C-MAC and removes C-DEC from a command with the SM bit. nullopt = security
    /// failure (the caller answers 6982 and the channel is closed here).
    std::optional<command_apdu> unwrap(const command_apdu& a);

    /// Adds R-ENC / R-MAC to a successful response of a command that came in wrapped.
    bytes wrap_response(std::string_view data, std::uint16_t sw) const;

    void close() noexcept;
    channel_state state() const noexcept { return state_; }
    std::uint8_t level() const noexcept { return state_ == channel_state::open ? level_ : 0; }

private:
    channel_state state_ = channel_state::closed;
    bool scp03_ = true;
    std::uint8_t i_ = 0;
    std::uint8_t level_ = 0;
    bytes host_challenge_;
    bytes card_challenge_;
    bytes sequence_counter_;
    tsm::core::gp::scp03_session_keys k3_;
    tsm::core::gp::scp02_session_keys k2_;
    bytes mcv_;                 // SCP03 MAC chaining value
    std::uint32_t counter_ = 0; // SCP03 encryption counter
    bytes last_mac_;            // SCP02 previous C-MAC
};

} // namespace tsm::sandbox::detail
