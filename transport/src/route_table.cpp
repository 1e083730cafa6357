#include "tsm/transport/route_table.hpp"

#include <stdexcept>

namespace tsm::transport {
namespace {

/// Splits "/a/b/c" into "a", "b", "c"; "/" and "" give nothing; "/a/" gives "a", "".
std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    if (!path.empty() && path.front() == '/') {
        path.remove_prefix(1);
    }
    if (path.empty()) {
        return out;
    }
    while (true) {
        auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) {
            break;
        }
        path.remove_prefix(slash + 1);
    }
    return out;
}

bool is_param(std::string_view seg) {
    return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

} // namespace

void route_table::add(std::string_view pattern, std::initializer_list<std::string_view> methods, handler h) {
    if (pattern.empty() || pattern.front() != '/' || methods.size() == 0 || !h) {
        throw std::logic_error("bad route '" + std::string(pattern) + "'");
    }
    route r;
    auto segs = split_path(pattern);
    for (std::size_t i = 0; i < segs.size(); ++i) {
        if (segs[i] == "*") {
            if (i + 1 != segs.size()) {
                throw std::logic_error("'*' must end route '" + std::string(pattern) + "'");
            }
            r.tail = true;
            break;
        }
        r.segments.emplace_back(segs[i]);
    }
    for (auto m : methods) {
        r.methods.emplace_back(m);
    }
    r.h = std::move(h);
    routes_.push_back(std::move(r));
}

bool route_table::match(const route& r, const std::vector<std::string_view>& segs, std::string_view path,
                        route_match& out) {
    if (segs.size() < r.segments.size() || (!r.tail && segs.size() != r.segments.size())) {
        return false;
    }
    out.params.clear();
    for (std::size_t i = 0; i < r.segments.size(); ++i) {
        if (is_param(r.segments[i])) {
            if (segs[i].empty()) {
                return false;
            }
            out.params.push_back(segs[i]);
        } else if (segs[i] != r.segments[i]) {
            return false;
        }
    }
    out.rest = {};
    if (r.tail && segs.size() > r.segments.size()) {
        const char* begin = segs[r.segments.size()].data();
        out.rest = std::string_view(begin, static_cast<std::size_t>(path.data() + path.size() - begin));
    }
    return true;
}

bool route_table::dispatch(http_request& req, http_responder& respond, bool answer_not_found) const {
    const std::string_view path = req.path();
    const auto segs = split_path(path); // once: the table is tried route by route
    route_match m;
    const route* path_match = nullptr;
    for (const auto& r : routes_) {
        if (!match(r, segs, path, m)) {
            continue;
        }
        for (const auto& method : r.methods) {
            if (method == req.method) {
                r.h(req, m, respond);
                return true;
            }
        }
        if (path_match == nullptr) {
            path_match = &r;
        }
    }
    if (path_match != nullptr) {
        std::string allow;
        std::string use;
        for (std::size_t i = 0; i < path_match->methods.size(); ++i) {
            const auto& method = path_match->methods[i];
            allow += (i == 0 ? "" : ", ") + method;
            use += (i == 0 ? "" : i + 1 == path_match->methods.size() ? " or " : ", ") + method;
        }
        auto res =
            make_error_response(core::make_api_error(core::api_errc::method_not_allowed, "use " + use));
        res.headers.emplace_back("Allow", allow);
        respond(std::move(res));
        return true;
    }
    if (answer_not_found) {
        respond(make_error_response(core::make_api_error(core::api_errc::not_found, "no such resource")));
        return true;
    }
    return false;
}

} // namespace tsm::transport
