// tsm-vpcd-card: the sandbox secure element in vsmartcard-vpcd's virtual reader, so that any
// PC/SC client (tsm-touchpoint --card pcsc, opensc-tool, fdsm) sees it as a real card.
#include "vpcd_card_server.hpp"

#include "tsm/core/hex.hpp"

#include <charconv>
#include <iostream>
#include <string>
#include <vector>

namespace {

const char* usage = R"(tsm-vpcd-card - the sandbox secure element as a card in vsmartcard-vpcd's reader

Usage:
  tsm-vpcd-card [--host ADDR] [--port N] [--connect-timeout-ms N] [--remove-after N]
                [--iin HEX] [--cin HEX] [--batch-id N] [--uid HEX] [--no-fidesmo]

It connects to the reader (pcscd with the vpcd driver listens on 127.0.0.1:35963 for slot
"Virtual PCD 00 00"), answers the reader's power and ATR controls and every C-APDU, and
exits when the reader closes the connection. The card is the sandbox GlobalPlatform card
with the GP test keys (40..4F, SCP03 kvn 30 and SCP02 kvn 20), its DESFire EV1 emulation and
the Fidesmo identification applets.

Options:
  --host ADDR             reader address (default 127.0.0.1)
  --port N                reader port (default 35963)
  --connect-timeout-ms N  keep trying to connect this long (default 10000)
  --remove-after N        answer N C-APDUs, then remove the card (close the socket without
                          answering the next one) and exit 0
  --iin HEX               GET DATA 42 (default 8A2C10)
  --cin HEX               GET DATA 45 and the platform applet's CIN (default 0E48800471400A)
  --batch-id N            the platform applet's batch id (default 1)
  --uid HEX               the UID (FF CA 00 00), 4 or 7 bytes (default: the DESFire UID)
  --no-fidesmo            no Fidesmo identification applets (their SELECT answers 6A82)
  --help                  this text

Exit codes: 0 the reader closed the connection, or the card was removed as asked;
2 usage error; 3 could not connect or the connection failed.
)";

template <class T>
bool parse_number(const std::string& s, T& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

int usage_error(const std::string& msg) {
    std::cerr << "tsm-vpcd-card: " << msg << "\n(try tsm-vpcd-card --help)\n";
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    using namespace tsm;
    tools::vpcd::vpcd_card_options opts;
    auto cfg = sandbox::secure_element_config::with_test_keys();
    std::vector<std::string> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            std::cout << usage;
            return 0;
        }
        if (a == "--no-fidesmo") {
            cfg.fidesmo.enabled = false;
            continue;
        }
        if (i + 1 >= args.size()) {
            return usage_error("option " + a + " needs a value");
        }
        const std::string& v = args[++i];
        if (a == "--host") {
            opts.host = v;
        } else if (a == "--port") {
            if (!parse_number(v, opts.port) || opts.port == 0) {
                return usage_error("--port must be 1..65535");
            }
        } else if (a == "--connect-timeout-ms") {
            long long ms = 0;
            if (!parse_number(v, ms) || ms < 0) {
                return usage_error("--connect-timeout-ms must be a non-negative integer");
            }
            opts.connect_timeout = std::chrono::milliseconds(ms);
        } else if (a == "--remove-after") {
            std::size_t n = 0;
            if (!parse_number(v, n)) {
                return usage_error("--remove-after must be a non-negative integer");
            }
            opts.remove_after = n;
        } else if (a == "--iin" || a == "--cin" || a == "--uid") {
            auto b = core::from_hex(v);
            if (!b || b->empty() || (a == "--uid" && b->size() != 4 && b->size() != 7)) {
                return usage_error(a + " must be hex" + (a == "--uid" ? " of 4 or 7 bytes" : ""));
            }
            (a == "--iin" ? cfg.iin : a == "--cin" ? cfg.cin : cfg.uid) = *b;
        } else if (a == "--batch-id") {
            if (!parse_number(v, cfg.fidesmo.batch_id)) {
                return usage_error("--batch-id must be an integer 0..4294967295");
            }
        } else {
            return usage_error("unknown option " + a);
        }
    }
    sandbox::secure_element card(std::move(cfg));
    auto r = tools::vpcd::serve_vpcd(card, opts, std::cout);
    if (!r.connected) {
        std::cerr << "tsm-vpcd-card: " << r.error << "\n";
        return 3;
    }
    std::cout << "vpcd-card: " << (r.removed ? "card removed" : r.error) << " after " << r.apdus
              << " APDU(s)\n";
    return r.removed || r.error == "the reader closed the connection" ? 0 : 3;
}
