#pragma once
/// What a device registry record may be: the GlobalPlatform key-set policy (which SCP03/SCP02 key
/// lengths, security levels and diversification methods go together), the DESFire part (key types
/// and lengths, AN10922 diversification and its system identifier bounds) and, for cards, the
/// device description (platform version, OS name, batch id, CPLC, UID). A card may have keys, a
/// description, or both; a card without keys needs its IIN and platform version (what the Fidesmo
/// client API reports for it). card_keys_spec validates
/// a decoded admin request and builds the record with its keys sealed under card_keys_context /
/// desfire_key_context; nothing is stored here. Errors are bad_request naming the field.
/// Pure functions over values: usable on any thread.
#include "tsm/core/api_error.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/records.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tsm::core {

/// The DESFire part of a card key request: the PICC master key (cards) or the master key that is
/// diversified per card (IIN master sets). The key is wiped on destruction.
struct desfire_key_input {
    std::string key_type; ///< "AES" | "3K3DES" | "2K3DES" | "DES"
    bytes key;            ///< raw key bytes
    std::int64_t version = 0;
    std::string diversification;   ///< master sets: "" (none) | "none" | "an10922"
    std::string system_identifier; ///< master sets, hex; AN10922 only

    desfire_key_input() = default;
    desfire_key_input(const desfire_key_input&) = delete;
    desfire_key_input& operator=(const desfire_key_input&) = delete;
    ~desfire_key_input() { wipe(key); }
};

/// A card key request as decoded from the wire, not yet validated. Empty strings and keys are
/// "not given". Keys are raw bytes, wiped on destruction.
struct card_keys_input {
    std::string iin; ///< card records: the card's IIN (hex), optional
    // GlobalPlatform part: present when any of these is given.
    std::string isd; ///< ISD AID, hex
    std::string scp; ///< "03" | "02"
    std::optional<std::int64_t> kvn;
    bytes enc;
    bytes mac;
    bytes dek;
    std::string security_level;  ///< hex byte; "" is 03
    std::string diversification; ///< master sets: "" (none) | none | kdf3 | emv | visa2
    std::optional<desfire_key_input> desfire;
    // Device description (cards only).
    std::optional<std::int64_t> platform_version; ///< 1..2^31-1; required for a card without keys
    std::string os_type_version_name;             ///< printable ASCII, at most 64 characters
    std::optional<std::int64_t> batch_id;         ///< >= 0
    std::string cplc;                             ///< hex; "" = none
    std::string uid;                              ///< hex, 4, 7 or 10 bytes; "" = none

    card_keys_input() = default;
    card_keys_input(const card_keys_input&) = delete;
    card_keys_input& operator=(const card_keys_input&) = delete;
    ~card_keys_input() {
        wipe(enc);
        wipe(mac);
        wipe(dek);
    }

    /// True when any GlobalPlatform field is given (then all the required ones must be valid).
    bool has_gp_part() const noexcept;
    /// True when any device description field is given.
    bool has_device_part() const noexcept;
};

class card_keys_spec {
public:
    /// Bounds of the device description.
    static constexpr std::size_t max_cplc_bytes = 64; ///< CPLC data is 42 bytes; some cards add more
    static constexpr std::size_t max_os_name_chars = 64;
    static constexpr std::int64_t max_platform_version = 2147483647;

    /// The CPLC as stored and looked up: the data of GET DATA 9F7F, without the `9F7F2A` tag and
    /// length some readers keep in front of the 42 bytes.
    [[nodiscard]] static bytes normalize_cplc(bytes cplc);

    /// The record id as stored: `id` (a CIN, or an IIN for master sets) upper-cased, or
    /// bad_request when it is not hex of at most 32 bytes.
    [[nodiscard]] static api_result<std::string> normalize_id(bool master, std::string_view id);

    /// Checks `in` against the policy for record `id`, without sealing anything.
    [[nodiscard]] static api_status validate(bool master, std::string_view id, const card_keys_input& in);

    /// Validates `in` and builds the record for `id`, its GlobalPlatform keys (ENC || MAC || DEK)
    /// sealed under card_keys_context and its DESFire key under desfire_key_context.
    [[nodiscard]] static api_result<card_keys_record>
    build(bool master, std::string_view id, const card_keys_input& in, const key_vault& vault);
};

} // namespace tsm::core
