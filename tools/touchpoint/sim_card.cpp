#include "touchpoint/sim_card.hpp"

#include <cstdint>

namespace tsm::tools::touchpoint {

namespace {

using namespace std::literals;

// Status words (ISO 7816-4 §5.1.3).
constexpr std::string_view sw_ok = "\x90\x00"sv;
constexpr std::string_view sw_wrong_length = "\x67\x00"sv;
constexpr std::string_view sw_wrong_p1p2 = "\x6A\x86"sv;
constexpr std::string_view sw_data_not_found = "\x6A\x88"sv;
constexpr std::string_view sw_ins_not_supported = "\x6D\x00"sv;
constexpr std::string_view sw_cla_not_supported = "\x6E\x00"sv;

std::uint8_t byte_at(std::string_view s, std::size_t i) {
    return static_cast<std::uint8_t>(s[i]);
}

std::string tlv(std::string_view tag, std::string_view value) {
    std::string out(tag);
    out += static_cast<char>(value.size()); // all our values are < 128 bytes
    out += value;
    return out;
}

// CPLC layout (GP Card Spec 2.3 table H-3) is 42 bytes of fixed-size fields; the values are fake
// but plausible, and the IC serial number comes from the CIN so different CINs differ.
std::string make_cplc(std::string_view cin) {
    std::string c;
    c += std::string_view("\x47\x90", 2); // IC fabricator
    c += std::string_view("\x50\x40", 2); // IC type
    c += std::string_view("\x47\x91", 2); // operating system identifier
    c += std::string_view("\x81\x02", 2); // OS release date
    c += std::string_view("\x31\x00", 2); // OS release level
    c += std::string_view("\x82\x60", 2); // IC fabrication date
    std::string serial(4, '\0');          // IC serial number
    for (std::size_t i = 0; i < cin.size(); ++i) {
        serial[i % 4] = static_cast<char>(serial[i % 4] ^ cin[i]);
    }
    c += serial;
    c += std::string_view("\x00\x01", 2);         // IC batch identifier
    c += std::string_view("\x47\x90", 2);         // IC module fabricator
    c += std::string_view("\x82\x61", 2);         // IC module packaging date
    c += std::string_view("\x00\x00", 2);         // ICC manufacturer
    c += std::string_view("\x82\x62", 2);         // IC embedding date
    c += std::string_view("\x00\x00", 2);         // IC pre-personalizer
    c += std::string_view("\x82\x63", 2);         // IC pre-perso date
    c += std::string_view("\x00\x00\x00\x00", 4); // IC pre-perso equipment identifier
    c += std::string_view("\x00\x00", 2);         // IC personalizer
    c += std::string_view("\x82\x64", 2);         // IC personalization date
    c += std::string_view("\x00\x00\x00\x00", 4); // IC perso equipment identifier
    return c;
}

} // namespace

sim_card::sim_card(std::string iin, std::string cin)
    : iin_(std::move(iin)), cin_(std::move(cin)), cplc_(make_cplc(cin_)) {}

std::string sim_card::transceive(std::string_view apdu) {
    if (apdu.size() < 4) {
        return std::string(sw_wrong_length);
    }
    std::uint8_t cla = byte_at(apdu, 0);
    // Interindustry (00-03) or GlobalPlatform proprietary (80-83) classes, logical channels 0-3.
    if ((cla & 0x7C) != 0) {
        return std::string(sw_cla_not_supported);
    }
    switch (byte_at(apdu, 1)) {
    case 0xA4:
        if (cla & 0x80) {
            return std::string(sw_cla_not_supported); // SELECT is an ISO command
        }
        return select(apdu);
    case 0xCA: return get_data(apdu);
    default: return std::string(sw_ins_not_supported);
    }
}

std::string sim_card::select(std::string_view apdu) const {
    if (byte_at(apdu, 2) != 0x04) {
        return std::string(sw_wrong_p1p2); // only select by DF name (AID)
    }
    std::string_view aid;
    if (apdu.size() > 5) {
        std::size_t lc = byte_at(apdu, 4);
        if (apdu.size() < 5 + lc) {
            return std::string(sw_wrong_length);
        }
        aid = apdu.substr(5, lc);
    }
    // An empty AID (case 1/2 APDU or Lc=0) selects the ISD, which answers with its FCI.
    if (aid.empty() || aid == isd_aid) {
        std::string proprietary = tlv("\x9F\x65", "\xFF"); // max command data length
        std::string fci = tlv("\x84", isd_aid) + tlv("\xA5", proprietary);
        return tlv("\x6F", fci) + std::string(sw_ok);
    }
    return std::string(sw_ok);
}

std::string sim_card::get_data(std::string_view apdu) const {
    std::uint16_t tag = static_cast<std::uint16_t>(byte_at(apdu, 2) << 8 | byte_at(apdu, 3));
    switch (tag) {
    case 0x9F7F: return tlv("\x9F\x7F", cplc_) + std::string(sw_ok);
    case 0x0042: return tlv("\x42", iin_) + std::string(sw_ok);
    case 0x0045: return tlv("\x45", cin_) + std::string(sw_ok);
    default: return std::string(sw_data_not_found);
    }
}

} // namespace tsm::tools::touchpoint
