// DESFire keys: ISO (1A) / AES (AA) authentication, GetKeySettings, ChangeKeySettings,
// GetKeyVersion and ChangeKey (globalplatform.md 5.2, 5.3, 5.5). The card side of the
// authentication and of the enciphered cryptograms is tsm::core::desfire.
//
// Key settings (KS1) of an application: b0 master key changeable, b1 free listing, b2 free
// file create/delete, b3 settings changeable, b7-4 the key that changes the other keys
// (0-D that key, E the key itself, F frozen). At PICC level only key 0 exists.
#include "desfire_machine.hpp"

#include "tsm/core/gp/crypto.hpp"
#include "tsm/core/gp/errc.hpp"

namespace tsm::sandbox::detail {
namespace {

constexpr std::uint8_t master_changeable = 0x01;
constexpr std::uint8_t free_listing = 0x02;
constexpr std::uint8_t settings_changeable = 0x08;

std::uint8_t& level_settings(desfire_machine& m) {
    desfire_application_info* a = m.app();
    return a != nullptr ? a->key_settings : m.picc_settings;
}

// A cryptogram of the wrong size is a length error; a CRC or padding mismatch an integrity one.
std::uint8_t crypto_status(const std::error_code& ec) {
    return ec == tsm::core::gp::errc::bad_length ? df_status::length_error : df_status::integrity_error;
}

// A 2K3DES key with equal halves is a DES key to the card (the halves are compared with their
// version bits, so versioned 2K3DES keys stay 2K3DES: lff mifare_desfire_key_set_version).
df::desfire_key normalized(df::key_type t, const tsm::core::gp::secret_key& value, std::uint8_t version) {
    df::desfire_key k;
    k.type = t;
    k.version = version;
    const auto v = value.view();
    if (t == df::key_type::tdes2 && tsm::core::gp::equal_ct(v.substr(0, 8), v.substr(8, 8))) {
        k.type = df::key_type::des;
        k.value = *tsm::core::gp::secret_key::from_bytes(v.substr(0, 8));
    } else {
        k.value = value;
    }
    return k;
}

} // namespace

df_reply authenticate(desfire_machine& m, std::string_view cmd) {
    m.auth.reset(); // a new authentication ends the session, whatever comes of it
    m.pending_auth.reset();
    if (cmd.size() != 2) {
        return df_error(df_status::length_error);
    }
    const std::uint8_t key_no = static_cast<std::uint8_t>(cmd[1]);
    const df::desfire_key* key = m.key(key_no);
    if (key == nullptr) {
        return df_error(df_status::no_such_key);
    }
    const bool aes_command = static_cast<std::uint8_t>(cmd[0]) == 0xAA;
    if (aes_command != (key->type == df::key_type::aes)) {
        return df_error(df_status::authentication_error); // AA needs an AES key, 1A a DES one
    }
    df::card_authentication auth(*key, m.random_bytes(df::challenge_length(key->type)));
    auto challenge = auth.challenge();
    if (!challenge) {
        return df_error(df_status::authentication_error);
    }
    m.pending_auth = df_pending_auth{std::move(auth), key_no};
    df_reply r;
    r.status = df_status::additional_frame;
    r.data = std::move(*challenge);
    r.protect = df_protect::none;
    return r;
}

df_reply finish_authentication(desfire_machine& m, std::string_view token) {
    df_pending_auth p = std::move(*m.pending_auth);
    m.pending_auth.reset();
    auto proof = p.auth.verify(token);
    if (!proof) {
        return df_error(proof.error() == tsm::core::gp::errc::bad_length ? df_status::length_error
                                                                         : df_status::authentication_error);
    }
    m.auth = df_session{*p.auth.established(), p.key_no};
    df_reply r;
    r.data = std::move(*proof);
    r.protect = df_protect::none;
    return r;
}

df_reply get_key_settings(desfire_machine& m, std::string_view cmd) {
    if (cmd.size() != 1) {
        return df_error(df_status::length_error);
    }
    const std::uint8_t ks = level_settings(m);
    if ((ks & free_listing) == 0 && !m.authenticated_with(0)) {
        return df_error(df_status::authentication_error);
    }
    df_reply r;
    r.data.push_back(static_cast<char>(ks));
    if (const desfire_application_info* a = m.app()) {
        r.data.push_back(static_cast<char>((a->key_settings2 & 0xC0) | a->keys.size()));
    } else {
        r.data.push_back(static_cast<char>(df::crypto_bits(m.picc_key.type) | 0x01));
    }
    return r;
}

df_reply change_key_settings(desfire_machine& m, std::string_view cmd) {
    if (cmd.size() < 2) {
        return df_error(df_status::length_error);
    }
    if (!m.authenticated_with(0)) {
        return df_error(df_status::authentication_error);
    }
    std::uint8_t& ks = level_settings(m);
    if ((ks & settings_changeable) == 0) {
        return df_error(df_status::permission_denied);
    }
    auto plain = m.auth->sm.decipher_command(cmd.substr(0, 1), cmd.substr(1), 1);
    if (!plain) {
        return df_error(crypto_status(plain.error()));
    }
    ks = static_cast<std::uint8_t>((*plain)[0]);
    return {};
}

df_reply get_key_version(desfire_machine& m, std::string_view cmd) {
    if (cmd.size() != 2) {
        return df_error(df_status::length_error);
    }
    const df::desfire_key* key = m.key(static_cast<std::uint8_t>(cmd[1]));
    if (key == nullptr) {
        return df_error(df_status::no_such_key);
    }
    df_reply r;
    r.data.push_back(static_cast<char>(key_version(*key)));
    return r;
}

df_reply change_key(desfire_machine& m, std::string_view cmd) {
    if (cmd.size() < 2) {
        return df_error(df_status::length_error);
    }
    if (!m.auth) {
        return df_error(df_status::authentication_error);
    }
    const std::uint8_t key_no_byte = static_cast<std::uint8_t>(cmd[1]);
    std::uint8_t key_no = key_no_byte;
    df::key_type new_type = df::key_type::aes;
    df::desfire_key* target = nullptr;
    if (desfire_application_info* a = m.app()) {
        if ((key_no_byte & 0xC0) != 0) {
            return df_error(df_status::parameter_error); // key type flags are for PICC level
        }
        if (key_no >= a->keys.size()) {
            return df_error(df_status::no_such_key);
        }
        const std::uint8_t crypto = a->key_settings2 & 0xC0;
        new_type = crypto == 0x80   ? df::key_type::aes
                   : crypto == 0x40 ? df::key_type::tdes3
                                    : df::key_type::tdes2;
        if (key_no == 0) {
            if ((a->key_settings & master_changeable) == 0) {
                return df_error(df_status::permission_denied);
            }
            if (!m.authenticated_with(0)) {
                return df_error(df_status::authentication_error);
            }
        } else {
            const std::uint8_t change_key = a->key_settings >> 4;
            if (change_key == 0x0F) {
                return df_error(df_status::permission_denied);
            }
            if (!m.authenticated_with(change_key == 0x0E ? key_no : change_key)) {
                return df_error(df_status::authentication_error);
            }
        }
        target = &a->keys[key_no];
    } else {
        // PICC master key: 0x80 makes it AES, 0x40 3K3DES, neither DES/2K3DES.
        key_no = key_no_byte & 0x3F;
        const std::uint8_t flags = key_no_byte & 0xC0;
        if (key_no != 0) {
            return df_error(df_status::no_such_key);
        }
        if (flags == 0xC0) {
            return df_error(df_status::parameter_error);
        }
        new_type = flags == 0x80   ? df::key_type::aes
                   : flags == 0x40 ? df::key_type::tdes3
                                   : df::key_type::tdes2;
        if ((m.picc_settings & master_changeable) == 0) {
            return df_error(df_status::permission_denied);
        }
        if (!m.authenticated_with(0)) {
            return df_error(df_status::authentication_error);
        }
        target = &m.picc_key;
    }
    const bool own_key = m.authenticated_with(key_no);
    std::uint8_t version = 0;
    auto value = m.auth->sm.open_change_key(key_no_byte, cmd.substr(2), new_type,
                                            own_key ? nullptr : &target->value, &version);
    if (!value) {
        return df_error(crypto_status(value.error()));
    }
    *target = normalized(new_type, *value, version);
    df_reply r;
    if (own_key) {
        r.protect = df_protect::none; // no CMAC: the session ends with its key
        r.end_session = true;
    }
    // Otherwise the CMAC over the status starts from the cryptogram's last block.
    return r;
}

} // namespace tsm::sandbox::detail
