#include "touchpoint/touchpoint_options.hpp"

#include "touchpoint/pcsc_card.hpp"

#include "tsm/core/hex.hpp"

#include <charconv>
#include <string>

namespace tsm::tools::touchpoint {

const char* touchpoint_usage() {
    static const std::string text = [] {
        std::string t = R"(tsm-touchpoint - reference touch point: runs a service delivery against a card

Usage:
  tsm-touchpoint [--protocol v1|fidesmo|fidesmo-ws] --url URL --app APP_ID --service SERVICE_ID
                 [--iin HEX] [--cin HEX] [--platform-version N]
                 [--fields ID=VALUE,... | --field ID=VALUE ...] [--decline]
                 [--card virtual|sim|pcsc] [--reader NAME] [--scp 03|02] [--kvn N] [--scp-i HEX]
                 [--enc HEX --mac HEX --dek HEX | --keys-file FILE] [--isd AID]
                 [--desfire-key-file FILE] [--desfire-uid HEX] [--desfire-key-settings HEX]
                 [--no-desfire]
                 [--batch-id N] [--fetch-retry-ms N]
                 [--trace-apdu] [--max-reconnects N]

It connects, asks for the service description (prints its title), requests delivery, then
executes every APDU batch the server sends on the card and returns the responses, until the
server reports the final status. A lost connection is resumed on a new one (same session).

With --protocol fidesmo or fidesmo-ws it speaks the Fidesmo client API instead, as Fidesmo's
fdsm does: it identifies the card (UID, CPLC, CIN, the Fidesmo platform applet's CIN and
batch id), reads the device (IIN, platformVersion) from the server, and runs every command of
each batch whatever its status word. --iin and --platform-version are then not sent (the
server's device record gives them); --cin is the virtual card's CIN. docs/pcsc.md has the
details.

Options:
  --protocol P          "v1" (default): OpenTSM's touch-point protocol, --url
                          ws://HOST:PORT/touchpoint/v1
                        "fidesmo": the Fidesmo long-poll client API, --url the API base
                          (like fdsm's FIDESMO_API_URL), e.g. http://HOST:PORT/v3/
                        "fidesmo-ws": the Fidesmo WebSocket dialect, --url the base that
                          ws/apps/APP/services/SERVICE?cin=CIN is appended to (ws:// or
                          http://), e.g. ws://HOST:PORT/v3/; fields become query parameters
  --url URL             the server (required; see --protocol)
  --app ID              application (SP) id (required)
  --service ID          service id (required)
  --iin HEX             card IIN sent in cardId (default 8A2C10; --card pcsc: read from
                        the card with GET DATA 42 unless given)
  --cin HEX             card CIN sent in cardId (default 0E48800471400A; --card pcsc: read
                        from the card with GET DATA 45 unless given)
  --platform-version N  cardId.platformVersion (default 2)
  --fields ID=VALUE,... answers to the service's input fields (the description's
                        fieldsRequired and user-interaction steps), comma separated; a
                        field without a value is asked on the terminal (labels shown;
                        checkbox true/false; date YYYY-MM-DD; option the index of a
                        choice; paymentcard NUMBER/MM/YYYY[/CVV], asked part by part).
                        When the description has a certificate (and for steps marked
                        encrypted) every value is sent AES-256-CBC encrypted with the key
                        wrapped RSA-OAEP for the service. Values are never printed
  --field ID=VALUE      one answer (may contain commas); repeatable
  --decline             answer user-interaction and user-action steps "declined"
  --card KIND           card implementation:
                        "virtual" (default) is the sandbox secure element: a software
                          GlobalPlatform card (ISD with one SCP03 or SCP02 key set, INSTALL,
                          LOAD, DELETE, GET STATUS, STORE DATA, secure channel checks); its
                          registry lives as long as the process
                        "sim" is a stateless simulated card that answers SELECT and GET DATA
                          CPLC (9F7F), IIN (42) and CIN (45) only
                        "pcsc" is a real card in a PC/SC reader (pcsc-lite; pcscd must be
                          running): shared access, T=0 or T=1, T=0 GET RESPONSE (61xx) and
                          Le correction (6Cxx) handled by the touch point@PCSC_NOTE@
  --reader NAME         --card pcsc: the reader, by its full name or a part of exactly one
                        reader's name (default: the first reader holding a card; with
                        --protocol fidesmo/fidesmo-ws the one reader whose card answers the
                        Fidesmo applets' SELECT)
  --scp 03|02           virtual card: secure channel protocol of the ISD key set (default 03)
  --kvn N               virtual card: key version number, decimal or 0xHH (default 0x30 for
                        SCP03, 0x20 for SCP02)
  --scp-i HEX           virtual card: the protocol's "i" parameter (default 70 for SCP03:
                        pseudo-random challenge, R-MAC, R-ENC; 55 for SCP02)
  --enc/--mac/--dek HEX virtual card: static keys (AES-128/192/256 for SCP03, 16-byte 3DES
                        for SCP02); default the GP test key 404142434445464748494A4B4C4D4E4F
  --keys-file FILE      virtual card: JSON file {"enc":"HEX","mac":"HEX","dek":"HEX"};
                        --enc/--mac/--dek given as well take precedence
  --isd AID             virtual card: ISD AID (default A000000151000000)
  --desfire-key-file FILE
                        virtual card: the DESFire EV1 PICC master key, read from FILE as
                        TYPE:HEX or TYPE:HEX:VERSION, TYPE one of DES (8 bytes), 2K3DES (16),
                        3K3DES (24), AES (16); VERSION (0..255, AES only) is the AES key
                        version. Default: DES 0000000000000000, as real cards ship. The key
                        is never taken from the command line nor printed
  --desfire-uid HEX     virtual card: the DESFire 7-byte UID (default 045A3D72212C80)
  --desfire-key-settings HEX
                        virtual card: PICC master key settings, one hex byte (default 0F)
  --no-desfire          virtual card: no DESFire emulation (SELECT D2760000850100 answers
                        6A82); by default the card also answers as a MIFARE DESFire EV1
  --batch-id N          virtual card: the Fidesmo batch id its platform applet reports
                        (default 1)
  --fetch-retry-ms N    --protocol fidesmo: how long a fetch answered 503 (or a lost
                        connection) is retried after the last successful fetch (default
                        900000, fdsm's 15 minutes)
  --trace-apdu          print every C-APDU (">") and R-APDU ("<") in hex; off by default
                        because APDUs can carry keys and personal data
  --max-reconnects N    resume attempts after a lost connection (default 3, 0 = none)
  --help                this text

Exit codes:
  0  delivery finished with status OK and success true
  1  delivery failed (status FAILED or success false) or the server answered with an error
  2  usage error
  3  connection failed or lost more than --max-reconnects times; or --card pcsc found no
     PC/SC service (pcscd), no reader or no card, or the card was removed during the
     delivery (the server is told: CLIENT_ERROR, or service/error)
  4  protocol error (malformed frame from the server)
)";
        const std::string mark = "@PCSC_NOTE@";
        t.replace(t.find(mark), mark.size(),
                  pcsc_available()
                      ? ""
                      : "\n                          (not available: this build has no pcsc-lite)");
        return t;
    }();
    return text.c_str();
}

namespace {

touchpoint_parse_result usage_error(std::string msg) {
    touchpoint_parse_result r;
    r.error = std::move(msg);
    return r;
}

bool parse_int(const std::string& s, int& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

// Decimal or 0x-prefixed hex byte value (0..255).
bool parse_byte(const std::string& s, int& out) {
    if (s.starts_with("0x") || s.starts_with("0X")) {
        auto [p, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), out, 16);
        return s.size() > 2 && ec == std::errc() && p == s.data() + s.size() && out >= 0 && out <= 255;
    }
    return parse_int(s, out) && out >= 0 && out <= 255;
}

} // namespace

touchpoint_parse_result parse_touchpoint_args(const std::vector<std::string>& args) {
    touchpoint_options o;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            touchpoint_parse_result r;
            r.help = true;
            return r;
        }
        if (a == "--trace-apdu") {
            o.trace_apdu = true;
            continue;
        }
        if (a == "--decline") {
            o.decline = true;
            continue;
        }
        if (a == "--no-desfire") {
            o.no_desfire = true;
            continue;
        }
        if (!a.starts_with("--")) {
            return usage_error("unexpected argument " + a);
        }
        if (i + 1 >= args.size()) {
            return usage_error("option " + a + " needs a value");
        }
        const std::string& v = args[++i];
        if (a == "--protocol") {
            if (v != "v1" && v != "fidesmo" && v != "fidesmo-ws") {
                return usage_error("--protocol must be v1, fidesmo or fidesmo-ws");
            }
            o.protocol = v;
        } else if (a == "--batch-id") {
            long long n = 0;
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec != std::errc() || p != v.data() + v.size() || n < 0 || n > 0xFFFFFFFFLL) {
                return usage_error("--batch-id must be an integer 0..4294967295");
            }
            o.batch_id = static_cast<std::uint32_t>(n);
        } else if (a == "--fetch-retry-ms") {
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), o.fetch_retry_ms);
            if (ec != std::errc() || p != v.data() + v.size() || o.fetch_retry_ms < 0) {
                return usage_error("--fetch-retry-ms must be a non-negative integer");
            }
        } else if (a == "--url") {
            o.url = v;
        } else if (a == "--app") {
            o.app_id = v;
        } else if (a == "--service") {
            o.service_id = v;
        } else if (a == "--iin") {
            o.iin_hex = v;
            o.iin_given = true;
        } else if (a == "--cin") {
            o.cin_hex = v;
            o.cin_given = true;
        } else if (a == "--platform-version") {
            if (!parse_int(v, o.platform_version) || o.platform_version < 0) {
                return usage_error("--platform-version must be a non-negative integer");
            }
        } else if (a == "--field") {
            auto eq = v.find('=');
            if (eq == std::string::npos || eq == 0) {
                // The argument is not repeated: it may hold a secret value.
                return usage_error("--field must be KEY=VALUE");
            }
            o.fields.emplace_back(v.substr(0, eq), v.substr(eq + 1));
        } else if (a == "--fields") {
            std::size_t start = 0;
            for (;;) {
                const auto comma = v.find(',', start);
                const std::string item =
                    v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                const auto eq = item.find('=');
                if (eq == std::string::npos || eq == 0) {
                    return usage_error("--fields must be ID=VALUE[,ID=VALUE...]");
                }
                o.fields.emplace_back(item.substr(0, eq), item.substr(eq + 1));
                if (comma == std::string::npos) {
                    break;
                }
                start = comma + 1;
            }
        } else if (a == "--card") {
            o.card_kind = v;
        } else if (a == "--reader") {
            if (v.empty()) {
                return usage_error("--reader needs a reader name");
            }
            o.reader = v;
        } else if (a == "--scp") {
            if (v != "03" && v != "02" && v != "3" && v != "2") {
                return usage_error("--scp must be 03 or 02");
            }
            o.scp = v.size() == 1 ? "0" + v : v;
        } else if (a == "--kvn") {
            int n = 0;
            if (!parse_byte(v, n) || n == 0) {
                return usage_error("--kvn must be 1..255 (decimal or 0xHH)");
            }
            o.kvn = n;
        } else if (a == "--scp-i") {
            auto b = core::from_hex(v);
            if (!b || b->size() != 1) {
                return usage_error("--scp-i must be one hex byte, e.g. 70");
            }
            o.scp_i = static_cast<unsigned char>((*b)[0]);
        } else if (a == "--enc" || a == "--mac" || a == "--dek") {
            if (!core::is_hex(v)) {
                return usage_error(a + " must be hex key material");
            }
            (a == "--enc" ? o.enc_hex : a == "--mac" ? o.mac_hex : o.dek_hex) = v;
        } else if (a == "--keys-file") {
            o.keys_file = v;
        } else if (a == "--isd") {
            auto b = core::from_hex(v);
            if (!b || b->size() < 5 || b->size() > 16) {
                return usage_error("--isd must be an AID of 5 to 16 bytes in hex");
            }
            o.isd_hex = v;
        } else if (a == "--desfire-key-file") {
            if (v.empty()) {
                return usage_error("--desfire-key-file needs a file name");
            }
            o.desfire_key_file = v;
        } else if (a == "--desfire-uid") {
            auto b = core::from_hex(v);
            if (!b || b->size() != 7) {
                return usage_error("--desfire-uid must be 7 bytes in hex (14 hex digits)");
            }
            o.desfire_uid_hex = v;
        } else if (a == "--desfire-key-settings") {
            auto b = core::from_hex(v);
            if (!b || b->size() != 1) {
                return usage_error("--desfire-key-settings must be one hex byte, e.g. 0F");
            }
            o.desfire_key_settings = static_cast<unsigned char>((*b)[0]);
        } else if (a == "--max-reconnects") {
            if (!parse_int(v, o.max_reconnects) || o.max_reconnects < 0) {
                return usage_error("--max-reconnects must be a non-negative integer");
            }
        } else {
            return usage_error("unknown option " + a);
        }
    }
    if (o.protocol == "v1" && (o.url.empty() || !o.url.starts_with("ws://"))) {
        return usage_error("--url ws://HOST:PORT/touchpoint/v1 is required");
    }
    if (o.protocol == "fidesmo" && !o.url.starts_with("http://")) {
        return usage_error("--protocol fidesmo needs --url http://HOST:PORT/PREFIX/ (the API base)");
    }
    if (o.protocol == "fidesmo-ws" && !o.url.starts_with("ws://") && !o.url.starts_with("http://")) {
        return usage_error("--protocol fidesmo-ws needs --url ws://HOST:PORT/PREFIX/ (or http://)");
    }
    if (o.app_id.empty() || o.service_id.empty()) {
        return usage_error("--app and --service are required");
    }
    if (!core::is_hex(o.iin_hex) || !core::is_hex(o.cin_hex)) {
        return usage_error("--iin and --cin must be non-empty even-length hex");
    }
    const char* supported = pcsc_available() ? "virtual, sim, pcsc" : "virtual, sim";
    if (o.card_kind == "pcsc" && !pcsc_available()) {
        return usage_error("--card pcsc is not available: this build has no pcsc-lite (install "
                           "libpcsclite-dev and rebuild; supported: virtual, sim)");
    }
    if (o.card_kind != "virtual" && o.card_kind != "sim" && o.card_kind != "pcsc") {
        return usage_error("unknown --card " + o.card_kind + " (supported: " + supported + ")");
    }
    if (!o.reader.empty() && o.card_kind != "pcsc") {
        return usage_error("--reader is for --card pcsc");
    }
    const bool desfire_given =
        !o.desfire_key_file.empty() || !o.desfire_uid_hex.empty() || o.desfire_key_settings.has_value();
    if ((desfire_given || o.no_desfire) && o.card_kind != "virtual") {
        return usage_error("the --desfire-* options and --no-desfire are for --card virtual");
    }
    if (desfire_given && o.no_desfire) {
        return usage_error("--no-desfire cannot be combined with --desfire-key-file, --desfire-uid "
                           "or --desfire-key-settings");
    }
    touchpoint_parse_result r;
    r.options = std::move(o);
    return r;
}

} // namespace tsm::tools::touchpoint
