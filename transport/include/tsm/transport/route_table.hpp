#pragma once
/// Request routing for the API adapters: path pattern -> allowed methods -> handler. Patterns are
/// split on '/'; a `{name}` segment matches one non-empty segment and is captured, a trailing `*`
/// matches the rest (possibly empty). The first pattern that matches the path wins; a matching
/// path with another method answers 405 method-not-allowed with an Allow header, no match 404.
/// Built once at start-up, then read-only: safe to use from every shard.
#include "tsm/transport/http_types.hpp"

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::transport {

/// The values captured by `{name}` segments, in pattern order.
struct route_match {
    std::vector<std::string_view> params;
    std::string_view rest; ///< what a trailing `*` matched
    std::string_view param(std::size_t i) const { return i < params.size() ? params[i] : std::string_view{}; }
};

class route_table {
public:
    using handler = std::function<void(http_request& req, const route_match& m, http_responder& respond)>;

    /// Adds `pattern` for `methods` ("GET", "PUT", …). Throws std::logic_error for a malformed
    /// pattern or an empty method list (start-up wiring mistakes).
    void add(std::string_view pattern, std::initializer_list<std::string_view> methods, handler h);

    /// Routes `req`: calls the handler, or responds 404 / 405. Returns false when no pattern
    /// matched the path (the caller may try something else before answering 404).
    bool dispatch(http_request& req, http_responder& respond, bool answer_not_found = true) const;

private:
    struct route {
        std::vector<std::string> segments;
        bool tail = false;
        std::vector<std::string> methods;
        handler h;
    };
    static bool match(const route& r, const std::vector<std::string_view>& segs, std::string_view path,
                      route_match& out);
    std::vector<route> routes_;
};

} // namespace tsm::transport
