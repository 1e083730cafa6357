#include "example_sp/hello_session.hpp"

#include "tsmctl/sync_http_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdio>
#include <optional>

namespace tsm::tools::example_sp {

namespace json = boost::json;

namespace {

std::string upper(std::string s) {
    for (auto& c : s) {
        if (c >= 'a' && c <= 'f') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return s;
}

std::string hex_byte(std::size_t n) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned>(n & 0xFF));
    return buf;
}

/// One operation's outcome as the callback reported it.
struct op_result {
    bool ok = false;
    std::vector<std::string> responses; ///< hex R-APDUs (upper case)
    // Failure details: `problem` always; the rest when the callback carried an error object.
    std::string problem; ///< one line: what went wrong
    std::string code;    ///< error.code, e.g. "card-error"
    std::string command; ///< error.command, e.g. "INSTALL [for install]"
    std::string sw;      ///< error.sw, e.g. "6985"
};

std::string string_at(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

/// Waits for the callback of an accepted operation and decodes it.
op_result await(const demo_context& ctx, const std::string& session_id, const api_result& started,
                std::string_view what) {
    op_result out;
    if (!started.ok) {
        out.problem = std::string(what) + ": request refused: " + started.error;
        return out;
    }
    ctx.log.line(session_id, std::string(what) + ": accepted, operationId " + started.operation_id);
    auto cb = ctx.waiter.wait(started.operation_id, ctx.operation_timeout);
    if (!cb) {
        out.problem = std::string(what) + ": no callback for operation " + started.operation_id;
        return out;
    }
    if (cb->session_id != session_id) {
        out.problem = std::string(what) + ": callback arrived for another session";
        return out;
    }
    boost::system::error_code ec;
    auto v = json::parse(cb->body, ec);
    const json::object* o = !ec && v.is_object() ? &v.get_object() : nullptr;
    const json::value* status = o ? o->if_contains("statusCode") : nullptr;
    if (!status || !status->is_int64()) {
        out.problem = std::string(what) + ": callback without statusCode";
        return out;
    }
    if (const auto* r = o->if_contains("responses"); r && r->is_array()) {
        for (const auto& x : r->get_array()) {
            out.responses.push_back(x.is_string() ? upper(std::string(x.get_string())) : std::string());
        }
    }
    if (status->get_int64() != 200) {
        std::string message;
        if (const auto* e = o->if_contains("error"); e && e->is_object()) {
            const auto& eo = e->get_object();
            out.code = string_at(eo, "code");
            out.command = string_at(eo, "command");
            out.sw = upper(string_at(eo, "sw"));
            message = string_at(eo, "message");
        }
        // "step: INSTALL [for install] failed with SW 6A88 (card-error: ...)"
        std::string p = std::string(what) + ": ";
        p += out.command.empty() ? std::string("operation") : out.command;
        p += " failed";
        if (!out.sw.empty()) {
            p += " with SW " + out.sw;
        }
        p += " (status " + std::to_string(status->get_int64());
        if (!out.code.empty()) {
            p += ", " + out.code;
        }
        if (!message.empty()) {
            p += ": " + message;
        }
        p += ")";
        out.problem = std::move(p);
        return out;
    }
    ctx.log.line(session_id, std::string(what) + ": callback status 200, " + std::to_string(out.responses.size())
                                 + " response(s)");
    out.ok = true;
    return out;
}

/// INSTALL [for install] said the instance is already in the card's registry.
bool instance_exists(const op_result& r) {
    return !r.ok && r.code == "card-error" && r.command == "INSTALL [for install]"
           && (r.sw == "6985" || r.sw == "6A89");
}

} // namespace

std::optional<hello_applet> hello_applet_from_upload(
    const std::string& cap_id, const std::string& elf_aid, const std::vector<std::string>& modules,
    std::string& error) {
    if (modules.empty()) {
        error = "the CAP file " + cap_id + " has no applet to install";
        return std::nullopt;
    }
    hello_applet a;
    a.cap_id = cap_id;
    a.elf_aid = upper(elf_aid);
    a.module_aid = upper(modules.front());
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
    std::string callback_url = ctx.public_url + "/callback/";
    append_path_segment(callback_url, session_id);
    const std::string& aid = applet.instance_aid;
    auto install = [&](std::string_view what) {
        ctx.log.line(session_id, std::string(what) + ": /ccm/install load file " + applet.elf_aid + " module "
                                     + applet.module_aid + " instance " + aid);
        return await(ctx, session_id, ctx.api.ccm_install(session_id, callback_url, applet.elf_aid, applet.module_aid, aid),
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
            auto del = await(ctx, session_id, ctx.api.ccm_delete(session_id, callback_url, aid, false), "step 1a delete");
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
        auto sel = await(ctx, session_id, ctx.api.transceive(session_id, callback_url, {select}), "step 2 select");
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
        auto perso = await(ctx, session_id, ctx.api.ccm_storedata(session_id, callback_url, aid, "DGI", dgi),
                           "step 3 personalize");
        if (!perso.ok) {
            message = perso.problem;
            return false;
        }
        message = "Installed and personalized the HelloWorld applet instance " + aid;
        return true;
    };
    success = run();
    ctx.log.line(session_id, std::string(success ? "succeeded: " : "failed: ") + message);
    auto done = ctx.api.complete(session_id, success, message);
    if (done.ok) {
        ctx.log.line(session_id, "service/completed sent (success=" + std::string(success ? "true" : "false") + ")");
    } else {
        ctx.log.line(session_id, "service/completed failed: " + done.error);
    }
    return success;
}

} // namespace tsm::tools::example_sp
