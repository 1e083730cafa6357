#pragma once
/// /secure-transceive on the card: the SP's own commands sent under a GlobalPlatform secure
/// channel that the TSM opens to the card's Issuer Security Domain, so the touch point relays
/// only wrapped commands (C-MAC always; the command data encrypted when the level has C-DEC).
///
/// Round 1: SELECT ISD + INITIALIZE UPDATE (as every CCM operation, operations.hpp).
/// Round 2, one stopOnError batch: EXTERNAL AUTHENTICATE at the card's registered level, then
/// INSTALL [for personalization] of `application` when it is not the ISD itself (GP §11.5: the
/// ISD forwards what follows to that application), then every command wrapped, in order.
/// `application` equal to the ISD AID: the commands go to the ISD itself, no INSTALL.
///
/// Success: statusCode 200 and NO responses (as Fidesmo: the SP's answers are not relayed back).
/// A command answering anything but 9000/61xx stops the card: "card-error", error.command
/// "commands[<index>]" (0-based, as in the SP's list), error.sw and the explanation. The request
/// holds secrets (the commands): it is wiped with itself and its payload is only stored sealed.
/// Pure, any thread (one operation is driven by one shard).
#include "tsm/core/ccm/card_context.hpp"
#include "tsm/core/hex.hpp"
#include "tsm/core/operation.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::core::ccm {

/// EXTERNAL AUTHENTICATE + INSTALL [for personalization] + the commands fit in one batch of the
/// touch point's 256 commands.
inline constexpr std::size_t max_secure_commands = 254;

struct secure_transceive_request {
    bytes application;           ///< AID, 5..16 bytes; the ISD's own AID = the ISD
    std::vector<bytes> commands; ///< plain short C-APDUs (basic channel, no secure messaging)

    secure_transceive_request() = default;
    secure_transceive_request(secure_transceive_request&&) noexcept = default;
    secure_transceive_request& operator=(secure_transceive_request&&) noexcept = default;
    secure_transceive_request(const secure_transceive_request&) = delete;
    secure_transceive_request& operator=(const secure_transceive_request&) = delete;
    ~secure_transceive_request();
};

/// nullopt when valid, else a message naming the field ("commands[2]: ..."): application an AID,
/// 1..max_secure_commands commands, each a well-formed short APDU whose CLA is an interindustry
/// or proprietary class on the basic channel without secure messaging bits (the TSM sets them).
/// The card's command size limit is checked when the script is built.
std::optional<std::string> validate(const secure_transceive_request& r);

/// The operation. `ctx` carries the keys for this run only; the operation wipes them and the
/// commands with itself.
std::unique_ptr<operation> make_secure_transceive(card_context ctx, secure_transceive_request req);

/// Payload codec (the plain form, sealed by the caller): version 01, application, the command
/// count (2 bytes), each command; fields as in the other CCM payloads. Decoding rejects
/// malformed payloads and requests that do not pass validate().
bytes encode_secure_transceive_request(const secure_transceive_request& r);
std::optional<secure_transceive_request> decode_secure_transceive_request(std::string_view payload);

} // namespace tsm::core::ccm
