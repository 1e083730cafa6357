// APDU dispatch (class, secure messaging, the channel state), SELECT, GET DATA and INITIALIZE
// UPDATE; EXTERNAL AUTHENTICATE and the wrapping themselves are in card_channel.cpp.
#include "secure_element_impl.hpp"

namespace tsm::sandbox {

using namespace detail;
using namespace std::literals;

bytes secure_element::impl::transceive(std::string_view raw) {
    if (raw.size() < 4) {
        return sw_bytes(sw::wrong_length);
    }
    const std::uint8_t cla = u8(raw, 0);
    const std::uint8_t ins = u8(raw, 1);
    if (cla == 0x90 && desfire_selected()) {
        return desfire->transceive(raw); // ISO-wrapped native DESFire
    }
    if (cla == 0xFF && ins == 0xCA) {
        return get_uid(raw); // answered by the reader, whatever the card has selected
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
    case 0xA4: iso_ok = true; break;         // SELECT
    case 0xCA: iso_ok = gp_ok = true; break; // GET DATA
    case 0x50: gp_ok = !sm; break;           // INITIALIZE UPDATE
    case 0x82: gp_ok = sm; break;            // EXTERNAL AUTHENTICATE
    case 0xE6:                               // INSTALL
    case 0xE8:                               // LOAD
    case 0xE4:                               // DELETE
    case 0xF2:                               // GET STATUS
    case 0xE2:                               // STORE DATA
        gp_ok = needs_channel = true;
        break;
    default:
        // Another command under secure messaging: it goes to the personalization target when
        // there is one (routed_command), else the ISD answers 6D00 once the C-MAC is checked,
        // so the MAC chain stays in step with the host's.
        if (!sm) {
            return sw_bytes(sw::ins_not_supported);
        }
        iso_ok = gp_ok = needs_channel = true;
        break;
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
        record_received(*plain);
        response r =
            perso_target && routed_to_application(plain->ins) ? routed_command(*plain) : dispatch(*plain);
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

void secure_element::impl::abandon_session() {
    channel.close();
    load.reset();
    perso_target.reset();
    next_store_block = 0;
    status_pending = false;
}

bool secure_element::impl::routed_to_application(std::uint8_t ins) {
    // The ISD keeps card content management; STORE DATA reaches the target through store_data.
    switch (ins) {
    case 0xE6: // INSTALL
    case 0xE8: // LOAD
    case 0xE4: // DELETE
    case 0xF2: // GET STATUS
    case 0xE2: // STORE DATA
        return false;
    default: return true;
    }
}

response secure_element::impl::routed_command(const command_apdu&) {
    // The sandbox's applets are stubs: they accept whatever the ISD forwards to them.
    return status(sw::ok);
}

void secure_element::impl::record_received(const command_apdu& a) {
    if (a.ins == 0xE8) {
        return; // LOAD blocks: the load file itself is in the registry
    }
    auto encoded = tsm::core::gp::encode_command_apdu(a);
    if (!encoded) {
        return;
    }
    const bool to_target = perso_target && (routed_to_application(a.ins) || a.ins == 0xE2);
    auto& list = received[to_target ? *perso_target : cfg.isd_aid];
    if (list.size() == max_received_per_aid) {
        list.erase(list.begin()); // bounded: the most recent ones are what tests look at
    }
    list.push_back(std::move(*encoded));
}

response secure_element::impl::dispatch(const command_apdu& a) {
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

bytes secure_element::impl::recognition_data() const {
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

bytes secure_element::impl::fci() const {
    bytes max;
    if (cfg.max_command_data > 0xFF) {
        max.push_back(static_cast<char>((cfg.max_command_data >> 8) & 0xFF));
    }
    max.push_back(static_cast<char>(cfg.max_command_data & 0xFF));
    bytes proprietary = recognition_data() + tlv("\x9F\x65", max);
    return tlv("\x6F", tlv("\x84", cfg.isd_aid) + tlv("\xA5", proprietary));
}

response secure_element::impl::select(const command_apdu& a) {
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
    if (is_fidesmo_applet(a.data)) {
        response r = select_fidesmo_applet(a.data);
        if (a.p2 == 0x0C) {
            r.data.clear();
        }
        return r;
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

bytes secure_element::impl::key_information() const {
    bytes t;
    for (const auto& s : cfg.scp03) {
        for (char id = 1; id <= 3; ++id) {
            t += tlv("\xC0",
                     bytes{id, static_cast<char>(s.kvn), '\x88', static_cast<char>(s.keys.enc.size())});
        }
    }
    for (const auto& s : cfg.scp02) {
        for (char id = 1; id <= 3; ++id) {
            t += tlv("\xC0", bytes{id, static_cast<char>(s.kvn), '\x80', '\x10'});
        }
    }
    return tlv("\xE0", t);
}

response secure_element::impl::get_data(const command_apdu& a) {
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

response secure_element::impl::initialize_update(const command_apdu& a) {
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

} // namespace tsm::sandbox
