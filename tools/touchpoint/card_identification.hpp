#pragma once
/// How a Fidesmo touch point identifies the card before it talks to the server (the Fidesmo
/// client protocol, section 2): the reader's UID, the ISD's CPLC and CIN, then the Fidesmo
/// platform applet (tags 45 CIN and 42 batch id), or the v2 batch applet when the platform
/// applet is absent. Pure APDU logic on a card; synchronous; may throw card_lost_error.
#include "touchpoint/card.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tsm::tools::touchpoint {

struct card_identity {
    std::string uid;  ///< binary; empty unless the reader answered 4 or 7 bytes
    std::string cplc; ///< binary, without the 9F7F2A header; empty when not given
    std::string cin;  ///< binary; empty when neither the platform applet nor GET DATA gave it
    std::optional<std::int64_t> batch_id;
};

/// Runs the identification APDUs in the order the reference client sends them.
card_identity identify_card(card& c);

/// The value of the first `tag` (one or two bytes) found by a recursive BER-TLV search of
/// `data` (constructed tags 6F, A5 ... searched too); nullopt when absent or malformed.
std::optional<std::string> find_tlv(std::string_view data, std::string_view tag);

/// True when `r` ends with SW 9000.
bool sw_ok(std::string_view r) noexcept;

} // namespace tsm::tools::touchpoint
