#pragma once
/// h("0A1B"): bytes from a hex literal written in a test; bad hex fails the test.
#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <string_view>

namespace tsm::test {

inline core::bytes h(std::string_view hex) {
    auto b = core::from_hex(hex);
    BOOST_REQUIRE_MESSAGE(b.has_value(), "bad hex in test: " << hex);
    return *b;
}

} // namespace tsm::test
