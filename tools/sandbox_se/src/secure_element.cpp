// The sandbox secure element: APDU dispatch, the GlobalPlatform registry and the card content
// management commands. The secure channel itself is in card_channel.cpp.
#include "tsm/sandbox/secure_element.hpp"

#include "card_channel.hpp"
#include "desfire_card.hpp"

#include "tsm/core/cap/load_blocks.hpp"
#include "tsm/core/gp/command_apdu.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <map>

namespace tsm::sandbox {
namespace {

using tsm::core::gp::command_apdu;
using namespace std::literals;

// Status words (GPCS 11.1.3, ISO 7816-4 5.1.3; globalplatform.md 1.9).
namespace sw {
inline constexpr std::uint16_t ok = 0x9000;
inline constexpr std::uint16_t more_data = 0x6310;
inline constexpr std::uint16_t wrong_length = 0x6700;
inline constexpr std::uint16_t channel_not_supported = 0x6881;
inline constexpr std::uint16_t security_status = 0x6982;
inline constexpr std::uint16_t conditions_of_use = 0x6985;
inline constexpr std::uint16_t wrong_data = 0x6A80;
inline constexpr std::uint16_t not_found = 0x6A82;
inline constexpr std::uint16_t not_enough_memory = 0x6A84;
inline constexpr std::uint16_t wrong_p1p2 = 0x6A86;
inline constexpr std::uint16_t data_not_found = 0x6A88;
inline constexpr std::uint16_t ins_not_supported = 0x6D00;
inline constexpr std::uint16_t cla_not_supported = 0x6E00;
} // namespace sw

struct response {
    bytes data;
    std::uint16_t sw = sw::ok;
};

response status(std::uint16_t s) {
    return {{}, s};
}

bytes sw_bytes(std::uint16_t s) {
    return {static_cast<char>(s >> 8), static_cast<char>(s & 0xFF)};
}

std::uint8_t u8(std::string_view s, std::size_t i) {
    return static_cast<std::uint8_t>(s[i]);
}

bytes tlv(std::string_view tag, std::string_view value) {
    bytes out(tag);
    out += tsm::core::cap::ber_length(value.size());
    out += value;
    return out;
}

// Reads a BER length (1, 81 xx, 82 xxxx) from the front of `in`.
bool read_ber_length(std::string_view& in, std::size_t& len) {
    if (in.empty()) {
        return false;
    }
    const std::uint8_t b = u8(in, 0);
    if (b < 0x80) {
        len = b;
        in.remove_prefix(1);
        return true;
    }
    if (b == 0x81 && in.size() >= 2) {
        len = u8(in, 1);
        in.remove_prefix(2);
        return true;
    }
    if (b == 0x82 && in.size() >= 3) {
        len = static_cast<std::size_t>(u8(in, 1)) << 8 | u8(in, 2);
        in.remove_prefix(3);
        return true;
    }
    if (b == 0x83 && in.size() >= 4) {
        len = static_cast<std::size_t>(u8(in, 1)) << 16 | static_cast<std::size_t>(u8(in, 2)) << 8
            | u8(in, 3);
        in.remove_prefix(4);
        return true;
    }
    return false;
}

// Length-value with a one-byte length (INSTALL AIDs, privileges).
bool read_lv(std::string_view& in, std::string_view& out) {
    if (in.empty() || in.size() < 1u + u8(in, 0)) {
        return false;
    }
    out = in.substr(1, u8(in, 0));
    in.remove_prefix(1u + u8(in, 0));
    return true;
}

// Length-value with a BER length (INSTALL parameters and tokens).
bool read_ber_lv(std::string_view& in, std::string_view& out) {
    std::size_t len = 0;
    if (!read_ber_length(in, len) || in.size() < len) {
        return false;
    }
    out = in.substr(0, len);
    in.remove_prefix(len);
    return true;
}

struct tlv_item {
    bytes tag;
    std::string_view value;
};

// Splits a run of BER-TLVs; false when malformed.
bool parse_tlvs(std::string_view in, std::vector<tlv_item>& out) {
    while (!in.empty()) {
        tlv_item item;
        std::size_t t = 1;
        if ((u8(in, 0) & 0x1F) == 0x1F) {
            while (t < in.size() && (u8(in, t) & 0x80)) {
                ++t;
            }
            ++t;
        }
        if (t > 3 || in.size() < t) {
            return false;
        }
        item.tag.assign(in.substr(0, t));
        in.remove_prefix(t);
        if (!read_ber_lv(in, item.value)) {
            return false;
        }
        out.push_back(std::move(item));
    }
    return true;
}

const tlv_item* find_tag(const std::vector<tlv_item>& items, std::string_view tag) {
    for (const auto& item : items) {
        if (item.tag == tag) {
            return &item;
        }
    }
    return nullptr;
}

bool valid_aid(std::string_view aid) {
    return aid.size() >= 5 && aid.size() <= 16;
}

bytes digest(const char* name, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    const EVP_MD* md = EVP_get_digestbyname(name);
    if (md == nullptr || EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
        return {};
    }
    return bytes(reinterpret_cast<const char*>(out), len);
}

// A fake but well-formed 42-byte CPLC (GPCS Table H-3) whose IC serial comes from the CIN.
bytes default_cplc(std::string_view cin) {
    bytes c("\x47\x90\x50\x40\x47\x91\x81\x02\x31\x00\x82\x60"sv);
    bytes serial(4, '\0');
    for (std::size_t k = 0; k < cin.size(); ++k) {
        serial[k % 4] = static_cast<char>(serial[k % 4] ^ cin[k]);
    }
    c += serial;
    c += "\x00\x01\x47\x90\x82\x61\x00\x00\x82\x62\x00\x00\x82\x63\x00\x00\x00\x00\x00\x00\x82\x64\x00\x00\x00\x00"sv;
    return c;
}

struct load_check {
    std::uint16_t sw = sw::ok;
    bytes lfdb;
    std::vector<bytes> modules;
};

// Checks a reassembled load file: [E2 DAP blocks] C4 <BER len> LFDB, the length exact, the LFDB a
// sequence of CAP components starting with a Header (DECAFFED) naming `elf_aid`; collects the
// executable module AIDs from the Applet component; checks the hash of INSTALL [for load].
load_check check_load_file(std::string_view file, std::string_view elf_aid, std::string_view hash) {
    load_check r;
    r.sw = sw::wrong_data;
    std::string_view in = file;
    while (!in.empty() && u8(in, 0) == 0xE2) {
        in.remove_prefix(1);
        std::string_view dap;
        if (!read_ber_lv(in, dap)) {
            return r;
        }
    }
    if (in.empty() || u8(in, 0) != 0xC4) {
        return r; // D4 (ciphered LFDB) is not supported either
    }
    in.remove_prefix(1);
    std::size_t len = 0;
    if (!read_ber_length(in, len) || len != in.size() || len == 0) {
        return r;
    }
    const std::string_view lfdb = in;
    bool first = true;
    bool have_applet = false;
    while (!in.empty()) {
        if (in.size() < 3) {
            return r;
        }
        const std::uint8_t tag = u8(in, 0);
        const std::size_t size = static_cast<std::size_t>(u8(in, 1)) << 8 | u8(in, 2);
        if (tag < 1 || tag > 12 || in.size() < 3 + size) {
            return r;
        }
        const std::string_view payload = in.substr(3, size);
        in.remove_prefix(3 + size);
        if (first) {
            // Header: magic(4) minor major flags pkg-minor pkg-major AID-length AID.
            if (tag != 0x01 || payload.size() < 10 || payload.substr(0, 4) != "\xDE\xCA\xFF\xED"sv) {
                return r;
            }
            const std::size_t aid_len = u8(payload, 9);
            if (payload.size() < 10 + aid_len || payload.substr(10, aid_len) != elf_aid) {
                return r;
            }
            first = false;
            continue;
        }
        if (tag == 0x01) {
            return r; // a second Header
        }
        if (tag == 0x03) {
            if (have_applet || payload.empty()) {
                return r;
            }
            have_applet = true;
            std::string_view p = payload.substr(1);
            for (std::size_t k = 0; k < u8(payload, 0); ++k) {
                std::string_view aid;
                if (!read_lv(p, aid) || !valid_aid(aid) || p.size() < 2) {
                    return r;
                }
                p.remove_prefix(2); // install method offset
                r.modules.emplace_back(aid);
            }
            if (!p.empty()) {
                return r;
            }
        }
    }
    if (hash.size() == 20 && digest("SHA1", lfdb) != hash) {
        return r;
    }
    if (hash.size() == 32 && digest("SHA256", lfdb) != hash) {
        return r;
    }
    r.lfdb.assign(lfdb);
    r.sw = sw::ok;
    return r;
}

bool selectable(std::uint8_t lc) {
    return (lc & 0x80) == 0 && (lc & life_cycle::selectable) == life_cycle::selectable;
}

} // namespace

bytes gp_test_key() {
    return bytes("\x40\x41\x42\x43\x44\x45\x46\x47\x48\x49\x4A\x4B\x4C\x4D\x4E\x4F"sv);
}

secure_element_config secure_element_config::with_test_keys() {
    secure_element_config c;
    auto key = *tsm::core::gp::secret_key::from_bytes(gp_test_key());
    scp03_key_set s3;
    s3.keys = {key, key, key};
    c.scp03.push_back(s3);
    scp02_key_set s2;
    s2.keys = {key, key, key};
    c.scp02.push_back(s2);
    return c;
}

struct secure_element::impl {
    secure_element_config cfg;
    bytes kdd;
    std::uint8_t isd_life_cycle = life_cycle::secured;
    std::optional<detail::desfire_card> desfire; // DESFire EV1 emulation (desfire_card.cpp)
    std::vector<load_file_info> elfs;
    std::vector<application_info> apps;
    std::map<bytes, std::vector<store_data_block>> perso;

    detail::card_channel channel;
    scp02_key_set* channel_scp02 = nullptr; // key set of a pending SCP02 session
    bytes selected;

    struct pending_load {
        bytes elf_aid;
        bytes hash;
        bytes buffer;
        unsigned next_block = 0;
    };
    std::optional<pending_load> load;

    std::optional<bytes> perso_target; // application receiving STORE DATA
    unsigned next_store_block = 0;

    std::vector<bytes> status_entries; // GET STATUS continuation
    std::size_t status_next = 0;
    std::uint8_t status_p1 = 0;
    bool status_pending = false;

    explicit impl(secure_element_config c) : cfg(std::move(c)) {
        kdd = cfg.kdd;
        if (kdd.size() != 10) {
            bytes tail = cfg.cin.size() > 8 ? cfg.cin.substr(cfg.cin.size() - 8) : cfg.cin;
            kdd = bytes(10 - tail.size(), '\0') + tail;
        }
        if (cfg.cplc.empty()) {
            cfg.cplc = default_cplc(cfg.cin);
        }
        selected = cfg.isd_aid;
        if (cfg.desfire.enabled) {
            desfire.emplace(cfg.desfire, cfg.random);
        }
    }

    bool isd_selected() const { return selected == cfg.isd_aid; }
    bool desfire_selected() const { return desfire && selected == desfire->aid(); }

    void reset_sd_state() {
        channel.close();
        channel_scp02 = nullptr;
        load.reset();
        perso_target.reset();
        next_store_block = 0;
        status_pending = false;
        status_entries.clear();
    }

    load_file_info* find_elf(std::string_view aid) {
        for (auto& e : elfs) {
            if (e.aid == aid) {
                return &e;
            }
        }
        return nullptr;
    }
    application_info* find_app(std::string_view aid) {
        for (auto& a : apps) {
            if (a.aid == aid) {
                return &a;
            }
        }
        return nullptr;
    }
    bool aid_in_use(std::string_view aid) {
        return aid == cfg.isd_aid || find_elf(aid) != nullptr || find_app(aid) != nullptr
            || (desfire && aid == desfire->aid());
    }

    // --- dispatch ---

    bytes transceive(std::string_view raw) {
        if (raw.size() < 4) {
            return sw_bytes(sw::wrong_length);
        }
        const std::uint8_t cla = u8(raw, 0);
        const std::uint8_t ins = u8(raw, 1);
        if (cla == 0x90 && desfire_selected()) {
            return desfire->transceive(raw); // ISO-wrapped native DESFire
        }
        // ISO interindustry 00-07 or GP proprietary 80-87: b3 secure messaging, b2-b1 channel.
        if ((cla & 0x78) != 0) {
            return sw_bytes(sw::cla_not_supported);
        }
        if ((cla & 0x03) != 0) {
            return sw_bytes(sw::channel_not_supported);
        }
        const bool gp_class = (cla & 0x80) != 0;
        const bool sm = (cla & 0x04) != 0;
        auto parsed = tsm::core::gp::parse_command_apdu(raw);
        if (!isd_selected() && ins != 0xA4) {
            // The selected sandbox application implements no commands of its own.
            return sw_bytes(parsed ? sw::ins_not_supported : sw::wrong_length);
        }
        bool iso_ok = false;
        bool gp_ok = false;
        bool needs_channel = false;
        switch (ins) {
        case 0xA4: iso_ok = true; break;                 // SELECT
        case 0xCA: iso_ok = gp_ok = true; break;         // GET DATA
        case 0x50: gp_ok = !sm; break;                   // INITIALIZE UPDATE
        case 0x82: gp_ok = sm; break;                    // EXTERNAL AUTHENTICATE
        case 0xE6:                                       // INSTALL
        case 0xE8:                                       // LOAD
        case 0xE4:                                       // DELETE
        case 0xF2:                                       // GET STATUS
        case 0xE2:                                       // STORE DATA
            gp_ok = needs_channel = true;
            break;
        default: return sw_bytes(sw::ins_not_supported);
        }
        if ((gp_class && !gp_ok) || (!gp_class && !iso_ok) || (ins == 0xA4 && sm)) {
            return sw_bytes(sw::cla_not_supported);
        }
        if (!parsed) {
            return sw_bytes(sw::wrong_length);
        }
        command_apdu a = std::move(*parsed);
        if ((a.extended && !cfg.extended_apdus) || a.data.size() > cfg.max_command_data) {
            return sw_bytes(sw::wrong_length);
        }
        // After INITIALIZE UPDATE only EXTERNAL AUTHENTICATE may follow (GPCS 10.x): anything
        // else abandons the pending session.
        if (channel.state() == detail::channel_state::initialized && ins != 0x82) {
            channel.close();
            channel_scp02 = nullptr;
        }
        if (ins == 0x82) {
            const std::uint16_t s = channel.external_authenticate(a, channel_scp02);
            channel_scp02 = nullptr;
            return sw_bytes(s);
        }
        if (sm) {
            if (channel.state() != detail::channel_state::open) {
                return sw_bytes(sw::security_status);
            }
            auto plain = channel.unwrap(a);
            if (!plain) {
                abandon_session();
                return sw_bytes(sw::security_status);
            }
            response r = dispatch(*plain);
            return channel.wrap_response(r.data, r.sw);
        }
        if (needs_channel) {
            if (channel.state() != detail::channel_state::open) {
                return sw_bytes(sw::security_status);
            }
            if (channel.level() != 0) {
                abandon_session(); // secure messaging missing although the level requires it
                return sw_bytes(sw::security_status);
            }
        }
        response r = dispatch(a);
        bytes out = (r.sw == sw::ok || (r.sw >> 8) == 0x62 || (r.sw >> 8) == 0x63) ? r.data : bytes();
        out += sw_bytes(r.sw);
        return out;
    }

    void abandon_session() {
        channel.close();
        load.reset();
        perso_target.reset();
        next_store_block = 0;
        status_pending = false;
    }

    response dispatch(const command_apdu& a) {
        switch (a.ins) {
        case 0xA4: return select(a);
        case 0xCA: return get_data(a);
        case 0x50: return initialize_update(a);
        case 0xE6: return install(a);
        case 0xE8: return load_block(a);
        case 0xE4: return delete_object(a);
        case 0xF2: return get_status(a);
        case 0xE2: return store_data(a);
        default: return status(sw::ins_not_supported);
        }
    }

    // --- SELECT, GET DATA ---

    bytes recognition_data() const {
        bytes r = tlv("\x06", "\x2A\x86\x48\x86\xFC\x6B\x01"sv);
        r += tlv("\x60", tlv("\x06", "\x2A\x86\x48\x86\xFC\x6B\x02\x02\x03\x01"sv));
        r += tlv("\x63", tlv("\x06", "\x2A\x86\x48\x86\xFC\x6B\x03"sv));
        if (!cfg.scp03.empty()) {
            r += tlv("\x64", tlv("\x06", bytes("\x2A\x86\x48\x86\xFC\x6B\x04\x03"sv)
                                             + static_cast<char>(cfg.scp03.front().i)));
        }
        if (!cfg.scp02.empty()) {
            r += tlv("\x64", tlv("\x06", bytes("\x2A\x86\x48\x86\xFC\x6B\x04\x02"sv)
                                             + static_cast<char>(cfg.scp02.front().i)));
        }
        return tlv("\x73", r);
    }

    bytes fci() const {
        bytes max;
        if (cfg.max_command_data > 0xFF) {
            max.push_back(static_cast<char>((cfg.max_command_data >> 8) & 0xFF));
        }
        max.push_back(static_cast<char>(cfg.max_command_data & 0xFF));
        bytes proprietary = recognition_data() + tlv("\x9F\x65", max);
        return tlv("\x6F", tlv("\x84", cfg.isd_aid) + tlv("\xA5", proprietary));
    }

    response select(const command_apdu& a) {
        if (a.p1 != 0x04) {
            return status(sw::wrong_p1p2); // only selection by DF name (AID)
        }
        if (a.p2 != 0x00 && a.p2 != 0x0C) {
            return status(sw::wrong_p1p2);
        }
        // Selecting anything (the ISD again included) ends the session with the ISD.
        reset_sd_state();
        if (desfire) {
            desfire->deselect(); // and any DESFire session
            if (a.data == desfire->aid()) {
                selected = a.data;
                desfire->select(); // PICC level, as real cards answer this DF name
                return status(sw::ok);
            }
        }
        if (a.data.empty() || a.data == cfg.isd_aid) {
            selected = cfg.isd_aid;
            return {a.p2 == 0x0C ? bytes() : fci(), sw::ok};
        }
        const application_info* app = find_app(a.data);
        if (app == nullptr || !selectable(app->life_cycle)) {
            return status(sw::not_found);
        }
        selected = app->aid;
        return status(sw::ok);
    }

    bytes key_information() const {
        bytes t;
        for (const auto& s : cfg.scp03) {
            for (char id = 1; id <= 3; ++id) {
                t += tlv("\xC0", bytes{id, static_cast<char>(s.kvn), '\x88',
                                       static_cast<char>(s.keys.enc.size())});
            }
        }
        for (const auto& s : cfg.scp02) {
            for (char id = 1; id <= 3; ++id) {
                t += tlv("\xC0", bytes{id, static_cast<char>(s.kvn), '\x80', '\x10'});
            }
        }
        return tlv("\xE0", t);
    }

    response get_data(const command_apdu& a) {
        const std::uint16_t tag = static_cast<std::uint16_t>(a.p1 << 8 | a.p2);
        switch (tag) {
        case 0x9F7F: return {tlv("\x9F\x7F", cfg.cplc), sw::ok};
        case 0x0042: return {tlv("\x42", cfg.iin), sw::ok};
        case 0x0045: return {tlv("\x45", cfg.cin), sw::ok};
        case 0x0066: return {tlv("\x66", recognition_data()), sw::ok};
        case 0x00E0: return {key_information(), sw::ok};
        default: return status(sw::data_not_found);
        }
    }

    // --- secure channel ---

    response initialize_update(const command_apdu& a) {
        reset_sd_state();
        if (a.p2 != 0x00) {
            return status(sw::wrong_p1p2);
        }
        if (a.data.size() != 8) {
            return status(sw::wrong_length); // S16 (16-byte challenges) is not offered
        }
        std::uint8_t kvn = a.p1;
        if (kvn == 0) {
            if (cfg.default_kvn) {
                kvn = *cfg.default_kvn;
            } else if (!cfg.scp03.empty()) {
                kvn = cfg.scp03.front().kvn;
            } else if (!cfg.scp02.empty()) {
                kvn = cfg.scp02.front().kvn;
            }
        }
        for (auto& s : cfg.scp03) {
            if (s.kvn == kvn) {
                auto r = channel.initialize_update_scp03(s, kdd, cfg.isd_aid, a.data, cfg.random);
                return {std::move(r.data), r.sw};
            }
        }
        for (auto& s : cfg.scp02) {
            if (s.kvn == kvn) {
                auto r = channel.initialize_update_scp02(s, kdd, cfg.isd_aid, a.data, cfg.random);
                if (r.sw == sw::ok) {
                    channel_scp02 = &s;
                }
                return {std::move(r.data), r.sw};
            }
        }
        return status(sw::data_not_found);
    }

    // --- INSTALL ---

    response install(const command_apdu& a) {
        if (a.p2 != 0x00) {
            return status(sw::wrong_p1p2); // combined load + install (P2 01/03) not offered
        }
        switch (a.p1 & 0x7F) { // b8 = "more INSTALL commands follow"
        case 0x02: return install_for_load(a);
        case 0x04:
        case 0x08:
        case 0x0C: return install_for_install(a, a.p1 & 0x7F);
        case 0x20: return install_for_personalization(a);
        default: return status(sw::wrong_p1p2);
        }
    }

    response install_for_load(const command_apdu& a) {
        std::string_view in = a.data;
        std::string_view elf, sd, hash, params, token;
        if (!read_lv(in, elf) || !read_lv(in, sd) || !read_lv(in, hash) || !read_ber_lv(in, params)
            || !read_ber_lv(in, token) || !in.empty() || !valid_aid(elf)
            || (hash.size() != 0 && hash.size() != 20 && hash.size() != 32)) {
            return status(sw::wrong_data);
        }
        if (!sd.empty() && sd != cfg.isd_aid) {
            return status(sw::data_not_found); // unknown security domain
        }
        if (aid_in_use(elf)) {
            return status(sw::conditions_of_use);
        }
        load = pending_load{bytes(elf), bytes(hash), {}, 0};
        perso_target.reset();
        return {bytes(1, '\0'), sw::ok};
    }

    response load_block(const command_apdu& a) {
        if (a.p1 != 0x00 && a.p1 != 0x80) {
            return status(sw::wrong_p1p2);
        }
        if (!load) {
            return status(sw::conditions_of_use); // no INSTALL [for load]
        }
        if (a.p2 != load->next_block) {
            load.reset(); // out of sequence: the load is abandoned
            return status(sw::wrong_p1p2);
        }
        if (load->buffer.size() + a.data.size() > cfg.max_load_file) {
            load.reset();
            return status(sw::not_enough_memory);
        }
        load->buffer += a.data;
        ++load->next_block;
        if (a.p1 == 0x00) {
            return {bytes(1, '\0'), sw::ok};
        }
        pending_load done = std::move(*load);
        load.reset();
        load_check c = check_load_file(done.buffer, done.elf_aid, done.hash);
        if (c.sw != sw::ok) {
            return status(c.sw);
        }
        load_file_info elf;
        elf.aid = std::move(done.elf_aid);
        elf.modules = std::move(c.modules);
        elf.life_cycle = life_cycle::loaded;
        elf.security_domain = cfg.isd_aid;
        elf.load_file_data_block = std::move(c.lfdb);
        elfs.push_back(std::move(elf));
        return {bytes(1, '\0'), sw::ok};
    }

    response install_for_install(const command_apdu& a, std::uint8_t p1) {
        std::string_view in = a.data;
        std::string_view elf, module, instance, privileges, params, token;
        if (!read_lv(in, elf) || !read_lv(in, module) || !read_lv(in, instance)
            || !read_lv(in, privileges) || !read_ber_lv(in, params) || !read_ber_lv(in, token)
            || !in.empty() || !valid_aid(instance)
            || (privileges.size() != 1 && privileges.size() != 3)) {
            return status(sw::wrong_data);
        }
        bytes privs(privileges);
        privs.resize(3, '\0');
        if (p1 == 0x08) { // make selectable only
            application_info* app = find_app(instance);
            if (app == nullptr) {
                return status(sw::data_not_found);
            }
            if (app->life_cycle != life_cycle::installed) {
                return status(sw::conditions_of_use);
            }
            app->life_cycle = life_cycle::selectable;
            app->privileges = privs;
            return {bytes(1, '\0'), sw::ok};
        }
        std::vector<tlv_item> items;
        if (!valid_aid(elf) || !valid_aid(module) || !parse_tlvs(params, items)
            || find_tag(items, "\xC9") == nullptr) {
            return status(sw::wrong_data); // install parameters must hold C9
        }
        const load_file_info* lf = find_elf(elf);
        if (lf == nullptr) {
            return status(sw::data_not_found);
        }
        if (std::find(lf->modules.begin(), lf->modules.end(), module) == lf->modules.end()) {
            return status(sw::data_not_found);
        }
        if (aid_in_use(instance)) {
            return status(sw::conditions_of_use); // AID already in the registry
        }
        application_info app;
        app.aid.assign(instance);
        app.load_file.assign(elf);
        app.module.assign(module);
        app.privileges = std::move(privs);
        app.life_cycle = (p1 & 0x08) ? life_cycle::selectable : life_cycle::installed;
        app.install_parameters.assign(find_tag(items, "\xC9")->value);
        app.security_domain = cfg.isd_aid;
        apps.push_back(std::move(app));
        return {bytes(1, '\0'), sw::ok};
    }

    response install_for_personalization(const command_apdu& a) {
        std::string_view in = a.data;
        std::string_view elf, module, aid, rest1, rest2, rest3;
        if (!read_lv(in, elf) || !read_lv(in, module) || !read_lv(in, aid) || !valid_aid(aid)) {
            return status(sw::wrong_data);
        }
        // Trailing 00 00 00 (privileges, parameters, token), all empty; tolerate their absence.
        if (!in.empty() && (!read_lv(in, rest1) || !read_ber_lv(in, rest2) || !read_ber_lv(in, rest3)
                            || !in.empty())) {
            return status(sw::wrong_data);
        }
        const application_info* app = find_app(aid);
        if (app == nullptr) {
            return status(sw::data_not_found);
        }
        if (!selectable(app->life_cycle)) {
            return status(sw::conditions_of_use);
        }
        perso_target = app->aid;
        next_store_block = 0;
        return {bytes(1, '\0'), sw::ok};
    }

    // --- STORE DATA ---

    response store_data(const command_apdu& a) {
        if (a.p2 != next_store_block) {
            next_store_block = 0;
            perso_target.reset();
            return status(sw::wrong_p1p2);
        }
        const bytes target = perso_target ? *perso_target : cfg.isd_aid;
        perso[target].push_back(store_data_block{a.p1, a.p2, a.data});
        ++next_store_block;
        if (a.p1 & 0x80) { // last block
            if (application_info* app = find_app(target);
                app != nullptr && app->life_cycle == life_cycle::selectable) {
                app->life_cycle = life_cycle::personalized;
            }
            perso_target.reset();
            next_store_block = 0;
        }
        return status(sw::ok);
    }

    // --- DELETE ---

    response delete_object(const command_apdu& a) {
        if ((a.p1 != 0x00 && a.p1 != 0x80) || (a.p2 != 0x00 && a.p2 != 0x80)) {
            return status(sw::wrong_p1p2);
        }
        std::vector<tlv_item> items;
        if (!parse_tlvs(a.data, items)) {
            return status(sw::wrong_data);
        }
        const tlv_item* aid_tag = find_tag(items, "\x4F");
        if (aid_tag == nullptr) {
            return status(sw::wrong_data); // key deletion (D0/D2) is not offered
        }
        const bytes aid(aid_tag->value);
        if (!valid_aid(aid)) {
            return status(sw::wrong_data);
        }
        if (aid == cfg.isd_aid) {
            return status(sw::conditions_of_use);
        }
        const bool related = a.p2 == 0x80;
        if (find_elf(aid) != nullptr) {
            const bool has_instances = std::any_of(
                apps.begin(), apps.end(), [&](const application_info& x) { return x.load_file == aid; });
            if (has_instances && !related) {
                return status(sw::conditions_of_use);
            }
            std::erase_if(apps, [&](const application_info& x) {
                if (x.load_file == aid) {
                    perso.erase(x.aid);
                    return true;
                }
                return false;
            });
            std::erase_if(elfs, [&](const load_file_info& x) { return x.aid == aid; });
            return {bytes(1, '\0'), sw::ok};
        }
        if (find_app(aid) != nullptr) {
            std::erase_if(apps, [&](const application_info& x) { return x.aid == aid; });
            perso.erase(aid);
            return {bytes(1, '\0'), sw::ok};
        }
        return status(sw::data_not_found);
    }

    // --- GET STATUS ---

    static bool matches(std::string_view aid, std::string_view criterion) {
        return aid.substr(0, criterion.size()) == criterion;
    }

    bytes entry_tagged(std::string_view aid, std::uint8_t lc, const bytes* privileges,
                       const bytes* elf, const bytes* sd, const std::vector<bytes>* modules) const {
        bytes body = tlv("\x4F", aid);
        body += tlv("\x9F\x70", bytes(1, static_cast<char>(lc)));
        if (privileges != nullptr) {
            body += tlv("\xC5", *privileges);
        }
        if (elf != nullptr) {
            body += tlv("\xC4", *elf);
        }
        if (sd != nullptr) {
            body += tlv("\xCC", *sd);
        }
        if (modules != nullptr) {
            for (const auto& m : *modules) {
                body += tlv("\x84", m);
            }
        }
        return tlv("\xE3", body);
    }

    static bytes entry_legacy(std::string_view aid, std::uint8_t lc, std::uint8_t privilege,
                              const std::vector<bytes>* modules) {
        bytes e;
        e.push_back(static_cast<char>(aid.size()));
        e += aid;
        e.push_back(static_cast<char>(lc));
        e.push_back(static_cast<char>(privilege));
        if (modules != nullptr) {
            e.push_back(static_cast<char>(modules->size()));
            for (const auto& m : *modules) {
                e.push_back(static_cast<char>(m.size()));
                e += m;
            }
        }
        return e;
    }

    response get_status(const command_apdu& a) {
        if ((a.p1 != 0x80 && a.p1 != 0x40 && a.p1 != 0x20 && a.p1 != 0x10) || (a.p2 & ~0x03) != 0) {
            return status(sw::wrong_p1p2);
        }
        const bool tagged = (a.p2 & 0x02) != 0;
        if (a.p2 & 0x01) { // next occurrence
            if (!status_pending || status_p1 != a.p1) {
                return status(sw::wrong_p1p2);
            }
            return status_chunk();
        }
        status_pending = false;
        std::vector<tlv_item> items;
        if (!parse_tlvs(a.data, items)) {
            return status(sw::wrong_data);
        }
        const tlv_item* crit = find_tag(items, "\x4F");
        if (crit == nullptr) {
            return status(sw::wrong_data);
        }
        std::vector<bytes> entries;
        if (a.p1 == 0x80) {
            if (matches(cfg.isd_aid, crit->value)) {
                const bytes isd_privs("\x9E\xFE\x80"sv);
                entries.push_back(tagged ? entry_tagged(cfg.isd_aid, isd_life_cycle, &isd_privs,
                                                        nullptr, nullptr, nullptr)
                                         : entry_legacy(cfg.isd_aid, isd_life_cycle, 0x9E, nullptr));
            }
        } else if (a.p1 == 0x40) {
            for (const auto& app : apps) {
                if (matches(app.aid, crit->value)) {
                    entries.push_back(tagged ? entry_tagged(app.aid, app.life_cycle, &app.privileges,
                                                            &app.load_file, &app.security_domain, nullptr)
                                             : entry_legacy(app.aid, app.life_cycle,
                                                            u8(app.privileges, 0), nullptr));
                }
            }
        } else {
            const bool with_modules = a.p1 == 0x10;
            for (const auto& elf : elfs) {
                if (matches(elf.aid, crit->value)) {
                    entries.push_back(
                        tagged ? entry_tagged(elf.aid, elf.life_cycle, nullptr, nullptr,
                                              &elf.security_domain,
                                              with_modules ? &elf.modules : nullptr)
                               : entry_legacy(elf.aid, elf.life_cycle, 0x00,
                                              with_modules ? &elf.modules : nullptr));
                }
            }
        }
        if (entries.empty()) {
            return status(sw::data_not_found);
        }
        status_entries = std::move(entries);
        status_next = 0;
        status_p1 = a.p1;
        status_pending = true;
        return status_chunk();
    }

    // Whole entries up to 232 bytes, so that R-ENC padding and R-MAC still fit in 256.
    response status_chunk() {
        static constexpr std::size_t budget = 232;
        response r;
        while (status_next < status_entries.size()) {
            const bytes& e = status_entries[status_next];
            if (!r.data.empty() && r.data.size() + e.size() > budget) {
                break;
            }
            r.data += e;
            ++status_next;
        }
        if (status_next < status_entries.size()) {
            r.sw = sw::more_data;
        } else {
            status_pending = false;
            status_entries.clear();
        }
        return r;
    }
};

secure_element::secure_element() : secure_element(secure_element_config::with_test_keys()) {}

secure_element::secure_element(secure_element_config config)
    : impl_(std::make_unique<impl>(std::move(config))) {}

secure_element::~secure_element() = default;
secure_element::secure_element(secure_element&&) noexcept = default;
secure_element& secure_element::operator=(secure_element&&) noexcept = default;

bytes secure_element::transceive(std::string_view apdu) {
    return impl_->transceive(apdu);
}

void secure_element::reset() {
    impl_->reset_sd_state();
    if (impl_->desfire) {
        impl_->desfire->deselect();
    }
    impl_->selected = impl_->cfg.isd_aid;
}

const secure_element_config& secure_element::config() const noexcept {
    return impl_->cfg;
}

std::vector<load_file_info> secure_element::load_files() const {
    return impl_->elfs;
}

std::vector<application_info> secure_element::applications() const {
    return impl_->apps;
}

std::optional<load_file_info> secure_element::find_load_file(std::string_view aid) const {
    if (const auto* e = impl_->find_elf(aid)) {
        return *e;
    }
    return std::nullopt;
}

std::optional<application_info> secure_element::find_application(std::string_view aid) const {
    if (const auto* a = impl_->find_app(aid)) {
        return *a;
    }
    return std::nullopt;
}

std::optional<bytes> secure_element::personalization_data(std::string_view aid) const {
    auto it = impl_->perso.find(bytes(aid));
    if (it == impl_->perso.end()) {
        return std::nullopt;
    }
    bytes out;
    for (const auto& b : it->second) {
        out += b.data;
    }
    return out;
}

std::vector<store_data_block> secure_element::personalization_blocks(std::string_view aid) const {
    auto it = impl_->perso.find(bytes(aid));
    return it == impl_->perso.end() ? std::vector<store_data_block>{} : it->second;
}

bool secure_element::secure_channel_open() const noexcept {
    return impl_->channel.state() == detail::channel_state::open;
}

std::uint8_t secure_element::security_level() const noexcept {
    return impl_->channel.level();
}

bytes secure_element::selected() const {
    return impl_->selected;
}

std::optional<desfire_state> secure_element::desfire() const {
    if (!impl_->desfire) {
        return std::nullopt;
    }
    return impl_->desfire->state();
}

std::optional<desfire_application_info> secure_element::desfire_application(std::uint32_t aid) const {
    if (!impl_->desfire) {
        return std::nullopt;
    }
    return impl_->desfire->application(aid);
}

} // namespace tsm::sandbox
