#pragma once
/// Small readers for the JSON the touch point reads (multilang texts, optional fields), in every
/// dialect. Header-only; pure functions.
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace tsm::tools::touchpoint {

inline std::optional<boost::json::object> parse_json_object(std::string_view text) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    return std::move(v.get_object());
}

inline std::string json_string(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

/// A multilang text ({"en": "...", ...}, English preferred) or a plain string.
inline std::string json_text(const boost::json::value* v) {
    if (!v) {
        return {};
    }
    if (v->is_string()) {
        return std::string(v->get_string());
    }
    if (v->is_object()) {
        const auto& o = v->get_object();
        if (auto en = json_string(o, "en"); !en.empty()) {
            return en;
        }
        for (const auto& kv : o) {
            if (kv.value().is_string()) {
                return std::string(kv.value().get_string());
            }
        }
    }
    return {};
}

} // namespace tsm::tools::touchpoint
