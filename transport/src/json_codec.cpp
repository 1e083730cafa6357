#include "tsm/transport/json_codec.hpp"

#include <simdjson.h>

namespace tsm::transport {
namespace ondemand = simdjson::ondemand;

namespace {

/// One parser and padded buffer per thread: shards are single-threaded, so no sharing.
struct parse_context {
    ondemand::parser parser;
    simdjson::padded_string buffer;
};

parse_context& context() {
    thread_local parse_context ctx;
    return ctx;
}

/// Copies `json` into the thread's padded buffer and starts iterating.
simdjson::simdjson_result<ondemand::document> iterate(std::string_view json) {
    auto& ctx = context();
    if (ctx.buffer.size() < json.size()) {
        ctx.buffer = simdjson::padded_string(json.size() * 2);
    }
    std::memcpy(ctx.buffer.data(), json.data(), json.size());
    return ctx.parser.iterate(ctx.buffer.data(), json.size(), ctx.buffer.size() + simdjson::SIMDJSON_PADDING);
}

/// True when nothing but whitespace follows the value just consumed.
bool at_end(ondemand::document& doc) {
    const char* p = nullptr;
    return doc.current_location().get(p) != simdjson::SUCCESS;
}

std::string get_string(ondemand::value v, std::string& out, std::string_view field) {
    std::string_view sv;
    if (v.get_string().get(sv)) {
        return std::string(field) + " must be a string";
    }
    out.assign(sv);
    return {};
}

std::string get_hex_list(ondemand::value v, const json_limits& limits, std::vector<core::bytes>& out,
                         std::string_view field, bool allow_empty_items) {
    ondemand::array arr;
    if (v.get_array().get(arr)) {
        return std::string(field) + " must be an array of hex strings";
    }
    for (auto item : arr) {
        std::string_view sv;
        if (item.get_string().get(sv)) {
            return std::string(field) + " must be an array of hex strings";
        }
        if (out.size() >= limits.max_commands) {
            return std::string(field) + ": more than " + std::to_string(limits.max_commands) + " entries";
        }
        if (sv.size() / 2 > limits.max_apdu_bytes) {
            return std::string(field) + ": entry longer than " + std::to_string(limits.max_apdu_bytes) + " bytes";
        }
        if (sv.empty() && allow_empty_items) {
            out.emplace_back();
            continue;
        }
        auto b = core::from_hex(sv);
        if (!b || sv.empty()) {
            return std::string(field) + ": entry " + std::to_string(out.size()) + " is not valid hex";
        }
        out.push_back(std::move(*b));
    }
    return {};
}

/// Parses `json` as one object and calls `on_field(key, value)` for each member, in order; stops
/// at the first error `on_field` returns. Checks that nothing follows the object.
template <class OnField>
std::string for_each_field(std::string_view json, OnField&& on_field) {
    ondemand::document doc;
    if (iterate(json).get(doc)) {
        return "not valid JSON";
    }
    ondemand::object obj;
    if (doc.get_object().get(obj)) {
        return "the body must be a JSON object";
    }
    for (auto field : obj) {
        std::string_view key;
        ondemand::value v;
        if (field.unescaped_key().get(key) || field.value().get(v)) {
            return "not valid JSON";
        }
        if (std::string err = on_field(key, v); !err.empty()) {
            return err;
        }
    }
    if (!at_end(doc)) {
        return "trailing content after the JSON object";
    }
    return {};
}

/// A full validating parse: on-demand skips over nested values without checking them, and raw
/// JSON we relay (descriptions, fields, messages) must be valid all the way down.
bool valid_object_text(std::string_view json) {
    thread_local simdjson::dom::parser dom;
    simdjson::dom::element root;
    if (dom.parse(json.data(), json.size(), true).get(root)) {
        return false;
    }
    return root.is_object();
}

std::string raw_object(ondemand::value v, std::string& out, std::string_view field) {
    ondemand::object obj;
    if (v.get_object().get(obj)) {
        return std::string(field) + " must be an object";
    }
    std::string_view raw;
    if (obj.raw_json().get(raw) || !valid_object_text(raw)) {
        return std::string(field) + " is not valid JSON";
    }
    out.assign(raw);
    return {};
}

} // namespace

std::string decode_commands_body(std::string_view json, const json_limits& limits,
                                 std::vector<core::bytes>& commands) {
    bool seen = false;
    auto err = for_each_field(json, [&](std::string_view key, ondemand::value v) -> std::string {
        if (key != "commands") {
            return {};
        }
        seen = true;
        return get_hex_list(v, limits, commands, "commands", false);
    });
    if (!err.empty()) {
        return err;
    }
    if (!seen) {
        return "missing commands";
    }
    if (commands.empty()) {
        return "commands must not be empty";
    }
    return {};
}

std::string decode_completed_body(std::string_view json, bool& success, std::string& message_json) {
    bool seen_success = false;
    auto err = for_each_field(json, [&](std::string_view key, ondemand::value v) -> std::string {
        if (key == "success") {
            if (v.get_bool().get(success)) {
                return "success must be a boolean";
            }
            seen_success = true;
            return {};
        }
        if (key != "message") {
            return {};
        }
        ondemand::json_type t;
        if (v.type().get(t)) {
            return "not valid JSON";
        }
        if (t == ondemand::json_type::object) {
            return raw_object(v, message_json, "message");
        }
        if (t != ondemand::json_type::string) {
            return "message must be a string or an object of translations";
        }
        std::string_view raw = v.raw_json_token();
        // raw_json_token may include trailing whitespace.
        while (!raw.empty() && raw.back() != '"') {
            raw.remove_suffix(1);
        }
        std::string_view check;
        if (v.get_string().get(check)) {
            return "message must be a valid string";
        }
        message_json.assign(raw);
        return {};
    });
    if (!err.empty()) {
        return err;
    }
    if (!seen_success) {
        return "missing success";
    }
    return {};
}

std::string decode_app_body(std::string_view json, app_body& out) {
    return for_each_field(json, [&](std::string_view key, ondemand::value v) -> std::string {
        if (key == "key") {
            return get_string(v, out.key_hex, "key");
        }
        if (key == "descriptionUrl") {
            return get_string(v, out.description_url, "descriptionUrl");
        }
        if (key == "deliveryUrl") {
            return get_string(v, out.delivery_url, "deliveryUrl");
        }
        if (key == "deliveryMethod") {
            return get_string(v, out.delivery_method, "deliveryMethod");
        }
        if (key != "callbackPrefixes") {
            return {};
        }
        ondemand::array arr;
        if (v.get_array().get(arr)) {
            return "callbackPrefixes must be an array of strings";
        }
        for (auto item : arr) {
            std::string_view sv;
            if (item.get_string().get(sv)) {
                return "callbackPrefixes must be an array of strings";
            }
            out.callback_prefixes.emplace_back(sv);
        }
        return {};
    });
}

std::string decode_card_keys_body(std::string_view json, card_keys_body& out) {
    return for_each_field(json, [&](std::string_view key, ondemand::value v) -> std::string {
        if (key == "kvn") {
            return v.get_int64().get(out.kvn) ? "kvn must be an integer" : "";
        }
        static constexpr std::pair<std::string_view, std::string card_keys_body::*> strings[] = {
            {"iin", &card_keys_body::iin}, {"isd", &card_keys_body::isd}, {"scp", &card_keys_body::scp},
            {"enc", &card_keys_body::enc}, {"mac", &card_keys_body::mac}, {"dek", &card_keys_body::dek},
            {"diversification", &card_keys_body::diversification},
            {"securityLevel", &card_keys_body::security_level}};
        for (const auto& [name, member] : strings) {
            if (key == name) {
                return get_string(v, out.*member, name);
            }
        }
        return {};
    });
}

std::string decode_ccm_body(std::string_view json, ccm_body& out) {
    return for_each_field(json, [&](std::string_view key, ondemand::value v) -> std::string {
        if (key == "withRelated") {
            bool b = false;
            if (v.get_bool().get(b)) {
                return "withRelated must be a boolean";
            }
            out.with_related = b;
            return {};
        }
        static constexpr std::pair<std::string_view, std::string ccm_body::*> strings[] = {
            {"executableLoadFile", &ccm_body::executable_load_file},
            {"executableModule", &ccm_body::executable_module},
            {"application", &ccm_body::application},
            {"parameters", &ccm_body::parameters},
            {"privileges", &ccm_body::privileges},
            {"tagType", &ccm_body::tag_type},
            {"data", &ccm_body::data}};
        for (const auto& [name, member] : strings) {
            if (key == name) {
                return get_string(v, out.*member, name);
            }
        }
        return {};
    });
}

bool is_json_object(std::string_view json) {
    return valid_object_text(json);
}

} // namespace tsm::transport
