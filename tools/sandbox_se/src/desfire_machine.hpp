#pragma once
// The DESFire EV1 emulation's state (PICC, applications, files, the authenticated session) and
// the native command handlers. desfire_card.cpp does the ISO 7816-4 wrapping, the AF frames
// and the secure messaging of answers; the handlers in desfire_picc.cpp, desfire_keys.cpp and
// desfire_files.cpp see one complete native command (INS || data, all frames joined) and
// return a reply. All cryptography is tsm::core::desfire (globalplatform.md section 5).
#include "tsm/core/desfire/authentication.hpp"
#include "tsm/core/desfire/secure_messaging.hpp"
#include "tsm/sandbox/secure_element.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace tsm::sandbox::detail {

namespace df = tsm::core::desfire;

// Native status codes (globalplatform.md 5.1; lff freefare.h).
namespace df_status {
inline constexpr std::uint8_t ok = 0x00;
inline constexpr std::uint8_t out_of_eeprom = 0x0E;
inline constexpr std::uint8_t illegal_command = 0x1C;
inline constexpr std::uint8_t integrity_error = 0x1E;
inline constexpr std::uint8_t no_such_key = 0x40;
inline constexpr std::uint8_t length_error = 0x7E;
inline constexpr std::uint8_t permission_denied = 0x9D;
inline constexpr std::uint8_t parameter_error = 0x9E;
inline constexpr std::uint8_t application_not_found = 0xA0;
inline constexpr std::uint8_t authentication_error = 0xAE;
inline constexpr std::uint8_t additional_frame = 0xAF;
inline constexpr std::uint8_t boundary_error = 0xBE;
inline constexpr std::uint8_t command_aborted = 0xCA;
inline constexpr std::uint8_t duplicate_error = 0xDE;
inline constexpr std::uint8_t file_not_found = 0xF0;
} // namespace df_status

// How a successful answer travels inside an authenticated session (none outside one).
enum class df_protect : std::uint8_t {
    mac,      // data || first 8 bytes of CMAC(data || 00): every EV1 answer, plain or MACed
    encipher, // E(data || CRC32(data || 00) || zero padding)
    none,     // authentication answers, SelectApplication, ChangeKey of the session's own key
};

struct df_reply {
    std::uint8_t status = df_status::ok;
    bytes data;
    df_protect protect = df_protect::mac;
    bool end_session = false;        // drop the session after protecting the answer
    std::vector<std::size_t> frames; // sizes of the leading answer frames (GetVersion: 7, 7)
    std::size_t frame_size = 0;      // then frames of at most this much; 0 = max_frame
};

inline df_reply df_error(std::uint8_t status) {
    df_reply r;
    r.status = status;
    return r;
}

struct df_session {
    df::session sm;
    std::uint8_t key_no = 0;
};

struct df_pending_auth {
    df::card_authentication auth;
    std::uint8_t key_no = 0;
};

struct desfire_machine {
    desfire_config cfg;
    std::function<bytes(std::size_t)> random; // empty = OpenSSL RAND_bytes
    df::desfire_key picc_key;
    std::uint8_t picc_settings = 0x0F;
    std::vector<desfire_application_info> apps;
    std::uint32_t selected = 0; // 0 = PICC level
    std::optional<df_session> auth;
    std::optional<df_pending_auth> pending_auth;

    desfire_machine(desfire_config c, std::function<bytes(std::size_t)> rnd);

    desfire_application_info* find(std::uint32_t aid);
    const desfire_application_info* find(std::uint32_t aid) const;
    // The selected application; nullptr at PICC level.
    desfire_application_info* app() { return selected == 0 ? nullptr : find(selected); }
    // Key `no` of the selected level; nullptr when there is no such key.
    df::desfire_key* key(std::uint8_t no);
    bool authenticated_with(std::uint8_t key_no) const { return auth.has_value() && auth->key_no == key_no; }
    std::size_t free_memory() const;
    bytes random_bytes(std::size_t n) const;
    desfire_state snapshot() const;
};

// Little-endian helpers (DESFire integers and AIDs are LSB first).
std::uint32_t read_le(std::string_view s, std::size_t offset, std::size_t n);
void append_le(bytes& out, std::uint32_t v, std::size_t n);
// The key version: AES keeps it apart, DES-family keys in the LSBs of the first 8 bytes.
std::uint8_t key_version(const df::desfire_key& key);

// ---- desfire_picc.cpp: PICC and application management ----
df_reply select_application(desfire_machine& m, std::string_view cmd);  // 5A
df_reply get_application_ids(desfire_machine& m, std::string_view cmd); // 6A
df_reply create_application(desfire_machine& m, std::string_view cmd);  // CA
df_reply delete_application(desfire_machine& m, std::string_view cmd);  // DA
df_reply get_version(desfire_machine& m, std::string_view cmd);         // 60
df_reply format_picc(desfire_machine& m, std::string_view cmd);         // FC
df_reply get_card_uid(desfire_machine& m, std::string_view cmd);        // 51
df_reply free_memory(desfire_machine& m, std::string_view cmd);         // 6E

// ---- desfire_keys.cpp: authentication and keys ----
df_reply authenticate(desfire_machine& m, std::string_view cmd);            // 1A, AA
df_reply finish_authentication(desfire_machine& m, std::string_view token); // AF after them
df_reply get_key_settings(desfire_machine& m, std::string_view cmd);        // 45
df_reply change_key_settings(desfire_machine& m, std::string_view cmd);     // 54 (enciphered)
df_reply get_key_version(desfire_machine& m, std::string_view cmd);         // 64
df_reply change_key(desfire_machine& m, std::string_view cmd);              // C4 (enciphered)

// ---- desfire_files.cpp: standard data files ----
df_reply create_std_data_file(desfire_machine& m, std::string_view cmd); // CD
df_reply get_file_ids(desfire_machine& m, std::string_view cmd);         // 6F
df_reply get_file_settings(desfire_machine& m, std::string_view cmd);    // F5
df_reply delete_file(desfire_machine& m, std::string_view cmd);          // DF
df_reply read_data(desfire_machine& m, std::string_view cmd);            // BD
// WriteData may span frames: the first frame tells the whole command's length (header, data
// and MAC or ciphertext per the file's communication mode). A status other than ok refuses it.
struct df_expected {
    std::uint8_t status = df_status::ok;
    std::size_t length = 0;
};
df_expected write_data_length(desfire_machine& m, std::string_view first_frame);
df_reply write_data(desfire_machine& m, std::string_view cmd); // 3D (self-secured)

} // namespace tsm::sandbox::detail
