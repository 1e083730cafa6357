#include "example_sp/desfire_session.hpp"

#include "tsmctl/sync_http_client.hpp"

#include "tsm/core/hex.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace tsm::tools::example_sp {

namespace json = boost::json;

namespace {

constexpr std::string_view hello_hex = "68656C6C6F"; // "hello"

std::string upper(std::string s) {
    for (auto& c : s) {
        if (c >= 'a' && c <= 'f') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return s;
}

std::string string_at(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

/// One DESFire operation's outcome as its callback reported it.
struct df_result {
    bool ok = false;
    std::vector<std::string> responses; ///< hex, upper case: data || 91 || status per command
    std::string problem;                ///< one line, when !ok
    std::string code;                   ///< error.code, e.g. "desfire-error"
    std::string command;                ///< error.command, e.g. "CreateApplication"
    std::string status;                 ///< error.status, the DESFire status byte, e.g. "DE"
};

/// Waits for the callback of an accepted operation, logs it as received and decodes it.
df_result await(const demo_context& ctx, const std::string& session_id, const api_result& started,
                std::string_view what) {
    df_result out;
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
    ctx.log.line(session_id, std::string(what) + ": callback " + cb->body);
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
    if (status->get_int64() == 200) {
        out.ok = true;
        return out;
    }
    std::string message;
    std::string sw;
    if (const auto* e = o->if_contains("error"); e && e->is_object()) {
        const auto& eo = e->get_object();
        out.code = string_at(eo, "code");
        out.command = string_at(eo, "command");
        out.status = upper(string_at(eo, "status"));
        sw = upper(string_at(eo, "sw"));
        message = string_at(eo, "message");
    }
    // "step 1 createApp: CreateApplication failed with DESFire status DE (status 500, desfire-error: ...)"
    std::string p = std::string(what) + ": " + (out.command.empty() ? std::string("operation") : out.command) + " failed";
    if (!out.status.empty()) {
        p += " with DESFire status " + out.status;
    } else if (!sw.empty()) {
        p += " with SW " + sw;
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

/// A fresh random AES-128 key in hex; empty when the random source fails.
std::string random_aes_key_hex() {
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        return {};
    }
    std::string hex = core::to_hex(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
    OPENSSL_cleanse(raw, sizeof raw);
    return hex;
}

} // namespace

std::string desfire_demo_aid() { return "DE5F01"; }

std::vector<std::string> desfire_demo_commands() {
    return {
        // CreateStdDataFile: file 01, plain communication, access rights EEEE (free read, write,
        // read&write and change; LSB first), 32 bytes (LSB first).
        "CD0100EEEE200000",
        // WriteData: file 01, offset 0, length 5, "hello".
        "3D01000000050000" + std::string(hello_hex),
        // ReadData: file 01, offset 0, length 5.
        "BD01000000050000",
    };
}

bool run_desfire_session(const demo_context& ctx, const std::string& session_id) {
    std::string callback_url = ctx.public_url + "/callback/";
    append_path_segment(callback_url, session_id);
    const std::string aid = desfire_demo_aid();

    auto create = [&](std::string_view what) {
        // The application keys are the SP's secrets: sent to tsmd only, never logged.
        std::vector<std::string> keys{random_aes_key_hex(), random_aes_key_hex()};
        if (keys[0].empty() || keys[1].empty()) {
            df_result r;
            r.problem = std::string(what) + ": no random application keys (RAND_bytes failed)";
            return r;
        }
        ctx.log.line(session_id, std::string(what) + ": /desfire/ev1/createApp aid " + aid
                                     + " keyType AES numberOfKeys 2 keySettings 0F, 2 random application keys");
        auto started = ctx.api.desfire_create_app(session_id, callback_url, aid, "AES", 2, "0F", keys);
        for (auto& k : keys) {
            OPENSSL_cleanse(k.data(), k.size());
        }
        return await(ctx, session_id, started, what);
    };

    bool success = false;
    std::string message;
    auto run = [&]() -> bool {
        auto created = create("step 1 createApp");
        if (!created.ok && created.code == "desfire-error" && created.status == "DE") {
            ctx.log.line(session_id, "step 1 createApp: application " + aid
                                         + " already exists (DESFire status DE); deleting it and creating it again");
            ctx.log.line(session_id, "step 1a deleteApp: /desfire/ev1/deleteApp aid " + aid);
            auto del = await(ctx, session_id, ctx.api.desfire_delete_app(session_id, callback_url, aid),
                             "step 1a deleteApp");
            if (!del.ok) {
                message = del.problem;
                return false;
            }
            created = create("step 1b createApp again");
        }
        if (!created.ok) {
            message = created.problem;
            return false;
        }

        const auto commands = desfire_demo_commands();
        ctx.log.line(session_id, "step 2 commands: /desfire/ev1/commands aid " + aid
                                     + ": CreateStdDataFile 01, WriteData \"hello\", ReadData");
        auto cmds = await(ctx, session_id, ctx.api.desfire_commands(session_id, callback_url, aid, commands),
                          "step 2 commands");
        if (!cmds.ok) {
            message = cmds.problem;
            return false;
        }
        const char* names[] = {"CreateStdDataFile", "WriteData", "ReadData"};
        for (std::size_t i = 0; i < cmds.responses.size() && i < 3; ++i) {
            ctx.log.line(session_id, std::string("step 2 commands: ") + names[i] + " -> " + cmds.responses[i]);
        }
        const std::string expected = std::string(hello_hex) + "9100";
        if (cmds.responses.size() != commands.size() || cmds.responses.back() != expected) {
            message = "step 2 commands: ReadData answered "
                      + (cmds.responses.empty() ? std::string("nothing") : cmds.responses.back()) + ", expected "
                      + expected;
            return false;
        }
        ctx.log.line(session_id, "step 2 commands: read back \"hello\"");

        ctx.log.line(session_id, "step 3 deleteApp: /desfire/ev1/deleteApp aid " + aid);
        auto del = await(ctx, session_id, ctx.api.desfire_delete_app(session_id, callback_url, aid),
                         "step 3 deleteApp");
        if (!del.ok) {
            message = del.problem;
            return false;
        }
        message = "Created DESFire application " + aid + ", wrote and read back \"hello\", deleted it";
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
