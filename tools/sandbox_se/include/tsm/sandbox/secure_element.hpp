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
/// Not thread-safe: like a real card it serves one reader, one APDU at a time.
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
inline constexpr std::uint8_t loaded = 0x01;         ///< executable load file
inline constexpr std::uint8_t installed = 0x03;      ///< application
inline constexpr std::uint8_t selectable = 0x07;     ///< application
inline constexpr std::uint8_t personalized = 0x0F;   ///< application, after the last STORE DATA
inline constexpr std::uint8_t locked_bit = 0x80;     ///< application locked (b8)
inline constexpr std::uint8_t op_ready = 0x01;       ///< ISD
inline constexpr std::uint8_t initialized = 0x07;    ///< ISD
inline constexpr std::uint8_t secured = 0x0F;        ///< ISD (the default)
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

struct secure_element_config {
    bytes isd_aid = bytes("\xA0\x00\x00\x01\x51\x00\x00\x00", 8);
    bytes iin = bytes("\x8A\x2C\x10", 3);                          ///< GET DATA 0042
    bytes cin = bytes("\x0E\x48\x80\x04\x71\x40\x0A", 7);          ///< GET DATA 0045
    /// 42-byte CPLC for GET DATA 9F7F; empty = a fixed fake one derived from the CIN.
    bytes cplc;
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
    /// Source of card challenges in random mode; empty = OpenSSL RAND_bytes.
    std::function<bytes(std::size_t)> random;

    /// The GP test keys 40..4F in an AES-128 SCP03 set (kvn 30, i 70) and an SCP02 set
    /// (kvn 20, i 55); SCP03 answers INITIALIZE UPDATE with P1=00.
    static secure_element_config with_test_keys();
};

struct load_file_info {
    bytes aid;
    std::vector<bytes> modules;      ///< executable module AIDs from the Applet component
    std::uint8_t life_cycle = life_cycle::loaded;
    bytes security_domain;           ///< associated SD (the ISD)
    bytes load_file_data_block;      ///< the LFDB as loaded (without C4 and DAP blocks)
};

struct application_info {
    bytes aid;                       ///< instance AID
    bytes load_file;                 ///< ELF AID
    bytes module;                    ///< executable module AID
    bytes privileges;                ///< 3 bytes (a 1-byte privilege is extended with 00 00)
    std::uint8_t life_cycle = life_cycle::installed;
    bytes install_parameters;        ///< the value of C9 (application-specific parameters)
    bytes security_domain;           ///< associated SD (the ISD)
};

/// One STORE DATA block as the application received it (after C-DECRYPTION).
struct store_data_block {
    std::uint8_t p1 = 0;
    std::uint8_t block_number = 0;
    bytes data;
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
    /// True between a successful EXTERNAL AUTHENTICATE and the end of the session.
    bool secure_channel_open() const noexcept;
    /// Security level of the open channel (EXTERNAL AUTHENTICATE P1); 0 when closed.
    std::uint8_t security_level() const noexcept;
    /// AID of the selected application (the ISD after reset).
    bytes selected() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace tsm::sandbox
