#include "example_sp/hello_session.hpp"

#include <cstdio>
#include <optional>

namespace tsm::tools::example_sp {

namespace {

std::string hex_byte(std::size_t n) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned>(n & 0xFF));
    return buf;
}

/// INSTALL [for install] said the instance is already in the card's registry.
bool instance_exists(const operation_outcome& r) {
    return !r.ok && r.code == "card-error" && r.command == "INSTALL [for install]"
           && (r.sw == "6985" || r.sw == "6A89");
}

} // namespace

std::optional<hello_applet> hello_applet_from_upload(const std::string& cap_id, const std::string& elf_aid,
                                                     const std::vector<std::string>& modules,
                                                     std::string& error) {
    if (modules.empty()) {
        error = "the CAP file " + cap_id + " has no applet to install";
        return std::nullopt;
    }
    hello_applet a;
    a.cap_id = cap_id;
    a.elf_aid = upper_hex(elf_aid);
    a.module_aid = upper_hex(modules.front());
    if (a.module_aid.size() / 2 >= 16) {
        error = "the applet AID " + a.module_aid + " is 16 bytes: no room for the instance suffix 01";
        return std::nullopt;
    }
    a.instance_aid = a.module_aid + "01";
    return a;
}

std::string hello_personalization_dgi() {
    const std::string hello_hex = "68656C6C6F"; // "hello"
    return "0101" + hex_byte(hello_hex.size() / 2) + hello_hex;
}

bool run_hello_session(const demo_context& ctx, const hello_applet& applet, const std::string& session_id) {
    const std::string callback_url = session_callback_url(ctx, session_id);
    const std::string& aid = applet.instance_aid;
    auto install = [&](std::string_view what) {
        ctx.log.line(session_id, std::string(what) + ": /ccm/install load file " + applet.elf_aid + " module "
                                     + applet.module_aid + " instance " + aid);
        return await_operation(ctx, session_id,
                               ctx.api.ccm_install(session_id, callback_url, applet.elf_aid,
                                                   applet.module_aid, aid),
                               what);
    };

    bool success = false;
    std::string message;
    auto run = [&]() -> bool {
        auto inst = install("step 1 install");
        if (instance_exists(inst)) {
            ctx.log.line(session_id, "step 1 install: instance " + aid + " already exists (SW " + inst.sw
                                         + "); deleting it and installing again");
            ctx.log.line(session_id, "step 1a delete: /ccm/delete application " + aid + " withRelated false");
            auto del =
                await_operation(ctx, session_id, ctx.api.ccm_delete(session_id, callback_url, aid, false),
                                "step 1a delete");
            if (!del.ok) {
                message = del.problem;
                return false;
            }
            inst = install("step 1b install again");
        }
        if (!inst.ok) {
            message = inst.problem;
            return false;
        }

        const std::string select = "00A40400" + hex_byte(aid.size() / 2) + aid + "00";
        ctx.log.line(session_id, "step 2 select: /transceive SELECT " + aid);
        auto sel = await_operation(ctx, session_id, ctx.api.transceive(session_id, callback_url, {select}),
                                   "step 2 select");
        if (!sel.ok) {
            message = sel.problem;
            return false;
        }
        if (sel.responses.empty() || !sel.responses.back().ends_with("9000")) {
            const std::string& r = sel.responses.empty() ? std::string("nothing") : sel.responses.back();
            message = "step 2 select: SELECT " + aid + " answered SW "
                      + (r.size() >= 4 ? r.substr(r.size() - 4) : r) + ", expected 9000";
            return false;
        }
        ctx.log.line(session_id, "step 2 select: SW 9000");

        // The personalization data is secret in a real service: its length is logged, never its value.
        const std::string dgi = hello_personalization_dgi();
        ctx.log.line(session_id, "step 3 personalize: /ccm/storedata DGI, " + std::to_string(dgi.size() / 2)
                                     + " bytes, to " + aid);
        auto perso =
            await_operation(ctx, session_id, ctx.api.ccm_storedata(session_id, callback_url, aid, "DGI", dgi),
                            "step 3 personalize");
        if (!perso.ok) {
            message = perso.problem;
            return false;
        }
        message = "Installed and personalized the HelloWorld applet instance " + aid;
        return true;
    };
    success = run();
    return complete_session(ctx, session_id, success, message);
}

} // namespace tsm::tools::example_sp
