// GET STATUS: registry entries in the tagged (E3) and the legacy format, with continuation.
#include "secure_element_impl.hpp"

namespace tsm::sandbox {

using namespace detail;
using namespace std::literals;

bool secure_element::impl::matches(std::string_view aid, std::string_view criterion) {
    return aid.substr(0, criterion.size()) == criterion;
}

bytes secure_element::impl::entry_tagged(std::string_view aid, std::uint8_t lc, const bytes* privileges,
                                         const bytes* elf, const bytes* sd,
                                         const std::vector<bytes>* modules) const {
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

bytes secure_element::impl::entry_legacy(std::string_view aid, std::uint8_t lc, std::uint8_t privilege,
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

response secure_element::impl::get_status(const command_apdu& a) {
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
            entries.push_back(
                tagged ? entry_tagged(cfg.isd_aid, isd_life_cycle, &isd_privs, nullptr, nullptr, nullptr)
                       : entry_legacy(cfg.isd_aid, isd_life_cycle, 0x9E, nullptr));
        }
    } else if (a.p1 == 0x40) {
        for (const auto& app : apps) {
            if (matches(app.aid, crit->value)) {
                entries.push_back(
                    tagged ? entry_tagged(app.aid, app.life_cycle, &app.privileges, &app.load_file,
                                          &app.security_domain, nullptr)
                           : entry_legacy(app.aid, app.life_cycle, u8(app.privileges, 0), nullptr));
            }
        }
    } else {
        const bool with_modules = a.p1 == 0x10;
        for (const auto& elf : elfs) {
            if (matches(elf.aid, crit->value)) {
                entries.push_back(
                    tagged
                        ? entry_tagged(elf.aid, elf.life_cycle, nullptr, nullptr, &elf.security_domain,
                                       with_modules ? &elf.modules : nullptr)
                        : entry_legacy(elf.aid, elf.life_cycle, 0x00, with_modules ? &elf.modules : nullptr));
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
response secure_element::impl::status_chunk() {
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

} // namespace tsm::sandbox
