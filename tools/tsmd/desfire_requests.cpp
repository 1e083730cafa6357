#include "desfire_requests.hpp"

#include "json_members.hpp"

#include "tsm/core/desfire/operations.hpp"
#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/sealed_payload.hpp"

#include <simdjson.h>
#include <sodium.h>

#include <cstring>
#include <optional>

namespace tsm::tsmd {
namespace {

namespace desfire = core::desfire;
namespace ondemand = simdjson::ondemand;

constexpr std::string_view create_app_path = "/desfire/ev1/createApp";
constexpr std::string_view commands_path = "/desfire/ev1/commands";
constexpr std::string_view delete_app_path = "/desfire/ev1/deleteApp";
constexpr std::size_t max_keys = 14; ///< DESFire applications hold at most 14 keys

ondemand::parser& parser() {
    thread_local ondemand::parser p; // shards are single-threaded: one parser each
    return p;
}

/// Parses `body` as one object and calls `on_field(key, value)` per member; stops at the first
/// error. Nothing may follow the object.
template <class OnField>
std::string for_each_field(std::string_view body, OnField&& on_field) {
    wiped_padded_body padded(body);
    ondemand::document doc;
    if (parser().iterate(padded.get()).get(doc)) {
        return "not valid JSON";
    }
    ondemand::object obj;
    if (doc.get_object().get(obj)) {
        return "the body must be a JSON object";
    }
    if (std::string err = for_each_member(obj, on_field); !err.empty()) {
        return err;
    }
    const char* rest = nullptr;
    if (doc.current_location().get(rest) == simdjson::SUCCESS) {
        return "trailing content after the JSON object";
    }
    return {};
}

std::string get_string(ondemand::value v, std::string_view field, std::string& out) {
    std::string_view sv;
    if (v.get_string().get(sv)) {
        return std::string(field) + " must be a string";
    }
    out.assign(sv);
    return {};
}

/// An integer in [lo, hi].
std::string get_int(ondemand::value v, std::string_view field, std::int64_t lo, std::int64_t hi,
                    std::optional<std::int64_t>& out) {
    std::int64_t n = 0;
    if (v.get_int64().get(n) || n < lo || n > hi) {
        return std::string(field) + " must be an integer from " + std::to_string(lo) + " to "
            + std::to_string(hi);
    }
    out = n;
    return {};
}

/// An array of non-empty hex strings: at most `max_items`, each at most `max_bytes` bytes.
std::string get_hex_list(ondemand::value v, std::string_view field, std::size_t max_items,
                         std::size_t max_bytes, std::vector<core::bytes>& out) {
    ondemand::array arr;
    if (v.get_array().get(arr)) {
        return std::string(field) + " must be an array of hex strings";
    }
    for (auto item : arr) {
        std::string_view sv;
        if (item.get_string().get(sv)) {
            return std::string(field) + " must be an array of hex strings";
        }
        if (out.size() >= max_items) {
            return std::string(field) + ": more than " + std::to_string(max_items) + " entries";
        }
        if (sv.size() / 2 > max_bytes) {
            return std::string(field) + ": entry " + std::to_string(out.size()) + " is longer than "
                + std::to_string(max_bytes) + " bytes";
        }
        auto b = core::from_hex(sv);
        if (!b || b->empty()) {
            return std::string(field) + ": entry " + std::to_string(out.size()) + " is not valid hex";
        }
        out.push_back(std::move(*b));
    }
    return {};
}

std::string aid_field(const std::optional<std::string>& text, desfire::application_id& out) {
    if (!text) {
        return "aid is required (6 hex digits, e.g. \"F1A2B3\")";
    }
    auto aid = desfire::parse_aid(*text);
    if (!aid) {
        return "aid must be 6 hex digits (e.g. \"F1A2B3\")";
    }
    out = *aid;
    return {};
}

/// Wipes every key of a request on scope exit (parsed keys must not outlive the request).
struct key_wiper {
    std::vector<core::bytes>& keys;
    ~key_wiper() {
        for (auto& k : keys) {
            core::wipe(k);
        }
    }
};

std::string parse_create_app(std::string_view body, desfire::create_app_request& r) {
    std::optional<std::string> aid, key_settings, key_type, iso_file_id, iso_df_name;
    std::optional<std::int64_t> number_of_keys, key_version;
    bool has_keys = false;
    auto err = for_each_field(body, [&](std::string_view key, ondemand::value v) -> std::string {
        auto text = [&](std::optional<std::string>& out) {
            out.emplace();
            return get_string(v, key, *out);
        };
        if (key == "aid") {
            return text(aid);
        }
        if (key == "keySettings") {
            return text(key_settings);
        }
        if (key == "keyType") {
            return text(key_type);
        }
        if (key == "isoFileId") {
            return text(iso_file_id);
        }
        if (key == "isoDfName") {
            return text(iso_df_name);
        }
        if (key == "numberOfKeys") {
            return get_int(v, key, 1, static_cast<std::int64_t>(max_keys), number_of_keys);
        }
        if (key == "keyVersion") {
            return get_int(v, key, 0, 255, key_version);
        }
        if (key == "keys") {
            for (auto& k : r.keys) {
                core::wipe(k);
            }
            r.keys.clear();
            has_keys = true;
            return get_hex_list(v, key, max_keys, 24, r.keys);
        }
        return {}; // unknown members are ignored, as on the other operation paths
    });
    if (!err.empty()) {
        return err;
    }
    if (auto e = aid_field(aid, r.aid); !e.empty()) {
        return e;
    }
    if (!key_settings) {
        return "keySettings is required (1 byte in hex, e.g. \"0F\")";
    }
    auto ks = core::from_hex(*key_settings);
    if (!ks || ks->size() != 1) {
        return "keySettings must be 1 byte in hex (e.g. \"0F\")";
    }
    r.key_settings = static_cast<std::uint8_t>((*ks)[0]);
    if (!number_of_keys) {
        return "numberOfKeys is required (1 to 14)";
    }
    r.number_of_keys = static_cast<std::uint8_t>(*number_of_keys);
    if (!key_type) {
        return "keyType is required (AES, 3K3DES, 2K3DES or DES)";
    }
    auto t = desfire::parse_key_type(*key_type);
    if (!t) {
        return "keyType must be AES, 3K3DES, 2K3DES or DES";
    }
    r.keys_type = *t;
    if (iso_file_id) {
        auto fid = core::from_hex(*iso_file_id);
        if (!fid || fid->size() != 2) {
            return "isoFileId must be 2 bytes in hex (e.g. \"E110\")";
        }
        r.iso_file_id = static_cast<std::uint16_t>((static_cast<unsigned char>((*fid)[0]) << 8)
                                                   | static_cast<unsigned char>((*fid)[1]));
    }
    if (iso_df_name) {
        auto name = core::from_hex(*iso_df_name);
        if (!name || name->empty() || name->size() > 16) {
            return "isoDfName must be 1 to 16 bytes in hex";
        }
        r.iso_df_name = std::move(*name);
    }
    if (has_keys && r.keys.empty()) {
        // An empty list would silently leave the default keys in place.
        return "keys must hold numberOfKeys (" + std::to_string(r.number_of_keys) + ") keys, got none";
    }
    if (key_version) {
        r.keys_version = static_cast<std::uint8_t>(*key_version);
    }
    if (auto e = desfire::validate(r)) {
        return *e;
    }
    return {};
}

std::string parse_commands(std::string_view body, const transport::json_limits& limits,
                           desfire::commands_request& r) {
    std::optional<std::string> aid;
    bool has_commands = false;
    auto err = for_each_field(body, [&](std::string_view key, ondemand::value v) -> std::string {
        if (key == "aid") {
            aid.emplace();
            return get_string(v, key, *aid);
        }
        if (key == "commands") {
            r.commands.clear();
            has_commands = true;
            return get_hex_list(v, key, limits.max_commands, limits.max_apdu_bytes, r.commands);
        }
        return {};
    });
    if (!err.empty()) {
        return err;
    }
    if (auto e = aid_field(aid, r.aid); !e.empty()) {
        return e;
    }
    if (!has_commands || r.commands.empty()) {
        return "commands is required: a non-empty array of native DESFire commands in hex";
    }
    if (auto e = desfire::validate(r)) {
        return *e;
    }
    return {};
}

std::string parse_delete_app(std::string_view body, desfire::delete_app_request& r) {
    std::optional<std::string> aid;
    auto err = for_each_field(body, [&](std::string_view key, ondemand::value v) -> std::string {
        if (key == "aid") {
            aid.emplace();
            return get_string(v, key, *aid);
        }
        return {};
    });
    if (!err.empty()) {
        return err;
    }
    if (auto e = aid_field(aid, r.aid); !e.empty()) {
        return e;
    }
    if (auto e = desfire::validate(r)) {
        return *e;
    }
    return {};
}

} // namespace

bool is_desfire_path(std::string_view path) noexcept {
    return path == create_app_path || path == commands_path || path == delete_app_path;
}

std::string parse_desfire_request(std::string_view path, std::string_view body,
                                  const transport::json_limits& limits, const core::key_vault& vault,
                                  std::string_view session_id, desfire_operation_request& out) {
    if (path == create_app_path) {
        desfire::create_app_request r;
        key_wiper wipe_keys{r.keys};
        if (auto err = parse_create_app(body, r); !err.empty()) {
            return err;
        }
        // Application keys are secret: the payload is stored sealed, like card keys, and opens
        // only in this session.
        core::bytes plain = desfire::encode_create_app_request(r);
        out.kind = core::kinds::desfire_create_app;
        out.payload = vault.seal(plain, core::desfire_payload_context(session_id));
        core::wipe(plain);
        return {};
    }
    if (path == commands_path) {
        desfire::commands_request r;
        if (auto err = parse_commands(body, limits, r); !err.empty()) {
            return err;
        }
        out.kind = core::kinds::desfire_commands;
        out.payload = desfire::encode_commands_request(r);
        return {};
    }
    if (path == delete_app_path) {
        desfire::delete_app_request r;
        if (auto err = parse_delete_app(body, r); !err.empty()) {
            return err;
        }
        out.kind = core::kinds::desfire_delete_app;
        out.payload = desfire::encode_delete_app_request(r);
        return {};
    }
    return "no such DESFire operation";
}

} // namespace tsm::tsmd
