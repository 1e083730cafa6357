#pragma once
/// Card content management operations (/ccm/install, /ccm/delete, /ccm/storedata): each opens a
/// GlobalPlatform secure channel to the Issuer Security Domain and runs its script with as few
/// touch-point round trips as possible.
///
/// Round 1 (every operation): `SELECT ISD` + `INITIALIZE UPDATE` in one batch (stopOnError).
/// On the answer the card cryptogram is verified FIRST: a mismatch finishes the operation with
/// error.code "authentication-failed" and nothing else is sent (no EXTERNAL AUTHENTICATE). The
/// ISD's 9F65 (maximum command data length), when present, lowers card_context::max_command_data.
/// Round 2: `EXTERNAL AUTHENTICATE` + the whole rest of the script, wrapped up front (C-MAC,
/// C-DEC, MAC chain and counter do not depend on the answers), in ONE batch with stopOnError.
///
///   install, load file given:  EXT AUTH, INSTALL [for load], LOAD x n, INSTALL [for install and
///                              make selectable]                               -> 2 round trips
///   install, already loaded    round 2 as above; INSTALL [for load] answers 6985/6A80/6A89
///   (load file given):         (cards differ on "load file already exists"), the card stops there;
///                              round 3: GET STATUS (the ELF) + INSTALL [for install ...]
///                              -> 3 round trips. If GET STATUS does not find the load file, the
///                              original INSTALL [for load] error is reported.
///   install, no load file      EXT AUTH, INSTALL [for install ...]             -> 2 round trips
///   (lfdb empty: the SP says it is on the card)
///   delete:                    EXT AUTH, DELETE (P2 80 with related objects)   -> 2 round trips
///   storedata:                 EXT AUTH, INSTALL [for personalization], STORE DATA x n
///                              (requires C-DEC in the level)                   -> 2 round trips
///
/// Why optimistic loading rather than GET STATUS first: the first install of a load file — the
/// common case — then takes 2 round trips instead of 3, and a re-install costs one extra trip.
/// A batch cut short by stopOnError leaves the host MAC chain ahead of the card's; the channel
/// is resynchronised by re-deriving it from the same INITIALIZE UPDATE exchange and re-wrapping
/// exactly the commands the card answered (the wrapping is deterministic). A batch that stops at
/// an acceptable status (e.g. 6310) or that the touch point answers only partly is continued in
/// the next batch the same way.
///
/// Command details: INSTALL [for load] names the ISD (card_context::isd_aid) as the security
/// domain, with no hash, no load parameters and no token; LOAD blocks carry `C4 <BER len> LFDB`
/// (the LFDB exactly as given: include or exclude the Descriptor before calling); INSTALL [for
/// install and make selectable] is P1 0C with `C9 len params` (C9 00 when none) and no token;
/// STORE DATA is case 3 with P1 08 (DGI) / 10 (BER), | 80 on the last block, P2 = block number.
/// Limits checked once the card's size is known (after round 1, before anything else is sent):
/// 256 LOAD / STORE DATA blocks ("load-file-too-large" / "data-too-large", 413) and the
/// INSTALL data field ("bad-request", 400).
///
/// Every response after EXTERNAL AUTHENTICATE is unwrapped (R-MAC verified, R-ENC decrypted when
/// the level has them). Success: statusCode 200 and `responses` = the unwrapped responses of
/// every command after EXTERNAL AUTHENTICATE, in order (including a tolerated INSTALL [for load]
/// error on the already-loaded path). Failure outcomes carry no responses; a card error gives
/// error.code "card-error", error.command (the GP command name: "SELECT", "INITIALIZE UPDATE",
/// "EXTERNAL AUTHENTICATE", "GET STATUS", "INSTALL [for load]", "LOAD", "INSTALL [for install]",
/// "INSTALL [for personalization]", "STORE DATA", "DELETE"), error.sw ("6A80") and a message
/// explaining the status word (LOAD and STORE DATA name the block).
#include "tsm/core/ccm/card_context.hpp"
#include "tsm/core/hex.hpp"
#include "tsm/core/operation.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tsm::core::ccm {

struct install_request {
    bytes elf_aid; ///< Executable Load File (package) AID, 5..16 bytes
    bytes lfdb;    ///< Load File Data Block (cap_file::load_file_data_block()); empty = already on the card
    bytes module_aid;                  ///< Executable Module (applet class) AID, 5..16 bytes
    bytes instance_aid;                ///< application AID to create, 5..16 bytes
    bytes params;                      ///< application-specific install parameters (sent as C9 len params)
    bytes privileges = bytes(1, '\0'); ///< 1 or 3 bytes (GPCS Tables 11-7..11-9)
    /// SHA-256 of the load file's LFDB (install by `"searchBy":"lfdbh"`): the app's CAP file with
    /// this id is loaded and gives elf_aid when the operation is built. Empty = by elf_aid.
    /// While it is set and elf_aid empty, validate() does not ask for elf_aid.
    bytes lfdb_hash;

    friend bool operator==(const install_request&, const install_request&) = default;
};

struct delete_request {
    bytes aid;                 ///< application, or load file when deleting with related objects
    bool with_related = false; ///< DELETE P2 80

    friend bool operator==(const delete_request&, const delete_request&) = default;
};

enum class tag_type : std::uint8_t { dgi = 0, ber = 1 };

struct storedata_request {
    bytes instance_aid;
    tag_type type = tag_type::dgi;
    bytes data; ///< split over STORE DATA blocks; never leaves the TSM in clear (C-DEC)

    friend bool operator==(const storedata_request&, const storedata_request&) = default;
};

/// Request checks the SP API can run before accepting an operation (the operations run them
/// again at start and fail with statusCode 400 "bad-request"): nullopt when valid, else a
/// message naming the field. Size limits that depend on the card (LOAD/STORE DATA block counts,
/// the INSTALL data field) are checked when the script is built.
std::optional<std::string> validate(const install_request& r);
std::optional<std::string> validate(const delete_request& r);
std::optional<std::string> validate(const storedata_request& r);

/// The operations. `ctx` carries the keys for this run only; the operation wipes them with itself.
std::unique_ptr<operation> make_install(card_context ctx, install_request req);
std::unique_ptr<operation> make_delete(card_context ctx, delete_request req);
std::unique_ptr<operation> make_storedata(card_context ctx, storedata_request req);

/// Payload codecs for the operation record (never any key material). Format: one version byte
/// (01) then each field as a 4-byte big-endian length + bytes; booleans and enums as one-byte
/// fields. Decoding rejects (nullopt) a wrong version, truncation, trailing bytes, out-of-range
/// values and requests that do not pass validate().
bytes encode_install_request(const install_request& r);
std::optional<install_request> decode_install_request(std::string_view payload);
bytes encode_delete_request(const delete_request& r);
std::optional<delete_request> decode_delete_request(std::string_view payload);
bytes encode_storedata_request(const storedata_request& r);
std::optional<storedata_request> decode_storedata_request(std::string_view payload);

} // namespace tsm::core::ccm
