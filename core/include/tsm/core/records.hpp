#pragma once
/// The persisted records: what tsmd keeps in its record store and recovers after a restart.
/// Plain values with no behaviour; `storage` encodes them, `core` gives them meaning.
#include "tsm/core/hex.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tsm::core {

/// A Service Provider application registered through the admin API or the config file.
struct app_record {
    std::string app_id;                         ///< 8 hex digits by convention, any [0-9A-Za-z_-] accepted
    bytes key_hash;                             ///< keyed BLAKE2b-256 of the app key; never the key itself
    std::string description_url;                ///< service description base: GET {url}/{serviceId}
    std::string delivery_url;                   ///< service delivery request target
    std::string delivery_method = "PUT";        ///< "PUT" or "POST"
    std::vector<std::string> callback_prefixes; ///< callbackUrl must start with one of these
};

enum class session_state : std::uint8_t {
    delivering = 0, ///< created; waiting for the SP to accept the delivery request
    active = 1,     ///< SP accepted; operations may be posted
    completed = 2,  ///< SP called /service/completed (success or not)
    failed = 3,     ///< delivery refused, touch point aborted, or expired
};

inline bool is_terminal(session_state s) noexcept {
    return s == session_state::completed || s == session_state::failed;
}

/// What a session that runs a recipe keeps of it: the recipe may be deleted or replaced while
/// the delivery runs, so the session holds its own copy of everything it still needs (the
/// actions themselves are its queued operations).
struct recipe_run {
    std::string success_message_json;          ///< multilang JSON value, shown on success
    std::string failure_message_json;          ///< multilang JSON value, shown on failure
    std::string service_result_uri;            ///< empty = none; the success summary is POSTed there
    std::vector<std::string> action_endpoints; ///< "/ccm/install", ... in order (for the summary)
};

/// One service delivery session: one card, one service, one SP app.
struct session_record {
    std::string session_id;
    std::string app_id;
    std::string service_id;
    bytes resume_token_hash; ///< keyed hash of the resume token handed to the touch point
    session_state state = session_state::delivering;
    std::uint64_t last_batch = 0; ///< highest APDU batch number handed out and persisted as answered
    std::uint64_t next_operation_seq = 0;
    std::int64_t created_ms = 0;
    std::int64_t last_progress_ms = 0; ///< expiry clock: bumped by every touch-point answer and SP call
    std::string card_iin;              ///< hex
    std::string card_cin;              ///< hex
    std::int64_t platform_version = 0;
    std::string description_json;  ///< the SP's service description; kept only while delivering
    std::string fields_json;       ///< user fields (JSON object or empty); kept only while delivering
    std::string email;             ///< the user's e-mail (empty = none); kept only while delivering
    std::string msisdn;            ///< the user's phone number (empty = none); kept only while delivering
    std::string final_status_json; ///< the touch point's final `status` frame once terminal
    /// The user's answers to the description's fieldsRequired, sealed: key_vault::seal(fields JSON
    /// object, session_fields_context(session_id)). Replaces fields_json from session format v3
    /// (fields_json is only read from older records); kept only while delivering.
    bytes sealed_fields;
    /// The touch point's `ephemeralKey` (hex, RSA-OAEP-wrapped AES key of encrypted fields);
    /// passed on to the SP in the delivery request; kept only while delivering.
    std::string ephemeral_key;
    /// Set when the session runs a stored recipe instead of an SP server (recipe_run).
    std::optional<recipe_run> recipe;
    /// Cluster mode: the owner epoch this node holds the session at (its write fences). Kept by a
    /// shared store in its own column, not in the record's encoding; 1 on the embedded store.
    std::uint64_t owner_epoch = 1;
};

enum class operation_state : std::uint8_t {
    queued = 0,  ///< accepted and durable; waiting for earlier operations of its session
    running = 1, ///< at the head of its session's queue; batches flow to the touch point
    done = 2,    ///< result persisted; callback in the outbox
};

/// One SP-requested unit of work in a session (e.g. a transceive of N APDUs).
struct operation_record {
    std::string operation_id;
    std::string session_id;
    std::string app_id;
    std::string kind; ///< "transceive" (later: "ccm/install", ...)
    std::string callback_url;
    std::uint64_t seq = 0; ///< position in its session's queue; operations run in seq order
    operation_state state = operation_state::queued;
    bytes payload;           ///< kind-specific request, encoded by the operation factory
    std::string result_json; ///< the callback body, once done
    std::int64_t accepted_ms = 0;
    /// result_json holds user input (user-interaction): it is stored sealed,
    /// key_vault::seal(result, operation_result_context(operation_id)), and opened to be read.
    bool result_sealed = false;
};

/// A pending SP callback. Written in the same batch as the state change that produced it and
/// deleted once the SP acknowledged it (or it aged out).
struct outbox_entry {
    std::string id; ///< the operation id: one callback per operation
    std::string url;
    std::string body; ///< JSON, or sealed JSON when `sealed`
    std::int64_t created_ms = 0;
    /// The body holds user input: key_vault::seal(JSON, outbox_body_context(id)); the relay opens
    /// it just before the call and wipes the clear copy after it.
    bool sealed = false;
};

/// One device of the device registry (by CIN) with its optional GlobalPlatform and DESFire keys,
/// or an IIN master key set (diversified per card). The keys themselves are sealed (key_vault) and
/// never leave this record in clear. A device may have no keys at all (transceive-only services).
struct card_keys_record {
    bool master = false;                ///< true: IIN master key set; false: one card
    std::string id;                     ///< CIN (cards) or IIN (master sets), upper-case hex
    std::string iin;                    ///< upper-case hex; for master sets equal to id
    bytes isd_aid;                      ///< the Issuer Security Domain to select
    std::uint8_t scp = 3;               ///< 3 = SCP03, 2 = SCP02
    std::uint8_t kvn = 0;               ///< key version number
    std::uint8_t key_length = 16;       ///< bytes per key (16/24/32 for SCP03, 16 for SCP02)
    std::uint8_t security_level = 0x03; ///< EXTERNAL AUTHENTICATE P1: 01, 03, 11, 13, 33
    std::string diversification;        ///< master sets: "none" | "kdf3" | "emv" | "visa2"
    bytes sealed_keys;                  ///< key_vault::seal(ENC || MAC || DEK, associated data = record id);
                                        ///< empty when the record has only a DESFire part
    /// Optional DESFire part: the PICC master key (cards) or the DESFire master key that is
    /// diversified per card with AN10922 (IIN master sets). Absent when desfire_key_type is empty.
    std::string desfire_key_type; ///< "" | "AES" | "3K3DES" | "2K3DES" | "DES"
    std::uint8_t desfire_key_version = 0;
    std::string desfire_diversification; ///< master sets: "none" | "an10922"
    bytes desfire_system_identifier;     ///< AN10922 system identifier (master sets)
    bytes desfire_sealed_key;            ///< key_vault::seal(key, associated data = record id + "/desfire")
    // Device description (cards only), as the Fidesmo client API reports it.
    std::int64_t platform_version = 0;    ///< 0 = not recorded
    std::string os_type_version_name;     ///< e.g. "JCOP3SECIDCS"; may be empty
    std::optional<std::int64_t> batch_id; ///< the platform applet's batch id, when recorded
    bytes cplc;                           ///< Card Production Life Cycle data; may be empty
    bytes uid;                            ///< the reader-visible UID (4 or 7 bytes); may be empty

    bool has_gp_keys() const noexcept { return !sealed_keys.empty(); }
    bool has_desfire_key() const noexcept { return !desfire_key_type.empty(); }
};

/// An executable load file (CAP) uploaded by an app, stored as its Load File Data Block.
struct capfile_record {
    std::string app_id;
    std::string id;                 ///< SHA-256 of the Load File Data Block, lower-case hex
    bytes elf_aid;                  ///< package AID
    std::vector<bytes> module_aids; ///< applet AIDs (executable modules)
    bytes load_file_data_block;
    std::string java_card_version; ///< optional metadata from the upload headers
    std::string gp_version;
    std::string os_type_version;
    std::int64_t created_ms = 0;
};

/// A service the backend runs by itself (PUT /v3/apps/{appId}/services/{serviceId}/recipe): the
/// description touch points get, the operations it queues in order, and how it ends. Actions are
/// already mapped to operation kinds and payloads at PUT (validated once); payloads that carry
/// secrets (storedata, secure-transceive) are sealed under recipe_payload_context(app, service)
/// and re-sealed under the session's context when a delivery starts.
struct recipe_action {
    std::string endpoint; ///< as the SP wrote it, e.g. "/ccm/install" (for summaries and errors)
    std::string kind;     ///< operation_kinds.hpp
    bytes payload;        ///< the operation's payload (sealed when the kind's payloads are)
    bool sealed = false;  ///< payload is key_vault-sealed under recipe_payload_context
};

struct recipe_record {
    std::string app_id;
    std::string service_id;
    std::string description_json;     ///< the service description (one JSON object)
    std::string success_message_json; ///< multilang JSON value
    std::string failure_message_json; ///< multilang JSON value
    std::string service_result_uri;   ///< empty = none
    std::vector<recipe_action> actions;
    std::int64_t updated_ms = 0;
};

} // namespace tsm::core
