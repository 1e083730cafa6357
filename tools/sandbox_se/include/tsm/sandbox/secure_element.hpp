#pragma once
/// The sandbox secure element: a software GlobalPlatform card that SP developers and the
/// end-to-end tests use instead of hardware (issue 3, section 5).
///
/// One Issuer Security Domain with SCP03 and/or SCP02 key sets. It verifies the host cryptogram
/// and every C-MAC, decrypts C-DECRYPTION data, adds R-MAC/R-ENC when the security level asks,
/// and keeps a GlobalPlatform registry (executable load files, applications, the ISD) with life
/// cycles. All the secure-channel cryptography is the host-side code of tsm::core::gp run from
/// the card's side; nothing is re-implemented here.
///
/// Commands (GPCS 2.3.1 ch. 11 / Amendment D), with the status words a real card gives:
///   SELECT (00 A4 04 00 [AID]): the ISD (also with no AID) answers its FCI; a SELECTABLE
///     application answers 9000; anything else 6A82. Any SELECT closes the secure channel.
///   GET DATA (00/80 CA): 9F7F CPLC, 0042 IIN, 0045 CIN, 0066 card recognition data,
///     00E0 key information template; 6A88 for other tags. Needs no secure channel.
///   GET UID (FF CA 00 00 00, the PC/SC reader pseudo-APDU): the card's UID, whatever is
///     selected. The Fidesmo identification applets (fidesmo_platform_config) answer SELECT
///     with the CIN (tag 45) and batch id (tag 42), as a Fidesmo device does.
///   INITIALIZE UPDATE (80 50 kvn 00 08 hc): P1=00 picks the default key set; unknown kvn 6A88.
///   EXTERNAL AUTHENTICATE (84 82 level 00 10): 6985 without a preceding INITIALIZE UPDATE,
///     6300 for a wrong host cryptogram, 6982 for a wrong C-MAC, 6A86 for a level the key set
///     does not support; every failure leaves the channel closed.
///   INSTALL / LOAD / DELETE / GET STATUS / STORE DATA need an authenticated channel: 6982
///     without one. With level >= 01 each must carry a valid C-MAC; a wrong C-MAC (or a command
///     sent without secure messaging) answers 6982 and closes the channel, as real cards do.
///   Malformed APDUs: fewer than 4 bytes or inconsistent Lc/Le 6700; an unknown CLA 6E00
///     (also an ISO command with a GP class and vice versa); logical channels 1-3 6881;
///     unknown INS 6D00; bad P1/P2 6A86; bad data field 6A80.
/// See the per-command notes in secure_element.cpp and the test file for the exact behaviour.
///
/// MIFARE DESFire EV1 (desfire_config, enabled by default): after SELECT of the DESFire AID
/// (00 A4 04 00 07 D2760000850100) the card speaks ISO-wrapped native DESFire
/// (`90 INS 00 00 [Lc data] [00]` -> `<data> 91 <status>`) until another SELECT by AID. PICC
/// and applications, ISO/AES authentication with EV1 secure messaging, key settings, ChangeKey
/// and standard data files; the crypto is tsm::core::desfire (card side). The PICC master key
/// is the DES key 00 x 8 unless configured, as real cards ship. README.md lists the commands
/// and status codes.
///
/// Not thread-safe: like a real card it serves one reader, one APDU at a time.
#include "tsm/core/desfire/key_type.hpp"
#include "tsm/core/gp/static_keys.hpp"
#include "tsm/core/hex.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace tsm::sandbox {

using bytes = tsm::core::bytes;

/// GlobalPlatform life-cycle states (GPCS 11.1.1).
namespace life_cycle {
inline constexpr std::uint8_t loaded = 0x01;       ///< executable load file
inline constexpr std::uint8_t installed = 0x03;    ///< application
inline constexpr std::uint8_t selectable = 0x07;   ///< application
inline constexpr std::uint8_t personalized = 0x0F; ///< application, after the last STORE DATA
inline constexpr std::uint8_t locked_bit = 0x80;   ///< application locked (b8)
inline constexpr std::uint8_t op_ready = 0x01;     ///< ISD
inline constexpr std::uint8_t initialized = 0x07;  ///< ISD
inline constexpr std::uint8_t secured = 0x0F;      ///< ISD (the default)
} // namespace life_cycle

/// The GP test keys 40 41 .. 4F.
bytes gp_test_key();

/// An SCP03 key set (AES-128/192/256; the three keys must have the same length).
struct scp03_key_set {
    std::uint8_t kvn = 0x30;
    /// "i" (AmdD Table 5-1): 0x10 pseudo-random card challenge (with a sequence counter in the
    /// INITIALIZE UPDATE answer), 0x20 R-MAC, 0x60 R-MAC and R-ENC. S16 (0x01) is refused.
    std::uint8_t i = 0x70;
    tsm::core::gp::static_keys keys;
    /// Pseudo-random mode: the counter is incremented before each INITIALIZE UPDATE and the
    /// value used is returned, so the first session reports 000001.
    std::uint32_t sequence_counter = 0;
};

/// An SCP02 key set (2-key 3DES, 16-byte keys). i = 0x15 or 0x55 (explicit initiation,
/// ICV encryption, three keys; 0x40 = pseudo-random card challenge).
struct scp02_key_set {
    std::uint8_t kvn = 0x20;
    std::uint8_t i = 0x55;
    tsm::core::gp::static_keys keys;
    /// Incremented after each successful EXTERNAL AUTHENTICATE (GPCS E.4.2.1).
    std::uint16_t sequence_counter = 0;
};

/// The DES key 00 x 8 (key version 0): the PICC master key real DESFire cards ship with.
tsm::core::desfire::desfire_key default_desfire_picc_key();

/// The MIFARE DESFire EV1 emulation behind the DESFire AID.
struct desfire_config {
    bool enabled = true;
    /// ISO DF name that selects the emulation (the one real DESFire cards answer to).
    bytes aid = bytes("\xD2\x76\x00\x00\x85\x01\x00", 7);
    /// PICC master key (key 0 at PICC level). DES (8 bytes), 2K3DES (16), 3K3DES (24) or AES
    /// (16); a 2K3DES key with equal halves is a DES key, as on real cards.
    tsm::core::desfire::desfire_key picc_master_key = default_desfire_picc_key();
    /// PICC master key settings (KS1): b0 key changeable, b1 free GetApplicationIDs and
    /// GetKeySettings, b2 CreateApplication without authentication, b3 settings changeable.
    std::uint8_t picc_key_settings = 0x0F;
    /// 7-byte UID (GetVersion frame 3, GetCardUID).
    bytes uid = bytes("\x04\x5A\x3D\x72\x21\x2C\x80", 7);
    /// GetVersion frame 3 after the UID: batch number (5 bytes), production week and year (BCD).
    bytes batch_number = bytes("\xBA\x45\x19\xE3\x20", 5);
    std::uint8_t production_week = 0x12;
    std::uint8_t production_year = 0x26;
    /// EEPROM size: GetVersion's storage size byte and FreeMemory (each file takes its size
    /// rounded up to 32 bytes; more than what is free gives 0E).
    std::size_t memory = 8192;
    /// Applications the PICC holds; CreateApplication beyond this gives 0E.
    std::size_t max_applications = 28;
    /// Largest native data field in one wrapped frame (Lc; more gives 7E) and the most data one
    /// answer frame carries before AF continuation (59 as on real cards).
    std::size_t max_frame = 59;
};

/// The applets by which a touch point recognises a Fidesmo device (the Fidesmo client
/// protocol, section 2): SELECT of the platform applet answers an FCI
/// `6F { 84 aid, A5 { 45 CIN, 42 batch id } }`, the v2 batch applet `6F { 84 aid, A5 { 42 batch
/// id } }`, the v2 capabilities applet 9000. Like the ISD, a selected applet answers nothing but
/// SELECT (and GET UID).
struct fidesmo_platform_config {
    bool enabled = true;
    /// The batch id (tag 42, big-endian, shortest form).
    std::uint32_t batch_id = 1;
    bytes platform_aid = bytes("\xA0\x00\x00\x06\x17\x02\x00\x09\x00\x01\x01\x01", 12);
    bytes batch_aid = bytes("\xA0\x00\x00\x06\x17\x02\x00\x02\x00\x00\x02", 11);
    bytes capabilities_aid = bytes("\xA0\x00\x00\x06\x17\x02\x00\x02\x00\x00\x01", 11);
};

struct secure_element_config {
    bytes isd_aid = bytes("\xA0\x00\x00\x01\x51\x00\x00\x00", 8);
    bytes iin = bytes("\x8A\x2C\x10", 3);                 ///< GET DATA 0042
    bytes cin = bytes("\x0E\x48\x80\x04\x71\x40\x0A", 7); ///< GET DATA 0045
    /// 42-byte CPLC for GET DATA 9F7F; empty = a fixed fake one derived from the CIN.
    bytes cplc;
    /// The UID the reader reports (FF CA 00 00): empty = the DESFire UID (desfire.uid), also
    /// when the DESFire emulation is off.
    bytes uid;
    /// The Fidesmo identification applets (platform v3 and v2).
    fidesmo_platform_config fidesmo;
    /// Key diversification data (10 bytes) in the INITIALIZE UPDATE answer; empty = 00 00 and
    /// the last 8 bytes of the CIN (left-padded with 00).
    bytes kdd;
    std::vector<scp03_key_set> scp03;
    std::vector<scp02_key_set> scp02;
    /// Key set INITIALIZE UPDATE with P1=00 uses; nullopt = the first SCP03 set, else the first
    /// SCP02 set.
    std::optional<std::uint8_t> default_kvn;
    /// Maximum command data field (Lc, MAC included) the card accepts and announces in its FCI
    /// (9F65); longer commands get 6700.
    std::size_t max_command_data = 255;
    /// Accept ISO 7816-4 extended-length APDUs (otherwise 6700).
    bool extended_apdus = false;
    /// Largest load file (C4 TLV with any DAP blocks) accepted; more gives 6A84.
    std::size_t max_load_file = 64 * 1024;
    /// Source of card challenges in random mode and of DESFire RndB; empty = OpenSSL RAND_bytes.
    std::function<bytes(std::size_t)> random;
    /// The DESFire EV1 emulation.
    desfire_config desfire;

    /// The GP test keys 40..4F in an AES-128 SCP03 set (kvn 30, i 70) and an SCP02 set
    /// (kvn 20, i 55); SCP03 answers INITIALIZE UPDATE with P1=00.
    static secure_element_config with_test_keys();
};

struct load_file_info {
    bytes aid;
    std::vector<bytes> modules; ///< executable module AIDs from the Applet component
    std::uint8_t life_cycle = life_cycle::loaded;
    bytes security_domain;      ///< associated SD (the ISD)
    bytes load_file_data_block; ///< the LFDB as loaded (without C4 and DAP blocks)
};

struct application_info {
    bytes aid;        ///< instance AID
    bytes load_file;  ///< ELF AID
    bytes module;     ///< executable module AID
    bytes privileges; ///< 3 bytes (a 1-byte privilege is extended with 00 00)
    std::uint8_t life_cycle = life_cycle::installed;
    bytes install_parameters; ///< the value of C9 (application-specific parameters)
    bytes security_domain;    ///< associated SD (the ISD)
};

/// One STORE DATA block as the application received it (after C-DECRYPTION).
struct store_data_block {
    std::uint8_t p1 = 0;
    std::uint8_t block_number = 0;
    bytes data;
};

/// A DESFire standard data file.
struct desfire_file_info {
    std::uint8_t file_no = 0;
    std::optional<std::uint16_t> iso_file_id;
    std::uint8_t communication = 0;  ///< 00 plain, 01 MACed, 03 enciphered (02 = plain)
    std::uint16_t access_rights = 0; ///< read(15-12) write(11-8) read&write(7-4) change(3-0)
    bytes data;                      ///< the contents; its size is the file size
};

/// A DESFire application with its keys and files.
struct desfire_application_info {
    std::uint32_t aid = 0;                             ///< 24 bits (on the wire LSB first)
    std::uint8_t key_settings = 0x0F;                  ///< KS1
    std::uint8_t key_settings2 = 0x00;                 ///< KS2 as created (crypto bits, ISO bit, key count)
    std::vector<tsm::core::desfire::desfire_key> keys; ///< key number = index
    std::optional<std::uint16_t> iso_file_id;
    bytes iso_df_name;
    std::vector<desfire_file_info> files; ///< in creation order
};

/// The DESFire emulation's state, for tests and tools.
struct desfire_state {
    tsm::core::desfire::desfire_key picc_master_key;
    std::uint8_t picc_key_settings = 0x0F;
    std::vector<desfire_application_info> applications; ///< in creation order
    std::uint32_t selected_application = 0;             ///< 0 = PICC level
    /// Key number of the authenticated session (at the selected level); nullopt = none.
    std::optional<std::uint8_t> authenticated_key;
};

class secure_element {
public:
    /// Default: secure_element_config::with_test_keys().
    secure_element();
    explicit secure_element(secure_element_config config);
    ~secure_element();
    secure_element(secure_element&&) noexcept;
    secure_element& operator=(secure_element&&) noexcept;
    secure_element(const secure_element&) = delete;
    secure_element& operator=(const secure_element&) = delete;

    /// One command APDU in (binary), the response data and SW1 SW2 out. Never throws on bad
    /// input (only std::bad_alloc can escape).
    bytes transceive(std::string_view apdu);

    /// Card reset / power cycle: closes the secure channel, drops a pending load or
    /// personalization, selects the ISD. The registry persists (it is non-volatile memory).
    void reset();

    // --- inspection for tests and tools (no APDU needed) ---
    const secure_element_config& config() const noexcept;
    std::vector<load_file_info> load_files() const;
    std::vector<application_info> applications() const;
    std::optional<load_file_info> find_load_file(std::string_view aid) const;
    std::optional<application_info> find_application(std::string_view aid) const;
    /// Concatenated plaintext of every STORE DATA block routed to `aid` (in arrival order);
    /// nullopt when the application received none. The ISD's own STORE DATA (sent without
    /// INSTALL [for personalization]) is kept under the ISD AID.
    std::optional<bytes> personalization_data(std::string_view aid) const;
    std::vector<store_data_block> personalization_blocks(std::string_view aid) const;
    /// The plain commands (secure messaging removed, CLA without the SM bit) that came through
    /// the secure channel to `aid`, oldest first, at most the last 1024: after INSTALL [for
    /// personalization] of an application every later command of the session but INSTALL,
    /// LOAD, DELETE and GET STATUS is routed to it (its stub applet answers 9000; STORE DATA
    /// personalizes it as before); the ISD AID lists what the ISD got itself (LOAD blocks left
    /// out). Empty when nothing arrived. For /secure-transceive tests.
    std::vector<bytes> received_commands(std::string_view aid) const;
    /// True between a successful EXTERNAL AUTHENTICATE and the end of the session.
    bool secure_channel_open() const noexcept;
    /// Security level of the open channel (EXTERNAL AUTHENTICATE P1); 0 when closed.
    std::uint8_t security_level() const noexcept;
    /// AID of the selected application (the ISD after reset; the DESFire AID while the
    /// DESFire emulation is selected).
    bytes selected() const;
    /// The DESFire emulation's state; nullopt when it is disabled.
    std::optional<desfire_state> desfire() const;
    /// One DESFire application (aid as the API writes it, 0xF1A2B3); nullopt when absent.
    std::optional<desfire_application_info> desfire_application(std::uint32_t aid) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace tsm::sandbox
