#include "tsm/core/gp/command_apdu.hpp"

namespace tsm::core::gp {
namespace {

std::uint8_t at(std::string_view s, std::size_t i) noexcept {
    return static_cast<std::uint8_t>(s[i]);
}

} // namespace

result<command_apdu> parse_command_apdu(std::string_view raw) {
    if (raw.size() < 4) {
        return errc::malformed_apdu;
    }
    command_apdu a;
    a.cla = at(raw, 0);
    a.ins = at(raw, 1);
    a.p1 = at(raw, 2);
    a.p2 = at(raw, 3);
    const std::size_t n = raw.size();
    if (n == 4) {
        return a; // case 1
    }
    if (n == 5) {
        a.le = at(raw, 4); // case 2 short
        return a;
    }
    if (at(raw, 4) != 0) {
        const std::size_t lc = at(raw, 4);
        if (n == 5 + lc) {
            a.data.assign(raw.substr(5, lc)); // case 3 short
            return a;
        }
        if (n == 6 + lc) {
            a.data.assign(raw.substr(5, lc)); // case 4 short
            a.le = at(raw, n - 1);
            return a;
        }
        return errc::malformed_apdu;
    }
    // First length byte 00 with more bytes after it: extended length.
    a.extended = true;
    if (n == 7) {
        a.le = static_cast<std::uint16_t>(at(raw, 5) << 8 | at(raw, 6)); // case 2 extended
        return a;
    }
    if (n < 7) {
        return errc::malformed_apdu;
    }
    const std::size_t lc = static_cast<std::size_t>(at(raw, 5) << 8 | at(raw, 6));
    if (lc == 0) {
        return errc::malformed_apdu;
    }
    if (n == 7 + lc) {
        a.data.assign(raw.substr(7, lc));
        return a;
    }
    if (n == 9 + lc) {
        a.data.assign(raw.substr(7, lc));
        a.le = static_cast<std::uint16_t>(at(raw, n - 2) << 8 | at(raw, n - 1));
        return a;
    }
    return errc::malformed_apdu;
}

result<tsm::core::bytes> encode_command_apdu(const command_apdu& apdu) {
    const std::size_t lc = apdu.data.size();
    if (lc > (apdu.extended ? 0xFFFFu : 0xFFu) || (!apdu.extended && apdu.le && *apdu.le > 0xFF)) {
        return errc::apdu_too_long;
    }
    tsm::core::bytes out;
    out.reserve(4 + 3 + lc + 3);
    out.push_back(static_cast<char>(apdu.cla));
    out.push_back(static_cast<char>(apdu.ins));
    out.push_back(static_cast<char>(apdu.p1));
    out.push_back(static_cast<char>(apdu.p2));
    if (apdu.extended) {
        if (lc > 0 || apdu.le) {
            out.push_back('\0');
        }
        if (lc > 0) {
            out.push_back(static_cast<char>(lc >> 8));
            out.push_back(static_cast<char>(lc & 0xFF));
            out.append(apdu.data);
        }
        if (apdu.le) {
            out.push_back(static_cast<char>(*apdu.le >> 8));
            out.push_back(static_cast<char>(*apdu.le & 0xFF));
        }
        return out;
    }
    if (lc > 0) {
        out.push_back(static_cast<char>(lc));
        out.append(apdu.data);
    }
    if (apdu.le) {
        out.push_back(static_cast<char>(*apdu.le));
    }
    return out;
}

} // namespace tsm::core::gp
