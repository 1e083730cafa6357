#include "tsm/transport/json_reader.hpp"

#include "tsm/core/key_vault.hpp"

#include <sodium.h>

#include <cstring>

namespace tsm::transport::json {
namespace ondemand = simdjson::ondemand;

namespace {

/// One on-demand parser and padded buffer per thread. The buffer only grows; secret bodies are
/// wiped from it before read_object returns.
struct thread_context {
    ondemand::parser parser;
    simdjson::padded_string buffer;
};

thread_context& context() {
    thread_local thread_context ctx;
    return ctx;
}

core::api_error bad(std::string message) {
    return core::make_api_error(core::api_errc::bad_request, std::move(message));
}

core::api_error bad(std::string_view field, std::string_view what) {
    return bad(std::string(field) + " " + std::string(what));
}

/// Wipes the used part of the thread's buffer when a secret body's walk ends.
class wipe_on_exit {
public:
    wipe_on_exit(simdjson::padded_string& buf, std::size_t used, bool active) noexcept
        : buf_(buf), used_(used), active_(active) {}
    ~wipe_on_exit() {
        if (active_) {
            sodium_memzero(buf_.data(), used_);
        }
    }
    wipe_on_exit(const wipe_on_exit&) = delete;
    wipe_on_exit& operator=(const wipe_on_exit&) = delete;

private:
    simdjson::padded_string& buf_;
    std::size_t used_;
    bool active_;
};

core::api_status walk(ondemand::object& obj, const member_fn& on_member) {
    for (auto member : obj) {
        std::string_view key;
        value v;
        if (member.unescaped_key().get(key) || member.value().get(v)) {
            return bad("not valid JSON");
        }
        if (auto st = on_member(key, v); !st) {
            return st;
        }
    }
    return {};
}

/// A full validating parse: on-demand skips nested values without checking them, and raw JSON
/// we relay (descriptions, fields, messages) must be valid all the way down.
bool valid_object_text(std::string_view text) {
    thread_local simdjson::dom::parser dom;
    simdjson::dom::element root;
    if (dom.parse(text.data(), text.size(), true).get(root)) {
        return false;
    }
    return root.is_object();
}

std::string_view trim_right(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

} // namespace

core::api_status read_object(std::string_view body, body_secrecy secrecy, const member_fn& on_member) {
    auto& ctx = context();
    if (ctx.buffer.size() < body.size()) {
        // Secret bodies are wiped after each walk, so the old buffer holds nothing secret.
        ctx.buffer = simdjson::padded_string(body.size() * 2);
    }
    std::memcpy(ctx.buffer.data(), body.data(), body.size());
    wipe_on_exit wipe(ctx.buffer, body.size(), secrecy == body_secrecy::secret);
    ondemand::document doc;
    if (ctx.parser.iterate(ctx.buffer.data(), body.size(), ctx.buffer.size() + simdjson::SIMDJSON_PADDING)
            .get(doc)) {
        return bad("not valid JSON");
    }
    ondemand::object obj;
    if (doc.get_object().get(obj)) {
        return bad("the body must be a JSON object");
    }
    if (auto st = walk(obj, on_member); !st) {
        return st;
    }
    const char* rest = nullptr;
    if (doc.current_location().get(rest) == simdjson::SUCCESS) {
        return bad("trailing content after the JSON object");
    }
    return {};
}

core::api_status read_members(value& v, std::string_view field, const member_fn& on_member) {
    ondemand::object obj;
    if (v.get_object().get(obj)) {
        return bad(field, "must be an object");
    }
    return walk(obj, on_member);
}

core::api_status read_string(value& v, std::string_view field, std::string& out) {
    std::string_view sv;
    if (v.get_string().get(sv)) {
        return bad(field, "must be a string");
    }
    out.assign(sv);
    return {};
}

core::api_status read_bool(value& v, std::string_view field, bool& out) {
    if (v.get_bool().get(out)) {
        return bad(field, "must be a boolean");
    }
    return {};
}

core::api_status read_int(value& v, std::string_view field, std::int64_t lo, std::int64_t hi,
                          std::int64_t& out) {
    std::int64_t n = 0;
    if (v.get_int64().get(n) || n < lo || n > hi) {
        return bad(std::string(field) + " must be an integer from " + std::to_string(lo) + " to "
                   + std::to_string(hi));
    }
    out = n;
    return {};
}

core::api_status read_uint(value& v, std::string_view field, std::uint64_t& out) {
    if (v.get_uint64().get(out)) {
        return bad(field, "must be a non-negative integer");
    }
    return {};
}

core::api_status read_string_list(value& v, std::string_view field, std::vector<std::string>& out) {
    ondemand::array arr;
    if (v.get_array().get(arr)) {
        return bad(field, "must be an array of strings");
    }
    for (auto item : arr) {
        std::string_view sv;
        if (item.get_string().get(sv)) {
            return bad(field, "must be an array of strings");
        }
        out.emplace_back(sv);
    }
    return {};
}

/// The text of a JSON string that holds hex, read in place from the (wiped) input buffer: hex
/// needs no unescaping, so a secret never passes through the parser's own string buffer, which
/// is not wiped. nullopt for a non-string or a string with escapes (never valid hex).
std::optional<std::string_view> hex_text(value& v) {
    ondemand::raw_json_string raw;
    if (v.get_raw_json_string().get(raw)) {
        return std::nullopt;
    }
    const char* begin = raw.raw();
    const char* end = begin;
    while (*end != '"') { // the input is valid up to here and padded: the closing quote exists
        if (*end == '\\') {
            return std::nullopt;
        }
        ++end;
    }
    return std::string_view(begin, static_cast<std::size_t>(end - begin));
}

core::api_status read_hex_list(value& v, std::string_view field, const hex_list_limits& limits,
                               std::vector<core::bytes>& out) {
    ondemand::array arr;
    if (v.get_array().get(arr)) {
        return bad(field, "must be an array of hex strings");
    }
    for (auto item : arr) {
        value iv;
        if (item.get(iv)) {
            return bad("not valid JSON");
        }
        auto sv = hex_text(iv);
        if (!sv) {
            return bad(field, "must be an array of hex strings");
        }
        if (out.size() >= limits.max_items) {
            return bad(std::string(field) + ": more than " + std::to_string(limits.max_items) + " entries");
        }
        if (sv->size() / 2 > limits.max_bytes) {
            return bad(std::string(field) + ": entry longer than " + std::to_string(limits.max_bytes)
                       + " bytes");
        }
        if (sv->empty() && limits.allow_empty_items) {
            out.emplace_back();
            continue;
        }
        auto b = core::from_hex(*sv);
        if (!b || sv->empty()) {
            return bad(std::string(field) + ": entry " + std::to_string(out.size()) + " is not valid hex");
        }
        out.push_back(std::move(*b));
    }
    return {};
}

core::api_status read_hex(value& v, std::string_view field, std::size_t max_bytes, bool allow_empty,
                          core::bytes& out) {
    auto sv = hex_text(v);
    if (!sv) {
        return bad(field, "must be a hex string");
    }
    if (sv->size() / 2 > max_bytes) {
        return bad(std::string(field) + " is longer than " + std::to_string(max_bytes) + " bytes");
    }
    auto b = core::from_hex(*sv);
    if (!b || (sv->empty() && !allow_empty)) {
        return bad(field, "is not valid hex");
    }
    core::wipe(out);
    out = std::move(*b);
    return {};
}

core::api_status read_raw_object(value& v, std::string_view field, std::string& out) {
    ondemand::object obj;
    if (v.get_object().get(obj)) {
        return bad(field, "must be an object");
    }
    std::string_view raw;
    if (obj.raw_json().get(raw) || !valid_object_text(raw)) {
        return bad(field, "is not valid JSON");
    }
    out.assign(raw);
    return {};
}

core::api_status read_text_or_raw(value& v, std::string_view field, std::string& out) {
    const auto t = type_of(v);
    if (!t) {
        return bad("not valid JSON");
    }
    if (*t == ondemand::json_type::string) {
        return read_string(v, field, out);
    }
    return read_raw_value(v, field, out);
}

core::api_status read_raw_value(value& v, std::string_view field, std::string& out) {
    auto t = type_of(v);
    if (!t) {
        return bad("not valid JSON");
    }
    std::string_view raw;
    if (*t == ondemand::json_type::object) {
        return read_raw_object(v, field, out);
    }
    if (*t == ondemand::json_type::array) {
        ondemand::array arr;
        if (v.get_array().get(arr) || arr.raw_json().get(raw)) {
            return bad("not valid JSON");
        }
    } else {
        raw = v.raw_json_token();
    }
    out.assign(trim_right(raw));
    return {};
}

std::optional<ondemand::json_type> type_of(value& v) {
    ondemand::json_type t;
    if (v.type().get(t)) {
        return std::nullopt;
    }
    return t;
}

bool is_json_object(std::string_view text) {
    return valid_object_text(text);
}

} // namespace tsm::transport::json
