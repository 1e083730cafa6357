#include "authentication.hpp"

#include "tsm/core/key_vault.hpp"

#include <sodium.h>

#include <optional>
#include <string>

namespace tsm::transport::sp_api {
namespace {

/// Wipes a credential string when it goes out of scope.
struct wiped_string {
    std::string s;
    wiped_string() = default;
    wiped_string(const wiped_string&) = delete;
    wiped_string& operator=(const wiped_string&) = delete;
    ~wiped_string() { sodium_memzero(s.data(), s.size()); }
};

bool decode_base64(std::string_view in, wiped_string& out) {
    out.s.assign(in.size(), '\0');
    std::size_t len = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.s.data()), out.s.size(), in.data(), in.size(),
                          " \t", &len, nullptr, sodium_base64_VARIANT_ORIGINAL)
        != 0) {
        return false;
    }
    out.s.resize(len);
    return true;
}

bool has_scheme(std::string_view header, std::string_view scheme) {
    // "Basic " / "basic ": the scheme, a space, and something after it.
    if (header.size() <= scheme.size() + 1 || header[scheme.size()] != ' ') {
        return false;
    }
    const char first = header[0];
    return (first == scheme[0] || first == static_cast<char>(scheme[0] - 'A' + 'a'))
           && header.substr(1, scheme.size() - 1) == scheme.substr(1);
}

} // namespace

core::api_result<const core::app_record*>
authenticate(const http_request& req, const core::app_directory& apps, const core::secret_hasher& hasher) {
    std::string app_id;
    wiped_string key_text;
    if (auto id = req.header("app_id")) {
        app_id.assign(*id);
    }
    if (auto key = req.header("app_key")) {
        key_text.s.assign(*key);
    } else if (auto auth = req.header("Authorization")) {
        const std::string_view a = *auth;
        if (has_scheme(a, "Basic")) {
            wiped_string decoded;
            if (decode_base64(a.substr(6), decoded)) {
                const auto colon = decoded.s.find(':');
                if (colon != std::string::npos) {
                    app_id = decoded.s.substr(0, colon);
                    key_text.s.assign(decoded.s, colon + 1); // keys may contain ':': split at the first
                }
            }
        } else if (has_scheme(a, "Bearer")) {
            key_text.s.assign(a.substr(7));
        }
    }
    const core::app_record* app = nullptr;
    if (core::is_hex(key_text.s)) {
        if (auto key = core::from_hex(key_text.s)) {
            app = apps.authenticate(app_id, *key, hasher);
            core::wipe(*key);
        }
    }
    if (app == nullptr) {
        return core::make_api_error(core::api_errc::unauthorized,
                                    "missing or wrong credentials (app_id/app_key, Basic or Bearer)");
    }
    return app;
}

http_response unauthorized_response(const core::api_error& e) {
    auto r = make_error_response(e);
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"opentsm\"");
    return r;
}

} // namespace tsm::transport::sp_api
