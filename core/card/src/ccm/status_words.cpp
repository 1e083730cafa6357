#include "tsm/core/ccm/status_words.hpp"

#include <cstdio>

namespace tsm::core::ccm {

std::string sw_hex(std::uint16_t sw) {
    char buf[5];
    std::snprintf(buf, sizeof buf, "%04X", static_cast<unsigned>(sw));
    return buf;
}

std::string_view describe_sw(std::uint16_t sw) noexcept {
    switch (sw) {
    case 0x9000: return "success";
    case 0x6200: return "warning: no information given";
    case 0x6283: return "warning: the selected application or file is locked";
    case 0x6300: return "authentication failed (the card rejected the host cryptogram)";
    case 0x6310: return "more data available";
    case 0x6400: return "execution error: no precise diagnosis";
    case 0x6581: return "memory failure";
    case 0x6700: return "wrong length (Lc or Le)";
    case 0x6881: return "logical channel not supported";
    case 0x6882: return "secure messaging not supported";
    case 0x6982: return "security status not satisfied (no secure channel, or it was lost)";
    case 0x6983: return "authentication method blocked (too many failed authentications)";
    case 0x6984: return "referenced data invalidated";
    case 0x6985: return "conditions of use not satisfied";
    case 0x6986: return "command not allowed";
    case 0x6999: return "applet selection failed";
    case 0x6A80: return "wrong data (incorrect values in the command data)";
    case 0x6A81: return "function not supported";
    case 0x6A82: return "application or file not found";
    case 0x6A84: return "not enough memory on the card";
    case 0x6A86: return "incorrect P1/P2";
    case 0x6A87: return "Lc inconsistent with P1/P2";
    case 0x6A88: return "referenced data not found";
    case 0x6A89: return "already exists";
    case 0x6D00: return "instruction not supported";
    case 0x6E00: return "class not supported";
    case 0x6F00: return "no precise diagnosis (internal card error)";
    default: break;
    }
    switch (sw >> 8) {
    case 0x61: return "more response data available";
    case 0x63: return "warning: non-volatile memory changed";
    case 0x64: return "execution error, memory unchanged";
    case 0x65: return "execution error, memory changed";
    case 0x6C: return "wrong Le";
    default: return "unexpected status word";
    }
}

std::string explain_sw(std::string_view command, std::uint16_t sw) {
    std::string out(describe_sw(sw));
    auto hint = [&](std::string_view h) { out.append(": ").append(h); };
    if (command == "SELECT") {
        if (sw == 0x6A82 || sw == 0x6999) {
            hint("the card has no security domain with this AID; check the ISD AID of the card");
        } else if (sw == 0x6283) {
            hint("the card manager is locked");
        }
    } else if (command == "INITIALIZE UPDATE") {
        if (sw == 0x6A88) {
            hint("the card has no key set with the requested key version; check the card's kvn");
        } else if (sw == 0x6983 || sw == 0x6982) {
            hint("the security domain refuses authentication (locked after failed attempts?)");
        } else if (sw == 0x6D00 || sw == 0x6E00) {
            hint("the selected application is not a GlobalPlatform security domain");
        }
    } else if (command == "EXTERNAL AUTHENTICATE") {
        if (sw == 0x6300 || sw == 0x6982) {
            hint("the card rejected the host cryptogram; the keys or the protocol options (i) are wrong");
        } else if (sw == 0x6A80 || sw == 0x6A86) {
            hint("the card does not accept this security level");
        }
    } else if (command == "INSTALL [for load]") {
        if (sw == 0x6985 || sw == 0x6A80 || sw == 0x6A89) {
            hint("the load file may already be on the card, or its AID is not accepted");
        } else if (sw == 0x6A84) {
            hint("the card has no room for the load file");
        } else if (sw == 0x6A88) {
            hint("the security domain given for the load file was not found");
        }
    } else if (command == "LOAD") {
        if (sw == 0x6A84) {
            hint("the card ran out of memory while loading");
        } else if (sw == 0x6A80 || sw == 0x6985) {
            hint("the card rejected the load file (unsupported Java Card version, missing imported "
                 "package, or a corrupt CAP)");
        }
    } else if (command == "INSTALL [for install]") {
        if (sw == 0x6A80) {
            hint("check the install parameters (C9), the privileges and the AIDs; the applet's "
                 "install() may also reject its parameters");
        } else if (sw == 0x6A88) {
            hint("the load file or the module (applet) AID was not found on the card");
        } else if (sw == 0x6985 || sw == 0x6A89) {
            hint("an application with this instance AID may already exist");
        } else if (sw == 0x6A84) {
            hint("the card has no room for the new application");
        }
    } else if (command == "INSTALL [for personalization]") {
        if (sw == 0x6A88 || sw == 0x6A82) {
            hint("no application with this AID on the card");
        } else if (sw == 0x6985) {
            hint("the application cannot be personalised in its current life cycle state");
        }
    } else if (command == "STORE DATA") {
        if (sw == 0x6A80) {
            hint("the application rejected the data");
        }
    } else if (command == "DELETE") {
        if (sw == 0x6A88 || sw == 0x6A82) {
            hint("nothing with this AID on the card");
        } else if (sw == 0x6985) {
            hint("the object is still referenced (instances of a load file, or a package imported "
                 "by another one); delete with related objects");
        }
    } else if (command == "GET STATUS") {
        if (sw == 0x6A88) {
            hint("no matching object on the card");
        } else if (sw == 0x6A86) {
            hint("the card does not support the tagged GET STATUS format");
        }
    }
    return out;
}

} // namespace tsm::core::ccm
