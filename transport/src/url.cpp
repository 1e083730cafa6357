// parse_http_url: the one place that decides which Service Provider URLs the client accepts.
#include "tsm/transport/http_client.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace tsm::transport {

namespace {

namespace urls = boost::urls;

// A port must be 1..65535 in decimal; Boost.URL accepts any digit string ("99999" wraps).
bool parse_port(std::string_view p, std::string& out) {
    if (p.empty() || p.size() > 5) {
        return false;
    }
    unsigned v = 0;
    for (char c : p) {
        if (c < '0' || c > '9') {
            return false;
        }
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v < 1 || v > 65535) {
        return false;
    }
    out = std::to_string(v); // canonical, so "0080" and "80" share a pool
    return true;
}

// Host names go into the pool key, SNI and the Host header verbatim; anything outside the DNS
// alphabet (percent-escapes included) is refused rather than decoded into something surprising.
bool valid_host_name(std::string_view h) {
    if (h.empty() || h.size() > 253) {
        return false;
    }
    return std::all_of(h.begin(), h.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
    });
}

} // namespace

bool parse_http_url(const std::string& url, parsed_url& out) {
    // parse_uri rather than parse_absolute_uri: a fragment is legal in a URL an SP hands us, it
    // just never goes on the wire.
    auto r = urls::parse_uri(url);
    if (!r) {
        return false;
    }
    const urls::url_view u = *r;
    bool tls = false;
    if (u.scheme_id() == urls::scheme::https) {
        tls = true;
    } else if (u.scheme_id() != urls::scheme::http) {
        return false;
    }
    if (!u.has_authority()) {
        return false;
    }
    // Userinfo is accepted but ignored: credentials in SP URLs are never sent.
    std::string host;
    switch (u.host_type()) {
    case urls::host_type::name: {
        std::string_view h = u.encoded_host();
        if (!valid_host_name(h)) {
            return false;
        }
        host.assign(h);
        std::transform(host.begin(), host.end(), host.begin(),
                       [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
        break;
    }
    case urls::host_type::ipv4:
    case urls::host_type::ipv6:
        host = u.host_address(); // without brackets: what the resolver and verifier want
        break;
    default: return false; // IPvFuture and empty hosts
    }
    if (host.empty()) {
        return false;
    }
    std::string port;
    if (u.has_port()) {
        if (!parse_port(u.port(), port)) {
            return false;
        }
    } else {
        port = tls ? "443" : "80";
    }
    std::string target(u.encoded_path());
    if (target.empty()) {
        target = "/";
    } else if (target.front() != '/') {
        return false;
    }
    if (u.has_query()) {
        target += '?';
        target += u.encoded_query();
    }
    out.tls = tls;
    out.host = std::move(host);
    out.port = std::move(port);
    out.target = std::move(target);
    return true;
}

} // namespace tsm::transport
