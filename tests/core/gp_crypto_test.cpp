#include "tsm/core/gp/crypto.hpp"

#include "tsm/core/hex.hpp"

#include "gp_vectors.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

namespace gp = tsm::core::gp;
using tsm::core::to_hex;
using namespace gp_vectors;

namespace {

gp::secret_key key(const std::string& h) {
    auto k = gp::secret_key::from_hex(h);
    BOOST_REQUIRE(k.has_value());
    return *k;
}

} // namespace

BOOST_AUTO_TEST_SUITE(gp_crypto)

BOOST_AUTO_TEST_CASE(aes_cmac_matches_nist_sp800_38b_vectors) {
    auto doc = load_vectors("scp03-vectors.json");
    const auto& vs = doc.at("aes_cmac_nist_sp800_38b").at("vectors").as_array();
    BOOST_REQUIRE(!vs.empty());
    for (const auto& v : vs) {
        auto mac = gp::aes_cmac(key(str(v, "key")), unhex(str(v, "msg")));
        BOOST_REQUIRE(mac.has_value());
        BOOST_TEST(to_hex(*mac) == str(v, "cmac"));
    }
}

BOOST_AUTO_TEST_CASE(aes_kcv_matches_pysim_vectors) {
    auto doc = load_vectors("scp03-vectors.json");
    const auto& vs = doc.at("aes_kcv").at("vectors").as_array();
    BOOST_REQUIRE(!vs.empty());
    for (const auto& v : vs) {
        auto kcv = gp::aes_kcv(key(str(v, "key")));
        BOOST_REQUIRE(kcv.has_value());
        BOOST_TEST(to_hex(*kcv) == str(v, "kcv"));
    }
}

BOOST_AUTO_TEST_CASE(single_des_matches_fips81_example) {
    // FIPS 81 appendix: "Now is t" under 0123456789ABCDEF.
    auto c = gp::des_ecb_encrypt(key("0123456789ABCDEF"), unhex("4E6F772069732074"));
    BOOST_REQUIRE(c.has_value());
    BOOST_TEST(to_hex(*c) == "3FA40E8A984D4815");
}

BOOST_AUTO_TEST_CASE(aes_cbc_round_trips_and_rejects_misaligned_data) {
    const auto k = key("000102030405060708090A0B0C0D0E0F");
    const std::string iv(16, '\x11');
    const auto plain = gp::pad80("hello secure channel", 16);
    auto enc = gp::aes_cbc_encrypt(k, iv, plain);
    BOOST_REQUIRE(enc.has_value());
    auto dec = gp::aes_cbc_decrypt(k, iv, *enc);
    BOOST_REQUIRE(dec.has_value());
    BOOST_TEST(*dec == plain);
    BOOST_TEST(gp::aes_cbc_encrypt(k, iv, "short").error() == gp::errc::bad_length);
    BOOST_TEST(gp::aes_ecb_encrypt(key("0011"), std::string(16, '\0')).error() == gp::errc::bad_key_length);
}

BOOST_AUTO_TEST_CASE(pad80_always_pads_and_unpad80_checks_marker) {
    BOOST_TEST(to_hex(gp::pad80(unhex("0102"), 8)) == "0102800000000000");
    BOOST_TEST(to_hex(gp::pad80(unhex("0102030405060708"), 8)) == "01020304050607088000000000000000");
    BOOST_TEST(to_hex(*gp::unpad80(unhex("0102800000"))) == "0102");
    BOOST_TEST(gp::unpad80(unhex("0102000000")).error() == gp::errc::bad_padding);
    BOOST_TEST(gp::unpad80(unhex("0000")).error() == gp::errc::bad_padding);
}

BOOST_AUTO_TEST_CASE(retail_mac_equals_full_3des_mac_for_single_block_and_k1_eq_k2) {
    // With K1 == K2 both algorithms collapse to single-DES CBC-MAC.
    const auto k = key("404142434445464740414243444546474041424344454647");
    const auto k16 = key("40414243444546474041424344454647");
    const std::string icv(8, '\0');
    auto full = gp::des3_full_mac(k, icv, unhex("0102030405060708090A0B0C0D0E0F10"));
    auto retail = gp::retail_mac(k16, icv, unhex("0102030405060708090A0B0C0D0E0F10"));
    BOOST_REQUIRE(full.has_value());
    BOOST_REQUIRE(retail.has_value());
    BOOST_TEST(to_hex(*full) == to_hex(*retail));
}

BOOST_AUTO_TEST_CASE(secret_key_wipes_on_move_and_rejects_bad_sizes) {
    auto k = key("000102030405060708090A0B0C0D0E0F");
    gp::secret_key moved = std::move(k);
    BOOST_TEST(moved.size() == 16u);
    BOOST_TEST(k.empty()); // NOLINT(bugprone-use-after-move): moved-from key is wiped
    BOOST_TEST(!gp::secret_key::from_hex("").has_value());
    BOOST_TEST(!gp::secret_key::from_hex(std::string(66, 'A')).has_value());
    BOOST_TEST(!gp::secret_key::from_hex("XYZ0").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
