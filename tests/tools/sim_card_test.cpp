#include "touchpoint/sim_card.hpp"

#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

using tsm::core::from_hex;
using tsm::core::to_hex;
using tsm::tools::touchpoint::sim_card;

namespace {

sim_card make_card() {
    return sim_card(*from_hex("8A2C10"), *from_hex("0E48800471400A"));
}

std::string send(sim_card& c, std::string_view hex) {
    return to_hex(c.transceive(*from_hex(hex)));
}

} // namespace

BOOST_AUTO_TEST_SUITE(sim_card_suite)

BOOST_AUTO_TEST_CASE(empty_select_returns_isd_fci) {
    auto c = make_card();
    BOOST_TEST(send(c, "00A4040000") == "6F108408A000000151000000A5049F6501FF9000");
    BOOST_TEST(send(c, "00A40400") == "6F108408A000000151000000A5049F6501FF9000");
}

BOOST_AUTO_TEST_CASE(select_by_aid_succeeds) {
    auto c = make_card();
    BOOST_TEST(send(c, "00A4040008A000000151000000") == "6F108408A000000151000000A5049F6501FF9000");
    BOOST_TEST(send(c, "00A4040007A000000003101000") == "9000");
}

BOOST_AUTO_TEST_CASE(get_data_cplc_is_42_bytes) {
    auto c = make_card();
    auto r = c.transceive(*from_hex("80CA9F7F00"));
    BOOST_REQUIRE_EQUAL(r.size(), 3u + 42u + 2u);
    BOOST_TEST(to_hex(r.substr(0, 3)) == "9F7F2A");
    BOOST_TEST(to_hex(r.substr(r.size() - 2)) == "9000");
    BOOST_TEST(r.substr(3, 42) == c.cplc());
}

BOOST_AUTO_TEST_CASE(get_data_cin_and_iin) {
    auto c = make_card();
    BOOST_TEST(send(c, "80CA004500") == "45070E48800471400A9000");
    BOOST_TEST(send(c, "80CA004200") == "42038A2C109000");
    BOOST_TEST(send(c, "80CA00FF00") == "6A88");
}

BOOST_AUTO_TEST_CASE(rejects_unknown_ins_cla_and_short_apdu) {
    auto c = make_card();
    BOOST_TEST(send(c, "80F2800000") == "6D00");
    BOOST_TEST(send(c, "A0A4040000") == "6E00");
    BOOST_TEST(send(c, "80A4040000") == "6E00"); // SELECT is interindustry only
    BOOST_TEST(send(c, "00A4") == "6700");
    BOOST_TEST(send(c, "00A4000000") == "6A86");
    BOOST_TEST(send(c, "00A4040008A0000001") == "6700");
}

BOOST_AUTO_TEST_SUITE_END()
