#include "tsm/core/desfire_requests.hpp"

#include "tsm/core/desfire/operations.hpp"
#include "tsm/core/operation_kinds.hpp"

namespace tsm::core::desfire {
namespace {

constexpr std::string_view payload_context = "opentsm/desfire-payload/v1";

api_error bad(std::string message) {
    return make_api_error(api_errc::bad_request, std::move(message));
}

api_result<application_id> aid_of(const std::optional<std::string>& text) {
    if (!text) {
        return bad("aid is required (6 hex digits, e.g. \"F1A2B3\")");
    }
    auto aid = parse_aid(*text);
    if (!aid) {
        return bad("aid must be 6 hex digits (e.g. \"F1A2B3\")");
    }
    return *aid;
}

api_status checked(std::optional<std::string> validation_error) {
    if (validation_error) {
        return bad(std::move(*validation_error));
    }
    return {};
}

/// Parsed keys must not outlive the request.
struct key_wiper {
    std::vector<bytes>& keys;
    ~key_wiper() {
        for (auto& k : keys) {
            wipe(k);
        }
    }
};

api_status fill(const create_app_fields& f, create_app_request& r) {
    auto aid = aid_of(f.aid);
    if (!aid) {
        return aid.error();
    }
    r.aid = *aid;
    if (!f.key_settings) {
        return bad("keySettings is required (1 byte in hex, e.g. \"0F\")");
    }
    auto ks = from_hex(*f.key_settings);
    if (!ks || ks->size() != 1) {
        return bad("keySettings must be 1 byte in hex (e.g. \"0F\")");
    }
    r.key_settings = static_cast<std::uint8_t>((*ks)[0]);
    if (!f.number_of_keys) {
        return bad("numberOfKeys is required (1 to 14)");
    }
    if (*f.number_of_keys < 1 || *f.number_of_keys > static_cast<std::int64_t>(max_application_keys)) {
        return bad("numberOfKeys must be an integer from 1 to 14");
    }
    r.number_of_keys = static_cast<std::uint8_t>(*f.number_of_keys);
    if (!f.key_type) {
        return bad("keyType is required (AES, 3K3DES, 2K3DES or DES)");
    }
    auto t = parse_key_type(*f.key_type);
    if (!t) {
        return bad("keyType must be AES, 3K3DES, 2K3DES or DES");
    }
    r.keys_type = *t;
    if (f.iso_file_id) {
        auto fid = from_hex(*f.iso_file_id);
        if (!fid || fid->size() != 2) {
            return bad("isoFileId must be 2 bytes in hex (e.g. \"E110\")");
        }
        r.iso_file_id = static_cast<std::uint16_t>((static_cast<unsigned char>((*fid)[0]) << 8)
                                                   | static_cast<unsigned char>((*fid)[1]));
    }
    if (f.iso_df_name) {
        auto name = from_hex(*f.iso_df_name);
        if (!name || name->empty() || name->size() > 16) {
            return bad("isoDfName must be 1 to 16 bytes in hex");
        }
        r.iso_df_name = std::move(*name);
    }
    if (f.keys) {
        if (f.keys->empty()) {
            // An empty list would silently leave the default keys in place.
            return bad("keys must hold numberOfKeys (" + std::to_string(r.number_of_keys)
                       + ") keys, got none");
        }
        if (f.keys->size() > max_application_keys) {
            return bad("keys: more than " + std::to_string(max_application_keys) + " entries");
        }
        r.keys = *f.keys;
    }
    if (f.key_version) {
        if (*f.key_version < 0 || *f.key_version > 255) {
            return bad("keyVersion must be an integer from 0 to 255");
        }
        r.keys_version = static_cast<std::uint8_t>(*f.key_version);
    }
    return checked(validate(r));
}

} // namespace

create_app_fields::~create_app_fields() {
    if (keys) {
        for (auto& k : *keys) {
            wipe(k);
        }
    }
}

api_result<operation_request> to_create_app_operation(const create_app_fields& f, const key_vault& vault,
                                                      std::string_view session_id) {
    create_app_request r;
    key_wiper wipe_keys{r.keys};
    if (auto st = fill(f, r); !st) {
        return st.error();
    }
    // Application keys are secret: the payload is stored sealed, like card keys, and opens only
    // in this session.
    bytes plain = encode_create_app_request(r);
    operation_request out{std::string(kinds::desfire_create_app),
                          vault.seal(plain, create_app_payload_context(session_id))};
    wipe(plain);
    return out;
}

api_result<operation_request> to_commands_operation(const commands_fields& f) {
    commands_request r;
    auto aid = aid_of(f.aid);
    if (!aid) {
        return aid.error();
    }
    r.aid = *aid;
    if (!f.commands || f.commands->empty()) {
        return bad("commands is required: a non-empty array of native DESFire commands in hex");
    }
    r.commands = *f.commands;
    if (auto st = checked(validate(r)); !st) {
        return st.error();
    }
    return operation_request{std::string(kinds::desfire_commands), encode_commands_request(r)};
}

api_result<operation_request> to_delete_app_operation(const delete_app_fields& f) {
    delete_app_request r;
    auto aid = aid_of(f.aid);
    if (!aid) {
        return aid.error();
    }
    r.aid = *aid;
    if (auto st = checked(validate(r)); !st) {
        return st.error();
    }
    return operation_request{std::string(kinds::desfire_delete_app), encode_delete_app_request(r)};
}

std::string create_app_payload_context(std::string_view session_id) {
    return std::string(payload_context) + "/" + std::string(session_id);
}

} // namespace tsm::core::desfire
