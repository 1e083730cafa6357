#pragma once
/// tsm-touchpoint's command line as a value, and its parser. The card identity defaults match
/// the simulated card so that a bare invocation is a consistent demo.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tsm::tools::touchpoint {

/// Process exit codes, also the result of touchpoint_driver::run().
enum exit_code : int {
    exit_ok = 0,         ///< status OK with success true
    exit_failed = 1,     ///< delivery failed: status FAILED/success false, or an error frame
    exit_usage = 2,      ///< bad command line
    exit_connection = 3, ///< could not connect, or lost the connection beyond --max-reconnects;
                         ///< also --card pcsc finding no PC/SC service, reader or card, or
                         ///< losing the card (removed) during the delivery
    exit_protocol = 4,   ///< the server sent something this client cannot understand
};

struct touchpoint_options {
    /// "v1" (default): OpenTSM's touch-point protocol; "fidesmo": the Fidesmo long-poll client
    /// API (--url is the API base, like fdsm's FIDESMO_API_URL); "fidesmo-ws": the Fidesmo
    /// WebSocket dialect (--url is the base the ws/apps/... path is appended to).
    std::string protocol = "v1";
    std::string url;
    std::string app_id;
    std::string service_id;
    std::string iin_hex = "8A2C10";
    std::string cin_hex = "0E48800471400A";
    int platform_version = 2;
    /// --field KEY=VALUE / --fields ID=VALUE,...: the user's answers, asked on the terminal for
    /// every field the service wants and this does not give. Secrets: never printed.
    std::vector<std::pair<std::string, std::string>> fields;
    /// --decline: user-interaction and user-action steps are answered "declined".
    bool decline = false;
    bool iin_given = false; ///< --iin was given (--card pcsc otherwise reads it from the card)
    bool cin_given = false; ///< --cin was given (likewise)
    /// "virtual" (default): the sandbox secure element (tools/sandbox_se), a software GP card
    /// with the keys below; "sim": the stateless simulated card (SELECT and GET DATA only);
    /// "pcsc": a real card in a PC/SC reader (builds with pcsc-lite only).
    std::string card_kind = "virtual";
    std::string reader; ///< --card pcsc: reader name or part of it; empty = first reader with a card
    // --card virtual: the ISD and its key set. Keys are hex; empty = the GP test keys 40..4F.
    std::string scp = "03";   ///< "03" or "02"
    std::optional<int> kvn;   ///< default 0x30 for SCP03, 0x20 for SCP02
    std::optional<int> scp_i; ///< "i" parameter; default 0x70 (SCP03), 0x55 (SCP02)
    std::string enc_hex;
    std::string mac_hex;
    std::string dek_hex;
    std::string keys_file; ///< JSON {"enc","mac","dek"}; flags override it
    std::string isd_hex = "A000000151000000";
    // --card virtual: the DESFire EV1 emulation (behind SELECT D2760000850100), on by default
    // with the PICC master key DES 00 x 8 as real cards ship.
    bool no_desfire = false; ///< --no-desfire: the card has no DESFire emulation
    /// --desfire-key-file: a file holding the PICC master key as TYPE:HEX[:VERSION] (read by
    /// virtual_card_config; the key never appears on the command line). Empty = DES 00 x 8.
    std::string desfire_key_file;
    std::string desfire_uid_hex;             ///< --desfire-uid: 7-byte UID; empty = the sandbox default
    std::optional<int> desfire_key_settings; ///< --desfire-key-settings: PICC KS1; default 0x0F
    /// --batch-id: the virtual card's Fidesmo batch id (platform applet tag 42).
    std::uint32_t batch_id = 1;
    /// --fetch-retry-ms: --protocol fidesmo keeps re-sending a fetch answered 503 (or lost)
    /// until this long after the last successful fetch (fdsm: 15 minutes).
    long long fetch_retry_ms = 15LL * 60 * 1000;
    bool trace_apdu = false;
    int max_reconnects = 3;
};

struct touchpoint_parse_result {
    std::optional<touchpoint_options> options;
    bool help = false;
    std::string error;
};

touchpoint_parse_result parse_touchpoint_args(const std::vector<std::string>& args);
const char* touchpoint_usage();

} // namespace tsm::tools::touchpoint
