#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace tsm::core;

BOOST_AUTO_TEST_SUITE(hex)

BOOST_AUTO_TEST_CASE(round_trips_every_byte_value) {
    std::string all;
    for (int i = 0; i < 256; ++i) {
        all.push_back(static_cast<char>(i));
    }
    const std::string h = to_hex(all);
    BOOST_TEST(h.size() == 512u);
    const auto back = from_hex(h);
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST(*back == all);
}

BOOST_AUTO_TEST_CASE(emits_upper_case) {
    BOOST_TEST(to_hex(std::string("\x00\xab\xcd\xef\x90", 5)) == "00ABCDEF90");
}

BOOST_AUTO_TEST_CASE(accepts_either_case_and_mixed_case) {
    const auto lower = from_hex("a0b1cdef");
    const auto upper = from_hex("A0B1CDEF");
    const auto mixed = from_hex("a0B1cDeF");
    BOOST_REQUIRE(lower && upper && mixed);
    BOOST_TEST(*lower == std::string("\xa0\xb1\xcd\xef"));
    BOOST_TEST(*upper == *lower);
    BOOST_TEST(*mixed == *lower);
}

BOOST_AUTO_TEST_CASE(append_hex_appends_after_existing_content) {
    std::string out = "x:";
    append_hex(out, "\x01\xfe");
    BOOST_TEST(out == "x:01FE");
}

BOOST_AUTO_TEST_CASE(rejects_odd_length) {
    BOOST_TEST(!from_hex("ABC").has_value());
    BOOST_TEST(!from_hex("0").has_value());
    BOOST_TEST(!is_hex("ABC"));
}

BOOST_AUTO_TEST_CASE(rejects_non_hex_digits) {
    BOOST_TEST(!from_hex("0G").has_value());
    BOOST_TEST(!from_hex("g0").has_value());
    BOOST_TEST(!from_hex("00 1").has_value());
    BOOST_TEST(!from_hex("0x12").has_value());
    BOOST_TEST(!from_hex("12:3").has_value());
    BOOST_TEST(!is_hex("0G"));
    BOOST_TEST(!is_hex("/0")); // '/' is just below '0'
    BOOST_TEST(!is_hex("@A")); // '@' is just below 'A'
}

BOOST_AUTO_TEST_CASE(empty_input_decodes_to_empty_but_is_not_hex) {
    const auto e = from_hex("");
    BOOST_REQUIRE(e.has_value());
    BOOST_TEST(e->empty());
    BOOST_TEST(to_hex("").empty());
    BOOST_TEST(!is_hex(""));
}

BOOST_AUTO_TEST_CASE(is_hex_accepts_even_length_digits_of_either_case) {
    BOOST_TEST(is_hex("00a4040007A0000001510000"));
    BOOST_TEST(is_hex("ff"));
}

BOOST_AUTO_TEST_SUITE_END()
