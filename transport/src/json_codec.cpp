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

std::string decode_touch_point_message(std::string_view json, const json_limits& limits,
                                       touch_point_message& out) {
    ondemand::document doc;
    if (iterate(json).get(doc)) {
        return "not valid JSON";
    }
    ondemand::object obj;
    if (doc.get_object().get(obj)) {
        return "a message must be a JSON object";
    }
    bool has_type = false;
    for (auto field : obj) {
        std::string_view key;
        if (field.unescaped_key().get(key)) {
            return "not valid JSON";
        }
        ondemand::value v;
        if (field.value().get(v)) {
            return "not valid JSON";
        }
        std::string err;
        if (key == "type") {
            has_type = true;
            err = get_string(v, out.type_name, "type");
        } else if (key == "appId") {
            err = get_string(v, out.app_id, "appId");
        } else if (key == "serviceId") {
            err = get_string(v, out.service_id, "serviceId");
        } else if (key == "sessionId") {
            err = get_string(v, out.session_id, "sessionId");
        } else if (key == "resumeToken") {
            err = get_string(v, out.resume_token, "resumeToken");
        } else if (key == "code") {
            err = get_string(v, out.code, "code");
        } else if (key == "message") {
            ondemand::json_type t;
            if (v.type().get(t)) {
                return "not valid JSON";
            }
            if (t == ondemand::json_type::string) {
                std::string_view sv;
                if (v.get_string().get(sv)) {
                    return "message must be a valid string";
                }
                out.message.assign(sv);
            } else if (t == ondemand::json_type::object) {
                err = raw_object(v, out.message, "message");
            } else {
                // Other values are kept as their JSON text (arrays, numbers, booleans).
                std::string_view raw;
                if (t == ondemand::json_type::array) {
                    ondemand::array arr;
                    if (v.get_array().get(arr) || arr.raw_json().get(raw)) {
                        return "not valid JSON";
                    }
                } else {
                    raw = v.raw_json_token();
                }
                while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
                    raw.remove_suffix(1);
                }
                out.message.assign(raw);
            }
        } else if (key == "batch") {
            if (v.get_uint64().get(out.batch)) {
                return "batch must be a non-negative integer";
            }
        } else if (key == "responses") {
            err = get_hex_list(v, limits, out.responses, "responses", false);
        } else if (key == "fields") {
            err = raw_object(v, out.fields_json, "fields");
        } else if (key == "cardId") {
            ondemand::object card;
            if (v.get_object().get(card)) {
                return "cardId must be an object";
            }
            for (auto cf : card) {
                std::string_view ck;
                if (cf.unescaped_key().get(ck)) {
                    return "not valid JSON";
                }
                ondemand::value cv;
                if (cf.value().get(cv)) {
                    return "not valid JSON";
                }
                if (ck == "iin") {
                    err = get_string(cv, out.iin, "cardId.iin");
                } else if (ck == "cin") {
                    err = get_string(cv, out.cin, "cardId.cin");
                } else if (ck == "platformVersion") {
                    if (cv.get_int64().get(out.platform_version)) {
                        return "cardId.platformVersion must be an integer";
                    }
                }
                if (!err.empty()) {
                    return err;
                }
            }
        }
        if (!err.empty()) {
            return err;
        }
    }
    if (!at_end(doc)) {
        return "trailing content after the JSON object";
    }
    if (!has_type) {
        return "missing type";
    }
    using k = touch_point_message::kind;
    if (out.type_name == "describe") {
        out.type = k::describe;
    } else if (out.type_name == "deliver") {
        out.type = k::deliver;
    } else if (out.type_name == "responses") {
        out.type = k::responses;
    } else if (out.type_name == "resume") {
        out.type = k::resume;
    } else if (out.type_name == "status") {
        out.type = k::status;
    } else {
        out.type = k::unknown;
    }
    return {};
}

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
