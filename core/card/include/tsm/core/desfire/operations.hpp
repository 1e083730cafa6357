#pragma once
/// DESFire operations (/desfire/ev1/createApp, /commands, /deleteApp). Every script starts by
/// selecting the DESFire emulation (`00 A4 04 00 07 D2760000850100 00`), then speaks native
/// DESFire commands ISO-wrapped (`90 INS 00 00 [Lc data] 00`; answers `<data> 91 <status>`).
/// Authentication needs the card's live challenge, so operations span several round trips;
/// docs/desfire.md lists the sequence and round trips of each.
///
/// Failures: a DESFire status other than 00/AF finishes with error.code "desfire-error",
/// error.command (the DESFire command name, e.g. "CreateApplication"), error.status (2 hex
/// digits, e.g. "DE"; carried in operation_outcome::error_sw) and a message naming the status
/// ("duplicate application"). A failed authentication (status AE, or the card's RndA proof
/// does not verify) gives "authentication-failed" and nothing further is sent. A response CMAC
/// that does not verify gives "secure-messaging-error". Answers the touch point did not deliver
/// (CLIENT_ERROR, card removed) are handled by the session engine as for every operation.
///
/// Batches: every batch goes out with stop_on_error OFF (the touch point would stop at the first
/// 91xx, i.e. at the first DESFire command), so every command of a batch must be answered; an
/// answer with fewer responses than commands gives "touch-point-error" (500). Other codes:
/// "card-error" (500) when SELECT or a wrapped command gets an ISO status word instead of 91xx
/// (error.command names it, error.sw has 4 digits, e.g. SELECT 6A82: no DESFire application),
/// "bad-request" (400) for a request failing validate() or a PICC key of the wrong length.
/// Status codes are those of ccm/card_context.hpp. Round trips:
///
///   createApp, no keys   1 SELECT, SelectApplication(000000), Authenticate(picc_key_no)
///                        2 authentication answer (the card's proof is checked before
///                          anything else goes out)
///                        3 CreateApplication (CMAC chain; the answer's CMAC verified) -> 3
///   createApp, keys      3 also carries SelectApplication(aid), Authenticate(key 0) with the
///                          application's default key (zero bytes of keys_type)
///                        4 authentication answer
///                        5 ChangeKey 1..n-1 (old key = default; each answer's CMAC
///                          verified), then ChangeKey 0 (no CMAC: it ends the session)   -> 5
///   deleteApp            1, 2 as createApp; 3 DeleteApplication (CMAC verified)          -> 3
///   commands             1 SELECT, SelectApplication(aid), command 1 [+ read-only commands];
///                        then one round trip per further command that may change the card
///                        (read-only commands ride along behind it: the card runs a whole batch
///                        even after an error, so nothing that writes may follow a command in
///                        the same batch), plus one per extra answer frame (90 AF 00 00 00
///                        after a 91AF that ends a batch; GetVersion's two are sent up front).
///                        Commands over 1 + 54 bytes go as AF continuation frames in one batch.
///
/// Authentication uses ISO (1A) for DES/2K3DES/3K3DES keys and AES (AA) for AES keys; no legacy
/// (0A) sessions. CreateApplication and DeleteApplication are sent plain with the CMAC chain
/// kept host side (EV1 secure messaging, reference notes 5.4); the AID and the ISO file id go
/// LSB first.
#include "tsm/core/desfire/key_type.hpp"
#include "tsm/core/hex.hpp"
#include "tsm/core/operation.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::core::desfire {

/// A DESFire application id as the API writes it ("F1A2B3" = 0xF1A2B3); on the wire LSB first.
using application_id = std::uint32_t; ///< 24 bits

/// CreateApplication(aid, key_settings, crypto_bits(keys_type) | 0x20 if iso_file_id |
/// number_of_keys, [iso_file_id], [iso_df_name]); then, when `keys` are given, ChangeKey for each.
/// Setting keys needs key_settings bits 7-4 = 0 (the master key changes keys) and bit 0 set
/// (master key changeable): validate() refuses other settings with keys.
struct create_app_request {
    application_id aid = 0;
    std::uint8_t key_settings = 0x0F;         ///< KS1
    std::uint8_t number_of_keys = 1;          ///< 1..14
    key_type keys_type = key_type::aes;       ///< crypto of the application's keys (KS2 bits 7-6)
    std::optional<std::uint16_t> iso_file_id; ///< not 3F00/3FFF/FFFF
    bytes iso_df_name;                        ///< 0..16 bytes; empty = none; needs iso_file_id
    std::vector<bytes> keys;                  ///< empty, or number_of_keys keys of key_length(keys_type)
    std::uint8_t keys_version = 0;            ///< AES key version sent with ChangeKey

    friend bool operator==(const create_app_request&, const create_app_request&) = default;
};

/// The SP's native commands, run plain (unauthenticated) in its application. On success
/// `responses` has one entry per command: the data of all its answer frames || 91 || 00. A
/// failing command ends the operation with "desfire-error"; the responses so far, the failing
/// one's (data || 91 || status) included, come with the failure outcome.
struct commands_request {
    application_id aid = 0;
    /// Native commands (INS || params), 1 to 64 of 1 to 1024 bytes each. Refused (validate):
    /// SelectApplication, the PICC management commands (CreateApplication, DeleteApplication,
    /// FormatPICC, SetConfiguration), the authentications (0A, 1A, AA, 71, 77: they need the
    /// live challenge) and AF (frames are the operation's job).
    std::vector<bytes> commands;

    friend bool operator==(const commands_request&, const commands_request&) = default;
};

struct delete_app_request {
    application_id aid = 0;

    friend bool operator==(const delete_app_request&, const delete_app_request&) = default;
};

/// What the operation needs about the card: the PICC master key (already diversified by the
/// caller) and a random source for RndA (empty = OpenSSL RAND_bytes; injectable for tests).
struct card_context {
    desfire_key picc_master;
    std::uint8_t picc_key_no = 0;
    std::function<bytes(std::size_t)> random;
};

/// nullopt when valid, else a message naming the field (SP API checks before accepting). Every
/// aid must be 24 bits and not 000000 (the PICC level). The operations check again in start().
std::optional<std::string> validate(const create_app_request& r);
std::optional<std::string> validate(const commands_request& r);
std::optional<std::string> validate(const delete_app_request& r);

/// "F1A2B3" -> 0xF1A2B3 (exactly 6 hex digits); nullopt otherwise.
std::optional<application_id> parse_aid(std::string_view hex);

/// The operations; success is statusCode 200 with no responses (createApp, deleteApp) or the
/// command responses (commands). Key material (the PICC key, the application keys) is wiped
/// when the operation finishes.
std::unique_ptr<operation> make_create_app(card_context ctx, create_app_request req);
std::unique_ptr<operation> make_commands(commands_request req); ///< needs no keys
std::unique_ptr<operation> make_delete_app(card_context ctx, delete_app_request req);

/// Payload codecs for the operation record. create_app payloads hold application keys and are
/// sealed by the integrator before they are stored (as /ccm/storedata payloads are). Decoding
/// rejects a wrong version, truncation, trailing bytes and requests failing validate().
bytes encode_create_app_request(const create_app_request& r);
std::optional<create_app_request> decode_create_app_request(std::string_view payload);
bytes encode_commands_request(const commands_request& r);
std::optional<commands_request> decode_commands_request(std::string_view payload);
bytes encode_delete_app_request(const delete_app_request& r);
std::optional<delete_app_request> decode_delete_app_request(std::string_view payload);

/// The name of a DESFire status byte for error messages ("duplicate application" for DE;
/// "unknown status" for bytes outside the EV1 table).
std::string_view status_name(std::uint8_t status) noexcept;
/// The name of a native DESFire command for error.command ("CreateApplication" for CA; "INS 3E"
/// for a byte the EV1 command set does not name).
std::string_view command_name(std::uint8_t ins) noexcept;

} // namespace tsm::core::desfire
