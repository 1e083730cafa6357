// The DESFire part of card key records as PUT /admin/v1/{cards,iins}/{id} builds them (the admin
// body decoder, then core::card_keys_spec) opens with core::open_desfire_key: card records give
// their key as stored, IIN master sets diversify with AN10922 (M = CIN || 000000 || system
// identifier); anything that does not open gives nullopt. The opening rules alone are unit-tested
// in tests/core/desfire_card_keys_test.cpp.
#include "tsm/core/card_keys/card_keys_spec.hpp"
#include "tsm/transport/admin_api/admin_bodies.hpp"
#include "tsm/transport/admin_api/admin_json.hpp"

#include "tsm/core/desfire_card_keys.hpp"

#include "tsm/core/desfire/crypto.hpp"
#include "tsm/core/hex.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>

using namespace tsm;
namespace desfire = tsm::core::desfire;

namespace {

core::bytes kek(char fill) {
    return core::bytes(core::key_vault::kek_size, fill);
}

core::bytes unhex(std::string_view h) {
    auto b = core::from_hex(h);
    BOOST_REQUIRE(b);
    return *b;
}

core::gp::secret_key key_of(std::string_view hex) {
    auto k = core::gp::secret_key::from_hex(hex);
    BOOST_REQUIRE(k);
    return *k;
}

/// The record PUT builds from `body`, or the error message it answers with.
core::api_result<core::card_keys_record> build(bool master, const std::string& id, const std::string& body,
                                               const core::key_vault& vault) {
    core::card_keys_input in;
    if (auto st = transport::admin::decode_card_keys_body(body, in); !st) {
        return st.error();
    }
    return core::card_keys_spec::build(master, id, in, vault);
}

/// A record as PUT builds it; fails the test on a validation error.
core::card_keys_record built(bool master, const std::string& id, const std::string& body,
                             const core::key_vault& vault) {
    auto rec = build(master, id, body, vault);
    BOOST_REQUIRE_MESSAGE(rec.has_value(), (rec.has_value() ? std::string() : rec.error().message));
    return *rec;
}

std::string build_error(bool master, const std::string& body, const core::key_vault& vault) {
    auto rec = build(master, master ? "8A2C10" : "04782E21801D80", body, vault);
    return rec.has_value() ? std::string() : rec.error().message;
}

boost::json::object an10922_aes_vector() {
    std::ifstream in(std::string(TSM_VECTORS_DIR) + "/desfire-vectors.json");
    BOOST_REQUIRE(in);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto all = boost::json::parse(text).as_object();
    for (const auto& v : all.at("key_diversification").as_array()) {
        if (v.as_object().at("id").as_string() == "an10922_aes128") {
            return v.as_object();
        }
    }
    BOOST_FAIL("no an10922_aes128 vector");
    return {};
}

std::string s(const boost::json::value& v) {
    return std::string(v.as_string());
}

const std::string aes_key = "5E1B9C3A7D20F4866B0C2E9A41D7F358";

} // namespace

BOOST_AUTO_TEST_SUITE(card_keys_admin_desfire)

BOOST_AUTO_TEST_CASE(a_card_record_gives_its_key_as_stored) {
    core::key_vault vault(kek('k'));
    auto rec = built(false, "04a1b2c3d4e5f6",
                     R"({"desfire":{"keyType":"AES","key":")" + aes_key + R"(","version":9}})", vault);
    BOOST_TEST(rec.sealed_keys.empty()); // DESFire only
    BOOST_TEST(rec.desfire_key_type == "AES");
    BOOST_TEST(rec.desfire_sealed_key.find(unhex(aes_key)) == std::string::npos); // sealed
    auto k = core::open_desfire_key(rec, vault, "04A1B2C3D4E5F6");
    BOOST_REQUIRE(k);
    BOOST_TEST((k->type == desfire::key_type::aes));
    BOOST_TEST(k->version == 9);
    BOOST_TEST(core::to_hex(k->value.view()) == aes_key);

    // Every type keeps its bytes; DES-family keys as given (versions live in their LSBs).
    const std::pair<const char*, std::string> types[] = {
        {"DES", "0102030405060708"},
        {"2K3DES", "00112233445566778899AABBCCDDEEFF"},
        {"3K3DES", "00112233445566778899AABBCCDDEEFF0102030405060708"}};
    for (const auto& [type, hex] : types) {
        auto r =
            built(false, "04A1B2C3D4E5F6",
                  std::string(R"({"desfire":{"keyType":")") + type + R"(","key":")" + hex + R"("}})", vault);
        auto kk = core::open_desfire_key(r, vault, "04A1B2C3D4E5F6");
        BOOST_REQUIRE(kk);
        BOOST_TEST(desfire::key_type_name(kk->type) == type);
        BOOST_TEST(core::to_hex(kk->value.view()) == hex);
        BOOST_TEST(kk->version == 0);
    }
}

BOOST_AUTO_TEST_CASE(nothing_opens_without_a_desfire_part_or_with_the_wrong_kek_or_record) {
    core::key_vault vault(kek('k'));
    const std::string enc = "3C9A1F0E8D7B6A5948372615F4E3D2C1";
    auto gp_only = built(false, "0E48800471400A",
                         R"({"isd":"A000000151000000","scp":"03","kvn":1,"enc":")" + enc + R"(","mac":")"
                             + enc + R"(","dek":")" + enc + R"("})",
                         vault);
    BOOST_TEST(!core::open_desfire_key(gp_only, vault, "0E48800471400A"));

    auto rec =
        built(false, "0E48800471400A", R"({"desfire":{"keyType":"AES","key":")" + aes_key + R"("}})", vault);
    core::key_vault other(kek('o'));
    BOOST_TEST(!core::open_desfire_key(rec, other, "0E48800471400A"));

    auto copied = rec; // a sealed key copied onto another card's record does not open there
    copied.id = "0E48800471400B";
    BOOST_TEST(!core::open_desfire_key(copied, vault, "0E48800471400B"));

    auto tampered = rec;
    tampered.desfire_sealed_key[30] = static_cast<char>(tampered.desfire_sealed_key[30] ^ 0x01);
    BOOST_TEST(!core::open_desfire_key(tampered, vault, "0E48800471400A"));

    auto wrong_type = rec; // 16 key bytes are no 3K3DES key
    wrong_type.desfire_key_type = "3K3DES";
    BOOST_TEST(!core::open_desfire_key(wrong_type, vault, "0E48800471400A"));

    // The GP keys and the DESFire key are sealed under different associated data.
    auto both =
        built(false, "0E48800471400A",
              R"({"isd":"A000000151000000","scp":"03","kvn":1,"enc":")" + enc + R"(","mac":")" + enc
                  + R"(","dek":")" + enc + R"(","desfire":{"keyType":"AES","key":")" + aes_key + R"("}})",
              vault);
    BOOST_TEST(!vault.open(both.desfire_sealed_key, "c/0E48800471400A"));
    BOOST_TEST(vault.open(both.desfire_sealed_key, "c/0E48800471400A/desfire").has_value());
    BOOST_TEST(core::open_desfire_key(both, vault, "0E48800471400A").has_value());
}

BOOST_AUTO_TEST_CASE(an_iin_master_set_diversifies_with_an10922) {
    const auto v = an10922_aes_vector();
    // The primitive against the published vector: M = UID || AID 3042F5 || "NXP Abu".
    const core::bytes vector_m =
        unhex(s(v.at("uid"))) + unhex(s(v.at("aid"))) + std::string(s(v.at("system_identifier_ascii")));
    BOOST_TEST(core::to_hex("\x01" + vector_m) == s(v.at("cmac_input")));
    auto from_vector =
        desfire::diversify_an10922(desfire::key_type::aes, key_of(s(v.at("master_key"))), vector_m);
    BOOST_REQUIRE(from_vector);
    BOOST_TEST(core::to_hex(from_vector->view()) == s(v.at("derived_key")));

    // The PICC master key of the card whose CIN is the vector's UID: same master key and system
    // identifier, but the PICC AID 000000 in M (the vector's AID is an application's).
    core::key_vault vault(kek('k'));
    const std::string sid_hex = core::to_hex(s(v.at("system_identifier_ascii")));
    auto rec =
        built(true, "8a2c10",
              R"({"desfire":{"keyType":"AES","key":")" + s(v.at("master_key"))
                  + R"(","version":2,"diversification":"an10922","systemIdentifier":")" + sid_hex + R"("}})",
              vault);
    BOOST_TEST(rec.desfire_diversification == "an10922");
    BOOST_TEST(rec.desfire_system_identifier == "NXP Abu");
    const std::string cin = s(v.at("uid"));
    auto k = core::open_desfire_key(rec, vault, cin);
    BOOST_REQUIRE(k);
    BOOST_TEST((k->type == desfire::key_type::aes));
    BOOST_TEST(k->version == 2);
    const core::bytes m = unhex(cin) + std::string(3, '\0') + "NXP Abu";
    auto expected = desfire::diversify_an10922(desfire::key_type::aes, key_of(s(v.at("master_key"))), m);
    BOOST_REQUIRE(expected);
    BOOST_TEST(core::to_hex(k->value.view()) == core::to_hex(expected->view()));
    BOOST_TEST(core::to_hex(k->value.view()) != s(v.at("derived_key")));
    BOOST_TEST(core::to_hex(k->value.view()) != s(v.at("master_key")));
    // Lower-case CIN hex is the same card.
    auto lower = core::open_desfire_key(rec, vault, "04782e21801d80");
    BOOST_REQUIRE(lower);
    BOOST_TEST(core::to_hex(lower->value.view()) == core::to_hex(expected->view()));
    // Another card, another key.
    auto other = core::open_desfire_key(rec, vault, "04782E21801D81");
    BOOST_REQUIRE(other);
    BOOST_TEST(core::to_hex(other->value.view()) != core::to_hex(expected->view()));
}

BOOST_AUTO_TEST_CASE(an10922_3des_keys_and_the_length_limits) {
    core::key_vault vault(kek('k'));
    const std::string master = "00112233445566778899AABBCCDDEEFF";
    // AES: 7-byte UID, M = 7 + 3 + 21 = 31 bytes, the AN10922 maximum.
    const std::string sid21(42, 'A');
    auto aes = built(true, "8A2C10",
                     R"({"desfire":{"keyType":"AES","key":")" + master
                         + R"(","diversification":"an10922","systemIdentifier":")" + sid21 + R"("}})",
                     vault);
    auto a = core::open_desfire_key(aes, vault, "04782E21801D80");
    BOOST_REQUIRE(a);
    auto a_expected =
        desfire::diversify_an10922(desfire::key_type::aes, key_of(master),
                                   unhex("04782E21801D80") + std::string(3, '\0') + unhex(sid21));
    BOOST_REQUIRE(a_expected);
    BOOST_TEST(core::to_hex(a->value.view()) == core::to_hex(a_expected->view()));
    // An 8-byte CIN makes M 32 bytes: refused when the key is opened (the CIN is known only then).
    BOOST_TEST(!core::open_desfire_key(aes, vault, "04782E21801D80AA"));
    BOOST_TEST(!core::open_desfire_key(aes, vault, "not hex"));
    BOOST_TEST(!core::open_desfire_key(aes, vault, ""));

    // 2K3DES: M at most 15 bytes, so a 5-byte system identifier with a 7-byte UID.
    auto rec = built(true, "8A2C10",
                     R"({"desfire":{"keyType":"2K3DES","key":")" + master
                         + R"(","diversification":"an10922","systemIdentifier":"4E58502041"}})",
                     vault);
    auto k = core::open_desfire_key(rec, vault, "04782E21801D80");
    BOOST_REQUIRE(k);
    auto expected = desfire::diversify_an10922(desfire::key_type::tdes2, key_of(master),
                                               unhex("04782E21801D80") + std::string(3, '\0') + "NXP A");
    BOOST_REQUIRE(expected);
    BOOST_TEST(core::to_hex(k->value.view()) == core::to_hex(expected->view()));
    BOOST_TEST(!core::open_desfire_key(rec, vault, "04782E21801D80AA"));
    BOOST_TEST(build_error(true,
                           R"({"desfire":{"keyType":"3K3DES","key":")" + master + "0102030405060708"
                               + R"(","diversification":"an10922","systemIdentifier":"4E585020416275"}})",
                           vault)
                   .find("at most 5 bytes for 3K3DES")
               != std::string::npos);

    // "none": every card of the IIN gets the master key as stored.
    auto plain =
        built(true, "8A2C10",
              R"({"desfire":{"keyType":"3K3DES","key":")" + master + "0102030405060708" + R"("}})", vault);
    BOOST_TEST(plain.desfire_diversification == "none");
    auto p = core::open_desfire_key(plain, vault, "04782E21801D80AABBCC");
    BOOST_REQUIRE(p);
    BOOST_TEST(core::to_hex(p->value.view()) == master + "0102030405060708");

    auto unknown = plain;
    unknown.desfire_diversification = "kdf3";
    BOOST_TEST(!core::open_desfire_key(unknown, vault, "04782E21801D80"));
}

BOOST_AUTO_TEST_CASE(build_refuses_what_could_never_open) {
    core::key_vault vault(kek('k'));
    auto df = [](const std::string& inner) { return R"({"desfire":{)" + inner + "}}"; };
    BOOST_TEST(build_error(false, "{}", vault).find("desfire object") != std::string::npos);
    BOOST_TEST(build_error(false, df(R"("keyType":"AES","key":"0011")"), vault).find("16 bytes for AES")
               != std::string::npos);
    BOOST_TEST(build_error(false, df(R"("keyType":"AES","key":"00\u0031")"), vault).find("plain string")
               != std::string::npos);
    BOOST_TEST(build_error(false, df(R"("keyType":"AES","key":1234)"), vault).find("must be a string")
               != std::string::npos);
    BOOST_TEST(build_error(true,
                           df(R"("keyType":"DES","key":"0011223344556677","diversification":"an10922")"),
                           vault)
                   .find("not DES")
               != std::string::npos);
    BOOST_TEST(build_error(true,
                           df(R"("keyType":"AES","key":")" + aes_key
                              + R"(","diversification":"an10922","systemIdentifier":")" + std::string(44, 'A')
                              + "\""),
                           vault)
                   .find("at most 21 bytes")
               != std::string::npos);
    // GET never shows the key.
    auto rec = built(true, "8A2C10", df(R"("keyType":"AES","key":")" + aes_key + R"(","version":5)"), vault);
    const std::string json = transport::admin::card_keys_json(rec);
    BOOST_TEST(
        json
        == R"({"iin":"8A2C10","desfire":{"keyType":"AES","version":5,"diversification":"none","systemIdentifier":"","hasKey":true}})");
}

BOOST_AUTO_TEST_SUITE_END()
