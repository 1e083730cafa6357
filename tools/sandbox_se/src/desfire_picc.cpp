// DESFire PICC-level commands: applications (select, list, create, delete), GetVersion,
// FormatPICC, GetCardUID, FreeMemory. Permissions follow the PICC master key settings
// (globalplatform.md 5.2): b1 free listing, b2 CreateApplication without authentication (and
// DeleteApplication with the application's own master key).
#include "desfire_machine.hpp"

#include <algorithm>

namespace tsm::sandbox::detail {
namespace {

constexpr std::uint8_t picc_free_listing = 0x02;
constexpr std::uint8_t picc_free_create = 0x04;

bytes aid_bytes(std::uint32_t aid) {
    bytes out;
    append_le(out, aid, 3);
    return out;
}

bool picc_master_authenticated(const desfire_machine& m) {
    return m.selected == 0 && m.authenticated_with(0);
}

df::desfire_key zero_key(df::key_type t) {
    df::desfire_key k;
    k.type = t;
    k.value = *tsm::core::gp::secret_key::from_bytes(bytes(df::key_length(t), '\0'));
    k.version = 0;
    return k;
}

// GetVersion's storage size byte: 2n for exactly 2^n bytes, 2n+1 for between 2^n and 2^(n+1).
std::uint8_t storage_size_byte(std::size_t memory) {
    std::uint8_t n = 0;
    while (n < 63 && (std::size_t{2} << n) <= memory) {
        ++n;
    }
    const bool exact = memory == (std::size_t{1} << n);
    return static_cast<std::uint8_t>(2 * n + (exact ? 0 : 1));
}

} // namespace

df_reply select_application(desfire_machine& m, std::string_view cmd) {
    if (cmd.size() != 4) {
        return df_error(df_status::length_error);
    }
    const std::uint32_t aid = read_le(cmd, 1, 3);
    if (aid != 0 && m.find(aid) == nullptr) {
        return df_error(df_status::application_not_found);
    }
    m.selected = aid;
    df_reply r;
    r.protect = df_protect::none; // the session ends with the selection (lff sends no CMAC)
    r.end_session = true;
    return r;
}

df_reply get_application_ids(desfire_machine& m, std::string_view cmd) {
    if (cmd.size() != 1) {
        return df_error(df_status::length_error);
    }
    if ((m.picc_settings & picc_free_listing) == 0 && !picc_master_authenticated(m)) {
        return df_error(df_status::authentication_error);
    }
    df_reply r;
    for (const auto& a : m.apps) {
        r.data += aid_bytes(a.aid);
    }
    // Whole AIDs per frame (19 in a 59-byte frame); the CMAC follows the last one.
    r.frame_size = m.cfg.max_frame - m.cfg.max_frame % 3;
    return r;
}

df_reply create_application(desfire_machine& m, std::string_view cmd) {
    if (m.selected != 0) {
        return df_error(df_status::permission_denied);
    }
    if (cmd.size() < 6) {
        return df_error(df_status::length_error);
    }
    const std::uint8_t ks2 = static_cast<std::uint8_t>(cmd[5]);
    const bool iso = (ks2 & 0x20) != 0;
    if ((!iso && cmd.size() != 6) || (iso && (cmd.size() < 8 || cmd.size() > 8 + 16))) {
        return df_error(df_status::length_error);
    }
    if ((m.picc_settings & picc_free_create) == 0 && !picc_master_authenticated(m)) {
        return df_error(df_status::authentication_error);
    }
    const std::uint32_t aid = read_le(cmd, 1, 3);
    const std::uint8_t key_count = ks2 & 0x0F;
    const std::uint8_t crypto = ks2 & 0xC0;
    // KS2 b4 announces EV2's KS3 and is not offered; crypto 11 does not exist.
    if (aid == 0 || key_count < 1 || key_count > 14 || crypto == 0xC0 || (ks2 & 0x10) != 0) {
        return df_error(df_status::parameter_error);
    }
    desfire_application_info app;
    app.aid = aid;
    app.key_settings = static_cast<std::uint8_t>(cmd[4]);
    app.key_settings2 = ks2;
    if (iso) {
        app.iso_file_id = static_cast<std::uint16_t>(read_le(cmd, 6, 2));
        app.iso_df_name.assign(cmd.substr(8));
    }
    for (const auto& other : m.apps) {
        if (other.aid == aid || (iso && other.iso_file_id == app.iso_file_id)
            || (!app.iso_df_name.empty() && other.iso_df_name == app.iso_df_name)) {
            return df_error(df_status::duplicate_error);
        }
    }
    if (m.apps.size() >= m.cfg.max_applications) {
        return df_error(df_status::out_of_eeprom);
    }
    const df::key_type t = crypto == 0x80   ? df::key_type::aes
                           : crypto == 0x40 ? df::key_type::tdes3
                                            : df::key_type::des;
    app.keys.assign(key_count, zero_key(t));
    m.apps.push_back(std::move(app));
    return {};
}

df_reply delete_application(desfire_machine& m, std::string_view cmd) {
    if (cmd.size() != 4) {
        return df_error(df_status::length_error);
    }
    const std::uint32_t aid = read_le(cmd, 1, 3);
    if (aid == 0) {
        return df_error(df_status::parameter_error);
    }
    if (m.find(aid) == nullptr) {
        return df_error(df_status::application_not_found);
    }
    // The PICC master key, or (PICC settings b2) the application's own master key.
    const bool own_master =
        (m.picc_settings & picc_free_create) != 0 && m.selected == aid && m.authenticated_with(0);
    if (!picc_master_authenticated(m) && !own_master) {
        return df_error(df_status::authentication_error);
    }
    std::erase_if(m.apps, [aid](const desfire_application_info& a) { return a.aid == aid; });
    df_reply r;
    if (m.selected == aid) {
        m.selected = 0; // the PICC level is selected; the application key's session ends
        r.end_session = true;
    }
    return r;
}

df_reply get_version(desfire_machine& m, std::string_view cmd) {
    if (cmd.size() != 1) {
        return df_error(df_status::length_error);
    }
    const char size = static_cast<char>(storage_size_byte(m.cfg.memory));
    df_reply r;
    // Vendor NXP, type DESFire, subtype, version 1.0 hardware / 1.4 software, ISO 14443-2/-3.
    r.data = bytes{'\x04', '\x01', '\x01', '\x01', '\x00', size, '\x05'};
    r.data += bytes{'\x04', '\x01', '\x01', '\x01', '\x04', size, '\x05'};
    bytes uid = m.cfg.uid;
    uid.resize(7, '\0');
    bytes batch = m.cfg.batch_number;
    batch.resize(5, '\0');
    r.data += uid + batch;
    r.data.push_back(static_cast<char>(m.cfg.production_week));
    r.data.push_back(static_cast<char>(m.cfg.production_year));
    r.frames = {7, 7};
    return r;
}

df_reply format_picc(desfire_machine& m, std::string_view cmd) {
    if (cmd.size() != 1) {
        return df_error(df_status::length_error);
    }
    if (!picc_master_authenticated(m)) {
        return df_error(df_status::authentication_error);
    }
    m.apps.clear();
    return {};
}

df_reply get_card_uid(desfire_machine& m, std::string_view cmd) {
    if (cmd.size() != 1) {
        return df_error(df_status::length_error);
    }
    if (!m.auth) {
        return df_error(df_status::authentication_error);
    }
    df_reply r;
    r.data = m.cfg.uid;
    r.data.resize(7, '\0');
    r.protect = df_protect::encipher;
    return r;
}

df_reply free_memory(desfire_machine& m, std::string_view cmd) {
    if (cmd.size() != 1) {
        return df_error(df_status::length_error);
    }
    df_reply r;
    append_le(r.data, static_cast<std::uint32_t>(std::min<std::size_t>(m.free_memory(), 0xFFFFFF)), 3);
    return r;
}

} // namespace tsm::sandbox::detail
