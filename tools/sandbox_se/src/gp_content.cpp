// Card content management: INSTALL [for load / install / make selectable / personalization],
// LOAD, STORE DATA and DELETE.
#include "load_file_check.hpp"
#include "secure_element_impl.hpp"

namespace tsm::sandbox {

using namespace detail;
using namespace std::literals;

response secure_element::impl::install(const command_apdu& a) {
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

response secure_element::impl::install_for_load(const command_apdu& a) {
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

response secure_element::impl::load_block(const command_apdu& a) {
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

response secure_element::impl::install_for_install(const command_apdu& a, std::uint8_t p1) {
    std::string_view in = a.data;
    std::string_view elf, module, instance, privileges, params, token;
    if (!read_lv(in, elf) || !read_lv(in, module) || !read_lv(in, instance) || !read_lv(in, privileges)
        || !read_ber_lv(in, params) || !read_ber_lv(in, token) || !in.empty() || !valid_aid(instance)
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

response secure_element::impl::install_for_personalization(const command_apdu& a) {
    std::string_view in = a.data;
    std::string_view elf, module, aid, rest1, rest2, rest3;
    if (!read_lv(in, elf) || !read_lv(in, module) || !read_lv(in, aid) || !valid_aid(aid)) {
        return status(sw::wrong_data);
    }
    // Trailing 00 00 00 (privileges, parameters, token), all empty; tolerate their absence.
    if (!in.empty()
        && (!read_lv(in, rest1) || !read_ber_lv(in, rest2) || !read_ber_lv(in, rest3) || !in.empty())) {
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

response secure_element::impl::store_data(const command_apdu& a) {
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

response secure_element::impl::delete_object(const command_apdu& a) {
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
        const bool has_instances = std::any_of(apps.begin(), apps.end(),
                                               [&](const application_info& x) { return x.load_file == aid; });
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

} // namespace tsm::sandbox
