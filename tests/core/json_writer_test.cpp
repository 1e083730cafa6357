#include "tsm/core/json_writer.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace core = tsm::core;
using tsm::core::append_json_string;

namespace bj = boost::json;

BOOST_AUTO_TEST_SUITE(json_writer)

BOOST_AUTO_TEST_CASE(writes_nested_objects_and_arrays_with_commas) {
    core::json_writer w;
    w.begin_object();
    w.key("a").value(1);
    w.key("b").begin_array().value("x").value(true).null().begin_object().end_object().end_array();
    w.key("c").begin_object().key("d").value(false).key("e").begin_array().end_array().end_object();
    w.end_object();
    BOOST_TEST(w.str() == R"({"a":1,"b":["x",true,null,{}],"c":{"d":false,"e":[]}})");
}

BOOST_AUTO_TEST_CASE(writes_top_level_array_of_objects) {
    core::json_writer w;
    w.begin_array();
    w.begin_object().key("k").value(1).end_object();
    w.begin_object().key("k").value(2).end_object();
    w.end_array();
    BOOST_TEST(w.str() == R"([{"k":1},{"k":2}])");
}

BOOST_AUTO_TEST_CASE(writes_integer_extremes) {
    core::json_writer w;
    w.begin_array()
        .value(std::numeric_limits<std::int64_t>::min())
        .value(std::numeric_limits<std::uint64_t>::max())
        .value(-1)
        .value(7u)
        .end_array();
    BOOST_TEST(w.str() == "[-9223372036854775808,18446744073709551615,-1,7]");
}

BOOST_AUTO_TEST_CASE(escapes_quotes_backslashes_and_control_characters) {
    core::json_writer w;
    const std::string s = std::string("q\"b\\n\nr\rt\tb\bf\fz") + '\0' + "\x01\x1f" + "\x7f" + "é";
    w.begin_object().key("k\"ey").value(s).end_object();
    BOOST_TEST(w.str()
               == std::string(R"({"k\"ey":"q\"b\\n\nr\rt\tb\bf\fz\u0000\u0001\u001f)") + "\x7f" + "é\"}");
    // And it parses back to the same text.
    const bj::value v = bj::parse(w.str());
    BOOST_TEST(std::string(v.at("k\"ey").as_string().c_str(), v.at("k\"ey").as_string().size()) == s);
}

BOOST_AUTO_TEST_CASE(append_json_string_quotes_and_escapes) {
    std::string out = "=";
    append_json_string(out, "a\"b");
    BOOST_TEST(out == R"(="a\"b")");
}

BOOST_AUTO_TEST_CASE(raw_inserts_json_verbatim_with_separators) {
    core::json_writer w;
    w.begin_object().key("a").raw(R"({"x":[1,2]})").key("b").raw("null").end_object();
    w.str(); // NOLINT
    BOOST_TEST(w.str() == R"({"a":{"x":[1,2]},"b":null})");
    core::json_writer arr;
    arr.begin_array().raw("1").raw("\"two\"").end_array();
    BOOST_TEST(arr.str() == R"([1,"two"])");
}

BOOST_AUTO_TEST_CASE(hex_value_writes_upper_case_hex_string) {
    core::json_writer w;
    w.begin_array().hex_value(std::string("\x90\x00", 2)).hex_value("").hex_value("\xab").end_array();
    BOOST_TEST(w.str() == R"(["9000","","AB"])");
}

BOOST_AUTO_TEST_CASE(rvalue_str_moves_the_text_out) {
    core::json_writer w;
    w.begin_object().key("a").value("b").end_object();
    const std::string s = std::move(w).str();
    BOOST_TEST(s == R"({"a":"b"})");
}

BOOST_AUTO_TEST_SUITE_END()
