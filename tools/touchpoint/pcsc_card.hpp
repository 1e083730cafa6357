#pragma once
/// `--card pcsc`: a real card in a PC/SC reader, through pcsc-lite (winscard). Built only when
/// CMake finds libpcsclite (TSM_HAVE_PCSC); otherwise pcsc_card::open() always fails with a
/// message saying so. The card is opened in shared mode with T=0 or T=1, whichever the card
/// and reader agree on; T=0 response chaining (61xx, 6Cxx) is handled here so that the server
/// sees whole responses. Not thread safe (like a real card).
#include "touchpoint/card.hpp"

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tsm::tools::touchpoint {

/// True when this build includes the PC/SC card.
bool pcsc_available() noexcept;

/// One raw exchange with the reader: the response (data + SW1SW2), or nullopt when the
/// transport failed.
using raw_transmit = std::function<std::optional<std::string>(std::string_view apdu)>;

/// ISO 7816-3/-4 response handling over raw exchanges, as T=0 needs it (harmless for T=1):
/// SW 6Cxx re-sends the same command once with Le = xx; SW 61xx sends GET RESPONSE (Le = xx,
/// CLA keeping the logical channel, no secure messaging) until the card stops answering 61xx,
/// concatenating the data. Returns the final data + SW, or nullopt if a transmit failed.
std::optional<std::string> exchange_apdu(std::string_view apdu, const raw_transmit& transmit);

class pcsc_card final : public card {
public:
    /// Establishes a PC/SC context and connects to `reader` (an exact reader name, or a part of
    /// exactly one reader's name), or when `reader` is empty to the first reader holding a card.
    /// nullptr with `error` set when there is no PC/SC service (pcscd not running), no reader,
    /// no card, the reader is ambiguous, or this build has no pcsc-lite. Never blocks waiting
    /// for a card. `diag` receives transmit failures later on.
    static std::unique_ptr<pcsc_card> open(const std::string& reader, std::ostream& diag, std::string& error);

    /// As a Fidesmo client picks the card when no reader is named (the Fidesmo client
    /// protocol, section 2.4): among the readers holding a card, the one whose card answers
    /// 9000 to SELECT A000000617020002000001 or A00000061702000900010101; an error when none
    /// or several do.
    static std::unique_ptr<pcsc_card> open_fidesmo_card(std::ostream& diag, std::string& error);

    /// Disconnects (leaving the card powered) and releases the context.
    ~pcsc_card() override;
    pcsc_card(const pcsc_card&) = delete;
    pcsc_card& operator=(const pcsc_card&) = delete;

    /// Exchanges `apdu` (see exchange_apdu). A transport failure (card removed, reader gone) is
    /// reported on `diag` and thrown as card_lost_error: the touch point then fails the
    /// operation on the server (it never invents a status word the card did not give).
    std::string transceive(std::string_view apdu) override;

    const std::string& reader_name() const noexcept { return reader_; }
    /// "T=0" or "T=1".
    const char* protocol() const noexcept;

private:
    struct state;
    pcsc_card(std::unique_ptr<state> s, std::string reader, std::ostream& diag);

    std::unique_ptr<state> s_;
    std::string reader_;
    std::ostream& diag_;
};

/// Reads the card's IIN (GET DATA 42) and CIN (GET DATA 45) after selecting the ISD, as upper
/// case hex, accepting the value with or without its TLV header. False with `error` set when
/// the card does not answer them with 9000.
bool read_card_identity(card& c, std::string& iin_hex, std::string& cin_hex, std::string& error);

} // namespace tsm::tools::touchpoint
