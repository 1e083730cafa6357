#pragma once
/// tsm-touchpoint command lines for the option tests: the required options plus `extra`.
#include "touchpoint/touchpoint_options.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace tsm::test {

/// --url, --app and --service (placeholders), then `extra`.
inline std::vector<std::string> base_args(std::vector<std::string> extra) {
    std::vector<std::string> a{"--url", "ws://h:1/touchpoint/v1", "--app", "a", "--service", "s"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

/// The options parsed from base_args(extra); a parse error fails the test.
inline tools::touchpoint::touchpoint_options parse_ok(std::vector<std::string> extra) {
    auto r = tools::touchpoint::parse_touchpoint_args(base_args(std::move(extra)));
    BOOST_REQUIRE_MESSAGE(r.options.has_value(), r.error);
    return *r.options;
}

} // namespace tsm::test
