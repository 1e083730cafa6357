// is_json_object: the validating check for JSON relayed verbatim (descriptions, fields, messages).
#include "tsm/transport/json_reader.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

namespace tr = tsm::transport::json;
using namespace std::string_literals;

BOOST_AUTO_TEST_SUITE(json_object_check)

// ---------------------------------------------------------------- is_json_object

BOOST_AUTO_TEST_CASE(is_json_object_accepts_objects) {
    BOOST_TEST(tr::is_json_object("{}"));
    BOOST_TEST(tr::is_json_object(R"( {"a":[1,{"b":null}],"c":"d"} )"));
}

BOOST_AUTO_TEST_CASE(is_json_object_refuses_arrays_scalars_and_broken_text) {
    for (auto j : {"[]", "[{}]", "1", "\"{}\"", "null", "true", "", "   ", R"({"a":1)", R"({"a":)", "{",
                   R"({"a":1} x)", R"({"a":1}{})", R"({"a":1} [])"}) {
        BOOST_TEST(!tr::is_json_object(j), "'" << j << "'");
    }
}

// simdjson's on-demand skip does not validate nested values: is_json_object must read them all,
// or malformed SP descriptions would be relayed verbatim to the touch point.
BOOST_AUTO_TEST_CASE(is_json_object_refuses_malformed_nested_values) {
    for (auto j : {R"({"a":tru})", R"({"a":nul})", R"({"a":01})", R"({"a":1.})", R"({"a":"\q"})",
                   R"({"a":[1,]})", R"({"a":{"b"}})", R"({"a" 1})", R"({"a":1,})"}) {
        BOOST_TEST(!tr::is_json_object(j), "'" << j << "'");
    }
}

BOOST_AUTO_TEST_SUITE_END()
