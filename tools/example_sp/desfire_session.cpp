#include "example_sp/desfire_session.hpp"

#include "tsm/core/hex.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace tsm::tools::example_sp {

namespace {

constexpr std::string_view hello_hex = "68656C6C6F"; // "hello"

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

std::string desfire_demo_aid() {
    return "DE5F01";
}

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
    const std::string callback_url = session_callback_url(ctx, session_id);
    const std::string aid = desfire_demo_aid();

    auto create = [&](std::string_view what) {
        // The application keys are the SP's secrets: sent to tsmd only, never logged.
        std::vector<std::string> keys{random_aes_key_hex(), random_aes_key_hex()};
        if (keys[0].empty() || keys[1].empty()) {
            operation_outcome r;
            r.problem = std::string(what) + ": no random application keys (RAND_bytes failed)";
            return r;
        }
        ctx.log.line(session_id,
                     std::string(what) + ": /desfire/ev1/createApp aid " + aid
                         + " keyType AES numberOfKeys 2 keySettings 0F, 2 random application keys");
        auto started = ctx.api.desfire_create_app(session_id, callback_url, aid, "AES", 2, "0F", keys);
        for (auto& k : keys) {
            OPENSSL_cleanse(k.data(), k.size());
        }
        return await_operation(ctx, session_id, started, what, callback_logging::body);
    };
    auto delete_app = [&](std::string_view what) {
        ctx.log.line(session_id, std::string(what) + ": /desfire/ev1/deleteApp aid " + aid);
        return await_operation(ctx, session_id, ctx.api.desfire_delete_app(session_id, callback_url, aid),
                               what, callback_logging::body);
    };

    bool success = false;
    std::string message;
    auto run = [&]() -> bool {
        auto created = create("step 1 createApp");
        if (!created.ok && created.code == "desfire-error" && created.status == "DE") {
            ctx.log.line(session_id,
                         "step 1 createApp: application " + aid
                             + " already exists (DESFire status DE); deleting it and creating it again");
            auto del = delete_app("step 1a deleteApp");
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
        auto cmds = await_operation(ctx, session_id,
                                    ctx.api.desfire_commands(session_id, callback_url, aid, commands),
                                    "step 2 commands", callback_logging::body);
        if (!cmds.ok) {
            message = cmds.problem;
            return false;
        }
        const char* names[] = {"CreateStdDataFile", "WriteData", "ReadData"};
        for (std::size_t i = 0; i < cmds.responses.size() && i < 3; ++i) {
            ctx.log.line(session_id,
                         std::string("step 2 commands: ") + names[i] + " -> " + cmds.responses[i]);
        }
        const std::string expected = std::string(hello_hex) + "9100";
        if (cmds.responses.size() != commands.size() || cmds.responses.back() != expected) {
            message = "step 2 commands: ReadData answered "
                      + (cmds.responses.empty() ? std::string("nothing") : cmds.responses.back())
                      + ", expected " + expected;
            return false;
        }
        ctx.log.line(session_id, "step 2 commands: read back \"hello\"");

        auto del = delete_app("step 3 deleteApp");
        if (!del.ok) {
            message = del.problem;
            return false;
        }
        message = "Created DESFire application " + aid + ", wrote and read back \"hello\", deleted it";
        return true;
    };
    success = run();
    return complete_session(ctx, session_id, success, message);
}

} // namespace tsm::tools::example_sp
