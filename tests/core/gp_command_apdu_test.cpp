#include "tsm/core/gp/command_apdu.hpp"

#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <ostream>

namespace tsm::core::gp {
inline std::ostream& boost_test_print_type(std::ostream& os, errc e) {
    return os << make_error_code(e).message();
}
} // namespace tsm::core::gp

namespace gp = tsm::core::gp;
using tsm::core::from_hex;
using tsm::core::to_hex;

namespace {

gp::result<gp::command_apdu> parse(const char* hex) {
    return gp::parse_command_apdu(*from_hex(hex));
}

std::string round_trip(const char* hex) {
    auto a = parse(hex);
    BOOST_REQUIRE(a.has_value());
    auto out = gp::encode_command_apdu(*a);
    BOOST_REQUIRE(out.has_value());
    return to_hex(*out);
}

} // namespace

BOOST_AUTO_TEST_SUITE(gp_command_apdu)

BOOST_AUTO_TEST_CASE(parses_short_cases_1_to_4) {
    auto c1 = parse("80F22002");
    BOOST_REQUIRE(c1.has_value());
    BOOST_TEST(c1->data.empty());
    BOOST_TEST(!c1->le.has_value());

    auto c2 = parse("80CA006600");
    BOOST_REQUIRE(c2.has_value());
    BOOST_TEST(c2->data.empty());
    BOOST_TEST(c2->le.value() == 0);

    auto c3 = parse("80F220020A4F0212345C054F9F70C5");
    BOOST_REQUIRE(c3.has_value());
    BOOST_TEST(c3->data.size() == 10u);
    BOOST_TEST(!c3->le.has_value());

    auto c4 = parse("80F28002024F0000");
    BOOST_REQUIRE(c4.has_value());
    BOOST_TEST(to_hex(c4->data) == "4F00");
    BOOST_TEST(c4->le.value() == 0);
    BOOST_TEST(!c4->extended);
}

BOOST_AUTO_TEST_CASE(parses_extended_cases) {
    auto c2 = parse("80CA0066000100");
    BOOST_REQUIRE(c2.has_value());
    BOOST_TEST(c2->extended);
    BOOST_TEST(c2->le.value() == 0x100);

    auto c4 = parse("80E2000000000201020000");
    BOOST_REQUIRE(c4.has_value());
    BOOST_TEST(c4->extended);
    BOOST_TEST(to_hex(c4->data) == "0102");
    BOOST_TEST(c4->le.value() == 0);
}

BOOST_AUTO_TEST_CASE(round_trips_every_case) {
    for (const char* hex : {"80F22002", "80CA006600", "80F220020A4F0212345C054F9F70C5", "80F28002024F0000",
                            "80CA0066000100", "80E2000000000201020000", "80E20000000002AABB"}) {
        BOOST_TEST(round_trip(hex) == hex);
    }
}

BOOST_AUTO_TEST_CASE(rejects_inconsistent_lengths) {
    BOOST_TEST(parse("80F220").error() == gp::errc::malformed_apdu);
    BOOST_TEST(parse("80F22002034F00").error() == gp::errc::malformed_apdu);
    BOOST_TEST(parse("80F22002014F0000").error() == gp::errc::malformed_apdu);
    BOOST_TEST(parse("80F220020000").error() == gp::errc::malformed_apdu);
    BOOST_TEST(parse("80F22002000000AA").error() == gp::errc::malformed_apdu);
}

BOOST_AUTO_TEST_CASE(short_encoding_refuses_more_than_255_bytes) {
    gp::command_apdu a;
    a.cla = 0x80;
    a.data.assign(256, 'x');
    BOOST_TEST(gp::encode_command_apdu(a).error() == gp::errc::apdu_too_long);
    a.extended = true;
    BOOST_TEST(gp::encode_command_apdu(a).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
