#include "tsmctl/tsmctl_command.hpp"

#include "tsmctl/card_options.hpp"

#include "tsm/core/hex.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <limits>
#include <string_view>

namespace tsm::tools::tsmctl {

const char* tsmctl_usage() {
    return R"(tsmctl - manage Service Provider apps and card keys through the tsmd admin API

Usage:
  tsmctl [--admin URL] [--token T] apps put ID --key HEX --description-url URL
         --delivery-url URL [--delivery-method PUT|POST] --callback-prefix P [--callback-prefix P2 ...]
  tsmctl [--admin URL] [--token T] apps get ID
  tsmctl [--admin URL] [--token T] apps list
  tsmctl db migrate [--store URL]   PostgreSQL store: apply the schema migrations
                                    (default URL: $TSM_STORE_URL; not through the admin API)
  tsmctl [--admin URL] [--token T] apps delete ID
  tsmctl [...] cards put CIN [--iin HEX] [--isd AID [--scp 03|02] --kvn N
               (--keys-file F | --enc K --mac K --dek K)]
               [--desfire-key-type T --desfire-key-file F [--desfire-version N]]
               [--platform-version N [--os-type-version-name S] [--batch-id N] [--cplc HEX] [--uid HEX]]
  tsmctl [...] cards get CIN | cards delete CIN
  tsmctl [...] iins put IIN [--isd AID [--scp 03|02] --kvn N [--diversification none|kdf3|emv|visa2]
               (--keys-file F | --enc K --mac K --dek K)]
               [--desfire-key-type T --desfire-key-file F [--desfire-version N]
                [--desfire-diversification none|an10922] [--desfire-system-id HEX]]
  tsmctl [...] iins get IIN | iins delete IIN

Options:
  --admin URL     admin listener base URL (env TSM_ADMIN_URL, default http://127.0.0.1:8081)
  --token T       bearer token sent as "Authorization: Bearer T" (env TSM_ADMIN_TOKEN)
  --help          this text
 cards/iins put:
  --iin HEX       cards only: the card's IIN, stored with its keys (optional; required for a device
                  without keys)
  --isd AID       the Issuer Security Domain AID, 5 to 16 bytes in hex (required)
  --scp 03|02     secure channel protocol of the key set (default 03)
  --kvn N         key version number 0..255, decimal or 0xHH (required)
  --diversification none|kdf3|emv|visa2
                  iins only: how per-card keys derive from the master keys (default none)
  --keys-file F   JSON file {"enc":"HEX","mac":"HEX","dek":"HEX"} (preferred)
  --enc/--mac/--dek K
                  the keys in hex on the command line; not together with --keys-file
                  Keys: SCP03 AES-128/192/256 (16, 24 or 32 bytes, all three the same length),
                  SCP02 two-key 3DES (16 bytes).
 cards put, device description (what the Fidesmo client API reports for the device; a card put
 with only these and --iin registers a device without keys, for transceive-only services):
  --platform-version N
                  the Fidesmo platform version, 1..2147483647 (required for a device without keys)
  --os-type-version-name S
                  the OS type and version, e.g. JCOP3SECIDCS (printable ASCII, at most 64)
  --batch-id N    the platform applet's batch id (tag 42), >= 0
  --cplc HEX      the card's CPLC data (GET DATA 9F7F; a 9F7F2A prefix is dropped); devices/identify
                  finds the card by it
  --uid HEX       the card's fixed UID (4, 7 or 10 bytes); devices/identify finds the card by it
 cards/iins put, DESFire part (the PICC master key; with or without the GlobalPlatform keys):
  --desfire-key-type AES|3K3DES|2K3DES|DES
                  the key's type (AES 16, 3K3DES 24, 2K3DES 16, DES 8 bytes)
  --desfire-key-file F
                  file holding the key in hex (or JSON {"key":"HEX"}); never on the command line
  --desfire-version N
                  key version 0..255, decimal or 0xHH (default 0)
  --desfire-diversification none|an10922
                  iins only: per-card keys by AN10922, M = CIN || 000000 || system id (default none)
  --desfire-system-id HEX
                  iins only, an10922: the system identifier, at most 21 bytes (AES) or 5 bytes
                  (2K3DES, 3K3DES)

apps put registers or replaces an app: the key is the app_key SPs send (hex), the description
URL gets "/{serviceId}" appended, the delivery URL receives delivery requests with the given
method (default PUT), and callbackUrls an SP passes must start with one of the prefixes.

cards put stores one card's GlobalPlatform keys (ENC/MAC/DEK, hex), its DESFire PICC master key,
its device description, or any of them together (the record is replaced as a whole); iins put stores an IIN master key set diversified per card. tsmd seals keys at rest and
never returns them (get shows the key types and versions), and tsmctl never prints them. Prefer --keys-file over --enc/--mac/--dek, which other local users can read
in the process list.

Output: the response JSON on stdout (pretty-printed); errors on stderr.
Exit codes: 0 success (2xx), 1 request failed (HTTP error status or connection failure),
            2 usage error.

Examples:
  tsmctl apps put demo-sp --key 00112233445566778899AABBCCDDEEFF \
      --description-url http://127.0.0.1:9000/description --delivery-url http://127.0.0.1:9000/delivery \
      --callback-prefix http://127.0.0.1:9000/callback/
  tsmctl cards put 0E48800471400A --iin 8A2C10 --isd A000000151000000 --scp 03 --kvn 0x30 \
      --keys-file card-keys.json
  tsmctl cards put 0E48800471400A --iin 8A2C10 --platform-version 3 --batch-id 0 \
      --cplc 4790504047918102... --uid 04A1B2C3D4E5F6
  tsmctl iins put 8A2C10 --desfire-key-type AES --desfire-key-file picc-master.hex \
      --desfire-diversification an10922 --desfire-system-id 4E585020416275
)";
}

namespace {

bool is_http_url(std::string_view s) {
    return s.starts_with("http://") || s.starts_with("https://");
}

} // namespace

parse_result parse_tsmctl_args(const std::vector<std::string>& args, const std::string& env_admin_url,
                               const std::string& env_token) {
    tsmctl_command cmd;
    if (!env_admin_url.empty()) {
        cmd.admin_url = env_admin_url;
    }
    cmd.token = env_token;
    bool have_key = false, have_desc = false, have_deliv = false, have_method = false;
    std::vector<std::string> positional;
    std::vector<std::string> key_options; // card-key options, applied by parse_keys_command
    std::vector<std::string> key_values;

    // Options may appear before or after the subcommand words, as with most CLIs.
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            parse_result r;
            r.help = true;
            return r;
        }
        if (!a.starts_with("--")) {
            positional.push_back(a);
            continue;
        }
        if (i + 1 >= args.size()) {
            return usage_error("option " + a + " needs a value");
        }
        const std::string& v = args[++i];
        if (a == "--admin") {
            cmd.admin_url = v;
        } else if (a == "--token") {
            cmd.token = v;
        } else if (a == "--key") {
            cmd.key = v;
            have_key = true;
        } else if (a == "--description-url") {
            cmd.description_url = v;
            have_desc = true;
        } else if (a == "--delivery-url") {
            cmd.delivery_url = v;
            have_deliv = true;
        } else if (a == "--delivery-method") {
            cmd.delivery_method = v;
            have_method = true;
        } else if (a == "--callback-prefix") {
            cmd.callback_prefixes.push_back(v);
        } else if (a == "--iin" || a == "--isd" || a == "--scp" || a == "--kvn" || a == "--enc"
                   || a == "--mac" || a == "--dek" || a == "--diversification" || a == "--keys-file"
                   || a == "--desfire-key-type" || a == "--desfire-key-file" || a == "--desfire-version"
                   || a == "--desfire-diversification" || a == "--desfire-system-id" || is_device_option(a)) {
            key_options.push_back(a);
            key_values.push_back(v);
        } else {
            return usage_error("unknown option " + a);
        }
    }
    if (!cmd.admin_url.starts_with("http://")) {
        return usage_error("--admin must be an http:// URL");
    }
    while (cmd.admin_url.ends_with('/')) {
        cmd.admin_url.pop_back();
    }
    if (!positional.empty() && (positional[0] == "cards" || positional[0] == "iins")) {
        if (have_key || have_desc || have_deliv || have_method || !cmd.callback_prefixes.empty()) {
            return usage_error("--key/--description-url/--delivery-url/--delivery-method/--callback-prefix "
                               "are for apps put");
        }
        return parse_keys_command(std::move(cmd), positional, key_options, key_values);
    }
    if (!key_options.empty()) {
        return usage_error(key_options.front() + " is for cards/iins put");
    }
    if (positional.size() < 2 || positional[0] != "apps") {
        return usage_error("expected: apps|cards|iins put|get|delete ... (or apps list)");
    }
    const std::string& verb = positional[1];
    std::size_t want = verb == "list" ? 2 : 3;
    if (verb == "put") {
        cmd.what = action::apps_put;
    } else if (verb == "get") {
        cmd.what = action::apps_get;
    } else if (verb == "list") {
        cmd.what = action::apps_list;
    } else if (verb == "delete") {
        cmd.what = action::apps_delete;
    } else {
        return usage_error("unknown subcommand apps " + verb);
    }
    if (positional.size() != want) {
        return usage_error(verb == "list" ? "apps list takes no argument"
                                          : "apps " + verb + " needs exactly one app ID");
    }
    if (want == 3) {
        cmd.app_id = positional[2];
        if (cmd.app_id.empty()) {
            return usage_error("app ID must not be empty");
        }
    }
    bool put_only_given =
        have_key || have_desc || have_deliv || have_method || !cmd.callback_prefixes.empty();
    if (cmd.what != action::apps_put) {
        if (put_only_given) {
            return usage_error("--key/--description-url/--delivery-url/--delivery-method/--callback-prefix "
                               "are for apps put");
        }
    } else {
        if (!have_key || !core::is_hex(cmd.key)) {
            return usage_error("apps put needs --key with a non-empty, even-length hex key");
        }
        if (!have_desc || !is_http_url(cmd.description_url)) {
            return usage_error("apps put needs --description-url http(s)://...");
        }
        if (!have_deliv || !is_http_url(cmd.delivery_url)) {
            return usage_error("apps put needs --delivery-url http(s)://...");
        }
        if (cmd.delivery_method != "PUT" && cmd.delivery_method != "POST") {
            return usage_error("--delivery-method must be PUT or POST");
        }
        if (cmd.callback_prefixes.empty()) {
            return usage_error("apps put needs at least one --callback-prefix");
        }
        for (const auto& p : cmd.callback_prefixes) {
            if (!is_http_url(p)) {
                return usage_error("--callback-prefix must be an http(s):// URL prefix: " + p);
            }
        }
    }
    parse_result r;
    r.command = std::move(cmd);
    return r;
}

} // namespace tsm::tools::tsmctl
