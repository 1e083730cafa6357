#include "tsm/core/app_validation.hpp"

#include "tsm/core/app_directory.hpp"

namespace tsm::core {
namespace {

api_error bad(std::string message) {
    return make_api_error(api_errc::bad_request, std::move(message));
}

bool valid_app_id(std::string_view s) {
    if (s.empty() || s.size() > 64) {
        return false;
    }
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'
              || c == '_')) {
            return false;
        }
    }
    return true;
}

} // namespace

api_result<app_record> validate_app(const app_definition& def, const secret_hasher& hasher,
                                    const url_check& is_http_url) {
    if (!valid_app_id(def.app_id)) {
        return bad("appId must be 1-64 characters of [0-9A-Za-z_-]");
    }
    if (def.key.empty()) {
        return bad("key must be a non-empty hex string");
    }
    if (!is_http_url(def.description_url)) {
        return bad("descriptionUrl must be an absolute http(s) URL");
    }
    if (!is_http_url(def.delivery_url)) {
        return bad("deliveryUrl must be an absolute http(s) URL");
    }
    if (def.delivery_method != "PUT" && def.delivery_method != "POST") {
        return bad("deliveryMethod must be PUT or POST");
    }
    if (def.callback_prefixes.empty()) {
        return bad("callbackPrefixes must list at least one http(s) URL prefix");
    }
    for (const auto& p : def.callback_prefixes) {
        if (!is_http_url(p)) {
            return bad("every callbackPrefix must be an absolute http(s) URL prefix");
        }
    }
    app_record out;
    out.app_id = def.app_id;
    out.key_hash = hasher.digest(app_directory::key_context, def.key);
    out.description_url = def.description_url;
    while (!out.description_url.empty() && out.description_url.back() == '/') {
        out.description_url.pop_back();
    }
    out.delivery_url = def.delivery_url;
    out.delivery_method = def.delivery_method;
    out.callback_prefixes = def.callback_prefixes;
    return out;
}

} // namespace tsm::core
