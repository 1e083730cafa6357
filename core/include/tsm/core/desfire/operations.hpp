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

inline constexpr std::string_view create_app_kind = "desfire-create-app";
inline constexpr std::string_view commands_kind = "desfire-commands";
inline constexpr std::string_view delete_app_kind = "desfire-delete-app";

/// A DESFire application id as the API writes it ("F1A2B3" = 0xF1A2B3); on the wire LSB first.
using application_id = std::uint32_t; ///< 24 bits

struct create_app_request {
    application_id aid = 0;
    std::uint8_t key_settings = 0x0F;   ///< KS1
    std::uint8_t number_of_keys = 1;    ///< 1..14
    key_type keys_type = key_type::aes; ///< crypto of the application's keys (KS2 bits 7-6)
    std::optional<std::uint16_t> iso_file_id;
    bytes iso_df_name;                  ///< 0..16 bytes; empty = none
    std::vector<bytes> keys;            ///< empty, or number_of_keys keys of key_length(keys_type)
    std::uint8_t keys_version = 0;      ///< AES key version sent with ChangeKey

    friend bool operator==(const create_app_request&, const create_app_request&) = default;
};

struct commands_request {
    application_id aid = 0;
    std::vector<bytes> commands; ///< native commands (INS || params), each >= 1 byte

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

/// nullopt when valid, else a message naming the field (SP API checks before accepting).
std::optional<std::string> validate(const create_app_request& r);
std::optional<std::string> validate(const commands_request& r);
std::optional<std::string> validate(const delete_app_request& r);

/// "F1A2B3" -> 0xF1A2B3 (exactly 6 hex digits); nullopt otherwise.
std::optional<application_id> parse_aid(std::string_view hex);

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

/// The name of a DESFire status byte for error messages ("duplicate application" for DE).
std::string_view status_name(std::uint8_t status) noexcept;
/// The name of a native DESFire command for error.command ("CreateApplication" for CA).
std::string_view command_name(std::uint8_t ins) noexcept;

} // namespace tsm::core::desfire
