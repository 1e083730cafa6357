#include "example_sp/sp_options.hpp"

#include "tsm/core/hex.hpp"

#include <charconv>

namespace tsm::tools::example_sp {

const char* sp_usage() {
    return R"(example_sp - example Service Provider for OpenTSM (services "demo", "desfire", "pin" and "hello")

Usage:
  example_sp --listen HOST:PORT --tsm URL --app-id ID --app-key HEX
             [--public-url URL] [--operation-timeout SECONDS] [--cap FILE]
             [--key-file PEM]

Options:
  --listen HOST:PORT       address to serve on (port 0 picks a free port; default 127.0.0.1:0)
  --tsm URL                tsmd's SP API base URL, e.g. http://127.0.0.1:8080 (required)
  --app-id ID              app_id header value (required)
  --app-key HEX            app_key header value (required)
  --public-url URL         base URL tsmd uses to reach this SP (callbacks); default
                           http://HOST:PORT of the bound address
  --operation-timeout S    how long to wait for each operation callback (default 60)
  --cap FILE               CAP file for the "hello" service (e.g. tests/data/cap/kaoh-helloworld.cap),
                           uploaded to tsmd once at start (POST /v3/apps/{appId}/capfiles); the
                           stored CAP id is logged. Without --cap, "hello" is unknown (404)
  --key-file PEM           RSA private key (PEM) for the "pin" service's encrypted user input; its
                           self-signed certificate goes in the description. Default: a fresh
                           RSA-2048 key generated at start
  --help                   this text

Endpoints served (register them with tsmctl apps put):
  GET       /description/{serviceId}   "demo", "desfire", "pin" (and "hello" with --cap) -> 200 description JSON,
                                       anything else -> 404
  PUT|POST  /delivery                  delivery request; 200 at once, the session then runs on
                                       its own worker thread
  POST      /callback/{sessionId}      operation callbacks from tsmd

The demo session: POST /transceive ["00A4040000","80CA9F7F00"] (select the ISD, GET DATA
CPLC), wait for the callback, check statusCode 200 and SW 9000; POST /transceive
["80CA004500"] (GET DATA CIN), wait, check; then POST /service/completed with success and a
message. Every step is logged as one line on stdout.

The hello session (card content management; the CAP's first applet, instance AID = applet AID
+ "01"): POST /ccm/install, wait for the callback; POST /transceive SELECT of the instance
(expects 9000); POST /ccm/storedata with a DGI 0101 "hello"; then /service/completed with a
message naming the instance. The applet stays installed. When INSTALL [for install] fails with
SW 6985 or 6A89 (the instance exists), the instance is deleted (/ccm/delete, withRelated false)
and installed once more. Any other failure completes with success false and a message naming the
failing command and its SW. Keys and personalization data are never logged.

The desfire session (MIFARE DESFire EV1; the card's PICC master key registered in tsmd):
POST /desfire/ev1/createApp (aid DE5F01, AES, 2 keys, key settings 0F, two random application
keys), wait; POST /desfire/ev1/commands CreateStdDataFile 01 (plain, free access, 32 bytes),
WriteData "hello", ReadData (expects 68656C6C6F 9100), wait; POST /desfire/ev1/deleteApp, wait;
then /service/completed. Each callback is logged as received. When CreateApplication answers DE
(duplicate application), the application is deleted and created once more. The application
keys are never logged.

The pin session (user interaction): POST /user-interaction {"fields":[{"id":"pin","type":"edit",
"label":{"en":"Choose a PIN"}}],"encrypted":true}, wait for the callback; unwrap its ephemeralKey
with the SP's key (RSA-OAEP SHA-512, MGF1 SHA-512), decrypt the value (AES-256-CBC, zero IV,
PKCS#7), check it is 4 to 8 digits; then /service/completed ("PIN set", or failure). Only the
PIN's length is logged (PIN received, N digits); the PIN is wiped after the check.

Once bound it prints "example_sp listening on http://HOST:PORT". SIGINT/SIGTERM stop it.
Exit codes: 0 stopped by a signal, 1 cannot listen, cannot read/upload the --cap file or read the --key-file,
2 usage error.

Example:
  example_sp --listen 127.0.0.1:9000 --tsm http://127.0.0.1:8080 --app-id demo-sp \
      --app-key 00112233445566778899AABBCCDDEEFF
  tsmctl apps put demo-sp --key 00112233445566778899AABBCCDDEEFF \
      --description-url http://127.0.0.1:9000/description \
      --delivery-url http://127.0.0.1:9000/delivery --callback-prefix http://127.0.0.1:9000/callback/
  # card content management: the "hello" service (the card's keys registered with tsmctl cards put)
  example_sp ... --cap tests/data/cap/kaoh-helloworld.cap
  tsm-touchpoint --url ws://127.0.0.1:8080/touchpoint/v1 --app demo-sp --service hello
  # DESFire: the PICC master key registered with tsmctl cards put --desfire-key-type/-file
  tsm-touchpoint --url ws://127.0.0.1:8080/touchpoint/v1 --app demo-sp --service desfire \
      --desfire-key-file picc.key
)";
}

namespace {

sp_parse_result usage_error(std::string msg) {
    sp_parse_result r;
    r.error = std::move(msg);
    return r;
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

} // namespace

sp_parse_result parse_sp_args(const std::vector<std::string>& args) {
    sp_options o;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            sp_parse_result r;
            r.help = true;
            return r;
        }
        if (i + 1 >= args.size()) {
            return usage_error(a.starts_with("--") ? "option " + a + " needs a value"
                                                   : "unexpected argument " + a);
        }
        const std::string& v = args[++i];
        if (a == "--listen") {
            auto colon = v.rfind(':');
            if (colon == std::string::npos
                || !parse_number(std::string_view(v).substr(colon + 1), o.listen_port)) {
                return usage_error("--listen must be HOST:PORT");
            }
            o.listen_host = v.substr(0, colon);
            if (o.listen_host.size() > 2 && o.listen_host.front() == '[' && o.listen_host.back() == ']') {
                o.listen_host = o.listen_host.substr(1, o.listen_host.size() - 2); // [::1]:port
            }
        } else if (a == "--tsm") {
            o.tsm_url = v;
        } else if (a == "--app-id") {
            o.app_id = v;
        } else if (a == "--app-key") {
            o.app_key = v;
        } else if (a == "--public-url") {
            o.public_url = v;
        } else if (a == "--operation-timeout") {
            unsigned s = 0;
            if (!parse_number(v, s) || s == 0) {
                return usage_error("--operation-timeout must be a positive number of seconds");
            }
            o.operation_timeout = std::chrono::seconds(s);
        } else if (a == "--key-file") {
            if (v.empty()) {
                return usage_error("--key-file needs a PEM file path");
            }
            o.key_file = v;
        } else if (a == "--cap") {
            if (v.empty()) {
                return usage_error("--cap needs a CAP file path");
            }
            o.cap_path = v;
        } else {
            return usage_error("unknown option " + a);
        }
    }
    if (!o.tsm_url.starts_with("http://")) {
        return usage_error("--tsm http://HOST:PORT is required");
    }
    if (o.app_id.empty() || !core::is_hex(o.app_key)) {
        return usage_error("--app-id and --app-key (hex) are required");
    }
    if (!o.public_url.empty() && !o.public_url.starts_with("http://")
        && !o.public_url.starts_with("https://")) {
        return usage_error("--public-url must be an http(s):// URL");
    }
    while (o.public_url.ends_with('/')) {
        o.public_url.pop_back();
    }
    sp_parse_result r;
    r.options = std::move(o);
    return r;
}

} // namespace tsm::tools::example_sp
