#include "tsm/transport/http_types.hpp"

#include "tsm/core/json_writer.hpp"

#include <strings.h>

namespace tsm::transport {

std::optional<std::string_view> http_request::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) {
            return std::string_view(v);
        }
    }
    return std::nullopt;
}

std::string_view http_request::path() const {
    std::string_view t(target);
    return t.substr(0, t.find('?'));
}

http_response make_error_response(int status, std::string_view code, std::string_view message) {
    core::json_writer w;
    w.begin_object().key("error").begin_object();
    w.key("code").value(code).key("message").value(message);
    w.end_object().end_object();
    http_response r;
    r.status = status;
    r.body = std::move(w).str();
    return r;
}

http_response make_error_response(const core::api_error& error) {
    auto r = make_error_response(error.status(), error.name(), error.message);
    if (r.status == 429 || r.status == 503) {
        r.headers.emplace_back("Retry-After", "1");
    }
    return r;
}

} // namespace tsm::transport
