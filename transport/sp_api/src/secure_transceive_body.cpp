// The /secure-transceive body decoder (secure_transceive_body.hpp): the SP API handler and the
// recipe actions read it the same way. Any thread.
#include "tsm/transport/sp_api/secure_transceive_body.hpp"

#include "tsm/core/key_vault.hpp"
#include "tsm/transport/json_reader.hpp"

namespace tsm::transport::sp_api {

secure_transceive_body::~secure_transceive_body() {
    for (auto& c : commands) {
        core::wipe(c);
    }
}

core::api_status decode_secure_transceive_body(std::string_view body, const limits& lim,
                                               secure_transceive_body& out) {
    bool seen = false;
    auto st = json::read_object(body, json::body_secrecy::secret,
                                [&](std::string_view key, json::value& v) -> core::api_status {
                                    if (key == "application") {
                                        return json::read_string(v, "application", out.application);
                                    }
                                    if (key == "commands") {
                                        seen = true;
                                        for (auto& c : out.commands) {
                                            core::wipe(c);
                                        }
                                        out.commands.clear();
                                        json::hex_list_limits l;
                                        l.max_items = lim.max_commands;
                                        l.max_bytes = lim.max_apdu_bytes;
                                        return json::read_hex_list(v, "commands", l, out.commands);
                                    }
                                    return {}; // unknown members are ignored
                                });
    if (!st) {
        return st;
    }
    if (!seen) {
        return core::make_api_error(core::api_errc::bad_request, "missing commands");
    }
    if (out.commands.empty()) {
        return core::make_api_error(core::api_errc::bad_request, "commands must not be empty");
    }
    return {};
}

} // namespace tsm::transport::sp_api
