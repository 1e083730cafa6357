#pragma once
/// Serves a sandbox secure element to vsmartcard-vpcd, the virtual PC/SC reader driver of
/// pcscd (the Fidesmo client protocol reference, section 6): the card connects to the
/// reader's TCP port; every message both ways is a 2-byte big-endian length and the payload.
/// One-byte messages from the reader are controls (00 power off, 01 power on, 02 reset: no
/// reply; 04 get ATR: the ATR); longer ones are C-APDUs answered with the R-APDU. Closing
/// the socket is a card removal. Blocking; one connection; used by one thread.
#include "tsm/sandbox/secure_element.hpp"

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>

namespace tsm::tools::vpcd {

struct vpcd_card_options {
    std::string host = "127.0.0.1";
    unsigned short port = 35963; ///< vpcd's slot 0 ("Virtual PCD 00 00")
    /// Keep trying to connect this long (pcscd may still be loading the driver).
    std::chrono::milliseconds connect_timeout{10000};
    /// Removal after this many C-APDUs: the next one is not answered, the socket is closed.
    std::optional<std::size_t> remove_after;
    /// A JCOP-like T=1 ATR.
    std::string atr =
        std::string("\x3B\xF8\x13\x00\x00\x81\x31\xFE\x45\x4A\x43\x4F\x50\x76\x32\x34\x31\xB7", 18);
};

struct vpcd_card_result {
    bool connected = false;
    bool removed = false;  ///< closed by remove_after (else the reader closed the connection)
    std::size_t apdus = 0; ///< C-APDUs answered
    std::string error;     ///< why it could not connect, or how the connection ended
};

/// Connects to the reader and serves `card` until the reader closes the connection or
/// `remove_after` removes the card. Progress lines go to `log` (never APDU contents).
vpcd_card_result serve_vpcd(sandbox::secure_element& card, const vpcd_card_options& opts, std::ostream& log);

} // namespace tsm::tools::vpcd
