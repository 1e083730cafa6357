#include "touchpoint/pcsc_card.hpp"

#include "touchpoint/card_error.hpp"

#include "tsm/core/hex.hpp"

#include <cstdint>
#include <ostream>
#include <vector>

#ifdef TSM_HAVE_PCSC
#include <winscard.h>
#endif

namespace tsm::tools::touchpoint {

namespace {

std::uint8_t byte_at(std::string_view s, std::size_t i) {
    return static_cast<std::uint8_t>(s[i]);
}

std::uint8_t sw1(std::string_view r) {
    return byte_at(r, r.size() - 2);
}

std::uint8_t sw2(std::string_view r) {
    return byte_at(r, r.size() - 1);
}

[[maybe_unused]] bool is_ok(std::string_view r) {
    return r.size() >= 2 && sw1(r) == 0x90 && sw2(r) == 0x00;
}

// `apdu` (short form) with its Le set to `le`: case 1/3 get an Le appended, case 2/4 have it
// replaced. nullopt for extended-length or malformed APDUs, which are left alone.
std::optional<std::string> with_le(std::string_view apdu, std::uint8_t le) {
    std::string out(apdu);
    if (apdu.size() == 4) {
        out += static_cast<char>(le);
        return out;
    }
    if (apdu.size() == 5) {
        out[4] = static_cast<char>(le);
        return out;
    }
    if (apdu.size() < 5) {
        return std::nullopt;
    }
    const std::size_t lc = byte_at(apdu, 4);
    if (lc == 0) {
        return std::nullopt; // extended length
    }
    if (apdu.size() == 5 + lc) {
        out += static_cast<char>(le);
        return out;
    }
    if (apdu.size() == 6 + lc) {
        out.back() = static_cast<char>(le);
        return out;
    }
    return std::nullopt;
}

// GET RESPONSE is interindustry and never secure-messaged: keep only the logical channel.
std::uint8_t get_response_cla(std::uint8_t cla) {
    if (cla & 0x40) {
        return static_cast<std::uint8_t>(0x40 | (cla & 0x0F)); // further channels 4..19
    }
    return static_cast<std::uint8_t>(cla & 0x03);
}

// One command with a single 6Cxx correction.
std::optional<std::string> send_fixing_le(std::string_view apdu, const raw_transmit& transmit) {
    auto r = transmit(apdu);
    if (r && r->size() >= 2 && sw1(*r) == 0x6C) {
        if (auto fixed = with_le(apdu, sw2(*r))) {
            r = transmit(*fixed);
        }
    }
    return r;
}

} // namespace

std::optional<std::string> exchange_apdu(std::string_view apdu, const raw_transmit& transmit) {
    auto r = send_fixing_le(apdu, transmit);
    if (!r || r->size() < 2 || sw1(*r) != 0x61) {
        return r;
    }
    const std::uint8_t cla = apdu.empty() ? 0 : get_response_cla(byte_at(apdu, 0));
    std::string data;
    // A card may chain at most 64 KiB this way; the bound only stops a misbehaving card.
    for (int round = 0; r->size() >= 2 && sw1(*r) == 0x61 && round < 300; ++round) {
        data.append(*r, 0, r->size() - 2);
        const char get_response[5] = {static_cast<char>(cla), '\xC0', 0, 0, static_cast<char>(sw2(*r))};
        r = send_fixing_le(std::string_view(get_response, 5), transmit);
        if (!r || r->size() < 2) {
            return std::nullopt;
        }
    }
    data += *r;
    return data;
}

bool read_card_identity(card& c, std::string& iin_hex, std::string& cin_hex, std::string& error) {
    using namespace std::literals;
    auto select = c.transceive("\x00\xA4\x04\x00\x00"sv);
    if (select.size() < 2 || sw1(select) != 0x90 || sw2(select) != 0x00) {
        error = "the card did not select its ISD (SW "
                + core::to_hex(select.substr(select.size() < 2 ? 0 : select.size() - 2)) + ")";
        return false;
    }
    auto get = [&](char tag, std::string& out) {
        const char apdu[5] = {'\x80', '\xCA', 0, tag, 0};
        auto r = c.transceive(std::string_view(apdu, 5));
        if (r.size() < 3 || sw1(r) != 0x90 || sw2(r) != 0x00) {
            error = std::string("the card did not answer GET DATA ") + (tag == 0x42 ? "42 (IIN)" : "45 (CIN)")
                    + " (SW " + core::to_hex(r.substr(r.size() < 2 ? 0 : r.size() - 2))
                    + "); give --iin and --cin";
            return false;
        }
        std::string_view v(r.data(), r.size() - 2);
        if (v.size() >= 2 && v[0] == tag && byte_at(v, 1) == v.size() - 2) {
            v.remove_prefix(2); // value with its TLV header
        }
        if (v.empty()) {
            error = std::string("the card returned an empty ") + (tag == 0x42 ? "IIN" : "CIN")
                    + "; give --iin and --cin";
            return false;
        }
        out = core::to_hex(v);
        return true;
    };
    return get(0x42, iin_hex) && get(0x45, cin_hex);
}

#ifdef TSM_HAVE_PCSC

namespace {

std::string pcsc_error(const char* what, LONG rv) {
    std::string msg = std::string("PC/SC ") + what + " failed: " + pcsc_stringify_error(rv);
    if (rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED) {
        msg += " (is pcscd running? start it with `pcscd` or `systemctl start pcscd.socket`)";
    }
    return msg;
}

// The reader names in a PC/SC multi-string ("a\0b\0\0").
std::vector<std::string> split_multistring(const std::vector<char>& buf) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < buf.size() && buf[i] != '\0';) {
        std::string name(&buf[i]);
        i += name.size() + 1;
        out.push_back(std::move(name));
    }
    return out;
}

std::string joined(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) {
        s += (s.empty() ? "\"" : ", \"") + n + "\"";
    }
    return s;
}

// Every reader's name; false with `error` set when there is none or PC/SC fails.
bool list_readers(SCARDCONTEXT context, std::vector<std::string>& readers, std::string& error) {
    LONG rv = SCARD_S_SUCCESS;
    // The reader list can change between the size query and the read: retry a few times.
    for (int attempt = 0;; ++attempt) {
        DWORD len = 0;
        rv = SCardListReaders(context, nullptr, nullptr, &len);
        if (rv == SCARD_S_SUCCESS && len > 0) {
            std::vector<char> buf(len + 1, '\0');
            rv = SCardListReaders(context, nullptr, buf.data(), &len);
            if (rv == SCARD_S_SUCCESS) {
                readers = split_multistring(buf);
                break;
            }
        }
        if (rv == SCARD_E_NO_READERS_AVAILABLE) {
            error = "PC/SC: no smart card reader found (pcscd is running but sees no reader)";
            return false;
        }
        if (rv != SCARD_E_INSUFFICIENT_BUFFER || attempt >= 3) {
            error = pcsc_error("SCardListReaders", rv);
            return false;
        }
    }
    if (readers.empty()) {
        error = "PC/SC: no smart card reader found";
        return false;
    }
    return true;
}

// The readers holding a card that answers (present, not mute), by their current state
// without waiting (timeout 0).
bool readers_with_card(SCARDCONTEXT context, const std::vector<std::string>& readers,
                       std::vector<std::string>& out, std::string& error) {
    std::vector<SCARD_READERSTATE> states(readers.size());
    for (std::size_t i = 0; i < readers.size(); ++i) {
        states[i] = SCARD_READERSTATE{};
        states[i].szReader = readers[i].c_str();
        states[i].dwCurrentState = SCARD_STATE_UNAWARE;
    }
    LONG rv = SCardGetStatusChange(context, 0, states.data(), static_cast<DWORD>(states.size()));
    if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
        error = pcsc_error("SCardGetStatusChange", rv);
        return false;
    }
    for (std::size_t i = 0; i < readers.size(); ++i) {
        const DWORD st = states[i].dwEventState;
        if ((st & SCARD_STATE_PRESENT) && !(st & SCARD_STATE_MUTE)) {
            out.push_back(readers[i]);
        }
    }
    return true;
}

} // namespace

struct pcsc_card::state {
    SCARDCONTEXT context = 0;
    bool have_context = false;
    SCARDHANDLE handle = 0;
    bool connected = false;
    DWORD protocol = 0;

    ~state() {
        if (connected) {
            SCardDisconnect(handle, SCARD_LEAVE_CARD);
        }
        if (have_context) {
            SCardReleaseContext(context);
        }
    }
};

bool pcsc_available() noexcept {
    return true;
}

std::unique_ptr<pcsc_card> pcsc_card::open(const std::string& reader, std::ostream& diag,
                                           std::string& error) {
    auto s = std::make_unique<state>();
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &s->context);
    if (rv != SCARD_S_SUCCESS) {
        error = pcsc_error("SCardEstablishContext", rv);
        return nullptr;
    }
    s->have_context = true;

    std::vector<std::string> readers;
    if (!list_readers(s->context, readers, error)) {
        return nullptr;
    }
    std::string chosen;
    if (!reader.empty()) {
        std::vector<std::string> matches;
        for (const auto& r : readers) {
            if (r == reader) {
                matches = {r};
                break;
            }
            if (r.find(reader) != std::string::npos) {
                matches.push_back(r);
            }
        }
        if (matches.empty()) {
            error = "PC/SC: no reader named \"" + reader + "\" (readers: " + joined(readers) + ")";
            return nullptr;
        }
        if (matches.size() > 1) {
            error = "PC/SC: --reader \"" + reader + "\" matches several readers: " + joined(matches);
            return nullptr;
        }
        chosen = matches.front();
    } else {
        std::vector<std::string> with_card;
        if (!readers_with_card(s->context, readers, with_card, error)) {
            return nullptr;
        }
        if (!with_card.empty()) {
            chosen = with_card.front();
        }
        if (chosen.empty()) {
            error = "PC/SC: no card in any reader (readers: " + joined(readers) + ")";
            return nullptr;
        }
    }

    rv = SCardConnect(s->context, chosen.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                      &s->handle, &s->protocol);
    if (rv == SCARD_E_NO_SMARTCARD || rv == SCARD_W_REMOVED_CARD) {
        error = "PC/SC: no card in reader \"" + chosen + "\"";
        return nullptr;
    }
    if (rv != SCARD_S_SUCCESS) {
        error = pcsc_error("SCardConnect", rv) + " (reader \"" + chosen + "\")";
        return nullptr;
    }
    s->connected = true;
    if (s->protocol != SCARD_PROTOCOL_T0 && s->protocol != SCARD_PROTOCOL_T1) {
        error = "PC/SC: reader \"" + chosen + "\" negotiated neither T=0 nor T=1";
        return nullptr;
    }
    return std::unique_ptr<pcsc_card>(new pcsc_card(std::move(s), std::move(chosen), diag));
}

std::unique_ptr<pcsc_card> pcsc_card::open_fidesmo_card(std::ostream& diag, std::string& error) {
    std::vector<std::string> with_card;
    {
        state s;
        LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &s.context);
        if (rv != SCARD_S_SUCCESS) {
            error = pcsc_error("SCardEstablishContext", rv);
            return nullptr;
        }
        s.have_context = true;
        std::vector<std::string> readers;
        if (!list_readers(s.context, readers, error)
            || !readers_with_card(s.context, readers, with_card, error)) {
            return nullptr;
        }
        if (with_card.empty()) {
            error = "PC/SC: no card in any reader (readers: " + joined(readers) + ")";
            return nullptr;
        }
    }
    using namespace std::literals;
    std::unique_ptr<pcsc_card> found;
    std::vector<std::string> fidesmo;
    for (const auto& name : with_card) {
        std::string ignored;
        auto c = open(name, diag, ignored);
        if (!c) {
            continue;
        }
        try {
            const bool v2 =
                is_ok(c->transceive("\x00\xA4\x04\x00\x0B\xA0\x00\x00\x06\x17\x02\x00\x02\x00\x00\x01"sv));
            const bool v3 = is_ok(
                c->transceive("\x00\xA4\x04\x00\x0C\xA0\x00\x00\x06\x17\x02\x00\x09\x00\x01\x01\x01"sv));
            if (v2 || v3) {
                fidesmo.push_back(name);
                found = std::move(c);
            }
        } catch (const card_lost_error&) {
            // pulled while probing: not a candidate
        }
    }
    if (fidesmo.size() != 1) {
        error = fidesmo.empty()
                    ? "PC/SC: no reader holds a Fidesmo card (readers with a card: " + joined(with_card) + ")"
                    : "PC/SC: several readers hold a Fidesmo card: " + joined(fidesmo) + "; give --reader";
        return nullptr;
    }
    return found;
}

std::string pcsc_card::transceive(std::string_view apdu) {
    const SCARD_IO_REQUEST* pci = s_->protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    std::string transport_error;
    raw_transmit transmit = [&](std::string_view cmd) -> std::optional<std::string> {
        std::string buf(65536 + 2, '\0'); // extended Le plus SW
        DWORD len = static_cast<DWORD>(buf.size());
        LONG rv =
            SCardTransmit(s_->handle, pci, reinterpret_cast<const BYTE*>(cmd.data()),
                          static_cast<DWORD>(cmd.size()), nullptr, reinterpret_cast<BYTE*>(buf.data()), &len);
        if (rv != SCARD_S_SUCCESS) {
            transport_error = pcsc_error("SCardTransmit", rv);
            return std::nullopt;
        }
        if (len < 2) {
            transport_error = "PC/SC: the card answered without a status word";
            return std::nullopt;
        }
        buf.resize(len);
        return buf;
    };
    auto r = exchange_apdu(apdu, transmit);
    if (!r) {
        const std::string what = (transport_error.empty() ? "PC/SC exchange failed" : transport_error)
                                 + " (reader \"" + reader_
                                 + "\"): the card was removed or the reader lost it";
        diag_ << "tsm-touchpoint: " << what << "\n" << std::flush;
        throw card_lost_error(what);
    }
    return std::move(*r);
}

const char* pcsc_card::protocol() const noexcept {
    return s_->protocol == SCARD_PROTOCOL_T0 ? "T=0" : "T=1";
}

#else // !TSM_HAVE_PCSC

struct pcsc_card::state {};

bool pcsc_available() noexcept {
    return false;
}

std::unique_ptr<pcsc_card> pcsc_card::open(const std::string&, std::ostream&, std::string& error) {
    error = "--card pcsc is not available: this build has no pcsc-lite (install libpcsclite-dev and rebuild)";
    return nullptr;
}

std::unique_ptr<pcsc_card> pcsc_card::open_fidesmo_card(std::ostream& diag, std::string& error) {
    return open({}, diag, error);
}

std::string pcsc_card::transceive(std::string_view) {
    throw card_lost_error("this build has no pcsc-lite");
}

const char* pcsc_card::protocol() const noexcept {
    return "";
}

#endif

pcsc_card::pcsc_card(std::unique_ptr<state> s, std::string reader, std::ostream& diag)
    : s_(std::move(s)), reader_(std::move(reader)), diag_(diag) {}

pcsc_card::~pcsc_card() = default;

} // namespace tsm::tools::touchpoint
