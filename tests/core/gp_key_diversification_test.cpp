#include "tsm/core/gp/key_diversification.hpp"

#include "tsm/core/gp/crypto.hpp"
#include "tsm/core/hex.hpp"

#include "gp_vectors.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <string>

namespace gp = tsm::core::gp;
using tsm::core::from_hex;
using tsm::core::to_hex;
using namespace gp_vectors;

BOOST_AUTO_TEST_SUITE(gp_key_diversification)

BOOST_AUTO_TEST_CASE(kdf3_matches_globalplatformpro_vector) {
    auto doc = load_vectors("scp03-vectors.json");
    const auto& v = doc.at("key_diversification_kdf3").as_object();
    BOOST_REQUIRE(std::string(v.at("key_type").as_string()) == "ENC(01)");
    auto master = gp::secret_key::from_hex(std::string(v.at("master_key").as_string()));
    BOOST_REQUIRE(master.has_value());
    auto k = gp::diversify_key(*master, gp::diversification::kdf3, gp::key_purpose::enc,
                               *from_hex(std::string(v.at("kdd").as_string())));
    BOOST_REQUIRE(k.has_value());
    BOOST_TEST(to_hex(k->view()) == std::string(v.at("derived_key").as_string()));
}

// KCVs from GlobalPlatformPro TestPlaintextKeys.java (@7f524e3f): master 4041..4F (+5051..5F for
// longer AES keys), KDD 00010203040506070809; order ENC, MAC, DEK.
BOOST_AUTO_TEST_CASE(matches_globalplatformpro_kcv_vectors) {
    struct vector {
        gp::diversification method;
        const char* master;
        const char* kcvs[3];
    };
    const vector vectors[] = {
        {gp::diversification::emv, "404142434445464748494A4B4C4D4E4F", {"C33013", "6F4CA6", "BB8179"}},
        {gp::diversification::visa2, "404142434445464748494A4B4C4D4E4F", {"2BE598", "58DA38", "3C328E"}},
        {gp::diversification::kdf3, "404142434445464748494A4B4C4D4E4F", {"E79C05", "D1BD77", "3FDE8C"}},
        {gp::diversification::kdf3,
         "404142434445464748494A4B4C4D4E4F5051525354555657",
         {"1DE8EA", "47C00C", "C04D76"}},
        {gp::diversification::kdf3,
         "404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F",
         {"2972D2", "036F94", "5D57B8"}},
    };
    const auto kdd = unhex("00010203040506070809");
    for (const auto& v : vectors) {
        BOOST_TEST_CONTEXT("method " << static_cast<int>(v.method) << " master "
                                     << std::strlen(v.master) / 2) {
            auto keys = gp::diversify_keys(*gp::secret_key::from_hex(v.master), v.method, kdd);
            BOOST_REQUIRE(keys.has_value());
            const bool aes = v.method == gp::diversification::kdf3;
            const gp::secret_key* ks[] = {&keys->enc, &keys->mac, &keys->dek};
            for (int i = 0; i < 3; ++i) {
                auto kcv = aes ? gp::aes_kcv(*ks[i]) : gp::des3_kcv(*ks[i]);
                BOOST_REQUIRE(kcv.has_value());
                BOOST_TEST(to_hex(*kcv) == v.kcvs[i]);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(emv_and_visa2_pick_the_documented_kdd_bytes) {
    // No public vector: check the template bytes against a direct 3DES-ECB computation.
    const auto master = *gp::secret_key::from_hex("404142434445464748494A4B4C4D4E4F");
    const auto kdd = unhex("00112233445566778899");
    auto emv = gp::diversify_keys(master, gp::diversification::emv, kdd);
    BOOST_REQUIRE(emv.has_value());
    auto expect_emv = gp::des3_ecb_encrypt(master, unhex("445566778899F002445566778899"
                                                         "0F02"));
    BOOST_TEST(to_hex(emv->mac.view()) == to_hex(*expect_emv));
    auto visa2 = gp::diversify_key(master, gp::diversification::visa2, gp::key_purpose::dek, kdd);
    BOOST_REQUIRE(visa2.has_value());
    auto expect_visa2 = gp::des3_ecb_encrypt(master, unhex("001144556677F003001144556677"
                                                           "0F03"));
    BOOST_TEST(to_hex(visa2->view()) == to_hex(*expect_visa2));
    BOOST_TEST(to_hex(emv->enc.view()) != to_hex(emv->dek.view()));
}

BOOST_AUTO_TEST_CASE(rejects_bad_kdd_and_master_lengths) {
    const auto aes = *gp::secret_key::from_hex("000102030405060708090A0B0C0D0E0F0001020304050607");
    const auto kdd = unhex("00112233445566778899");
    BOOST_TEST(gp::diversify_key(aes, gp::diversification::emv, gp::key_purpose::enc, kdd).error()
               == gp::errc::bad_key_length);
    BOOST_TEST(gp::diversify_key(aes, gp::diversification::kdf3, gp::key_purpose::enc, "short").error()
               == gp::errc::bad_length);
    auto k24 = gp::diversify_key(aes, gp::diversification::kdf3, gp::key_purpose::mac, kdd);
    BOOST_REQUIRE(k24.has_value());
    BOOST_TEST(k24->size() == 24u);
    auto none = gp::diversify_key(aes, gp::diversification::none, gp::key_purpose::mac, kdd);
    BOOST_TEST(to_hex(none->view()) == to_hex(aes.view()));
}

BOOST_AUTO_TEST_SUITE_END()
