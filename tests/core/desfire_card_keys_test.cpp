// open_desfire_key: card records give their key as stored, IIN master sets diversify with AN10922
// (M = CIN || 000000 || system identifier); anything that does not open gives nullopt. Records
// are sealed here as the admin API seals them (key_vault under desfire_key_context); the admin
// API's own record building is tested in tests/tsmd/card_keys_admin_desfire_test.cpp.
#include "tsm/core/desfire_card_keys.hpp"

#include "tsm/core/card_keys_context.hpp"
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

/// A key record with a DESFire part sealed as the admin API seals it.
core::card_keys_record sealed(bool master, const std::string& id, const std::string& type,
                              std::string_view key_hex, const core::key_vault& vault,
                              std::uint8_t version = 0, std::string method = "",
                              core::bytes system_identifier = {}) {
    core::card_keys_record rec;
    rec.master = master;
    rec.id = id;
    rec.desfire_key_type = type;
    rec.desfire_key_version = version;
    rec.desfire_diversification = master ? (method.empty() ? "none" : method) : "";
    rec.desfire_system_identifier = std::move(system_identifier);
    core::bytes key = unhex(key_hex);
    rec.desfire_sealed_key = vault.seal(key, core::desfire_key_context(rec));
    core::wipe(key);
    return rec;
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

BOOST_AUTO_TEST_SUITE(desfire_card_keys)

BOOST_AUTO_TEST_CASE(a_card_record_gives_its_key_as_stored) {
    core::key_vault vault(kek('k'));
    auto rec = sealed(false, "04A1B2C3D4E5F6", "AES", aes_key, vault, 9);
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
        auto r = sealed(false, "04A1B2C3D4E5F6", type, hex, vault);
        auto kk = core::open_desfire_key(r, vault, "04A1B2C3D4E5F6");
        BOOST_REQUIRE(kk);
        BOOST_TEST(desfire::key_type_name(kk->type) == type);
        BOOST_TEST(core::to_hex(kk->value.view()) == hex);
        BOOST_TEST(kk->version == 0);
    }
}

BOOST_AUTO_TEST_CASE(nothing_opens_without_a_desfire_part_or_with_the_wrong_kek_or_record) {
    core::key_vault vault(kek('k'));
    core::card_keys_record gp_only;
    gp_only.id = "0E48800471400A";
    core::bytes gp_keys(48, '\x3c');
    gp_only.sealed_keys = vault.seal(gp_keys, core::card_keys_context(gp_only));
    BOOST_TEST(!core::open_desfire_key(gp_only, vault, "0E48800471400A"));

    auto rec = sealed(false, "0E48800471400A", "AES", aes_key, vault);
    core::key_vault other(kek('o'));
    BOOST_TEST(!core::open_desfire_key(rec, other, "0E48800471400A"));

    auto copied = rec; // a sealed key copied onto another card's record does not open there
    copied.id = "0E48800471400B";
    BOOST_TEST(!core::open_desfire_key(copied, vault, "0E48800471400B"));

    auto as_master = rec; // nor onto the IIN master set of the same id
    as_master.master = true;
    BOOST_TEST(!core::open_desfire_key(as_master, vault, "0E48800471400A"));

    auto tampered = rec;
    tampered.desfire_sealed_key[30] = static_cast<char>(tampered.desfire_sealed_key[30] ^ 0x01);
    BOOST_TEST(!core::open_desfire_key(tampered, vault, "0E48800471400A"));

    auto wrong_type = rec; // 16 key bytes are no 3K3DES key
    wrong_type.desfire_key_type = "3K3DES";
    BOOST_TEST(!core::open_desfire_key(wrong_type, vault, "0E48800471400A"));

    auto unknown_type = rec;
    unknown_type.desfire_key_type = "RSA";
    BOOST_TEST(!core::open_desfire_key(unknown_type, vault, "0E48800471400A"));

    // The DESFire key is sealed under the GP keys' associated data + "/desfire", not theirs.
    BOOST_TEST(core::desfire_key_context(rec) == "c/0E48800471400A/desfire");
    BOOST_TEST(!vault.open(rec.desfire_sealed_key, "c/0E48800471400A"));
    BOOST_TEST(vault.open(rec.desfire_sealed_key, "c/0E48800471400A/desfire").has_value());
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
    auto rec = sealed(true, "8A2C10", "AES", s(v.at("master_key")), vault, 2, "an10922",
                      std::string(s(v.at("system_identifier_ascii"))));
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
    auto aes = sealed(true, "8A2C10", "AES", master, vault, 0, "an10922", unhex(sid21));
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
    auto rec = sealed(true, "8A2C10", "2K3DES", master, vault, 0, "an10922", "NXP A");
    auto k = core::open_desfire_key(rec, vault, "04782E21801D80");
    BOOST_REQUIRE(k);
    auto expected = desfire::diversify_an10922(desfire::key_type::tdes2, key_of(master),
                                               unhex("04782E21801D80") + std::string(3, '\0') + "NXP A");
    BOOST_REQUIRE(expected);
    BOOST_TEST(core::to_hex(k->value.view()) == core::to_hex(expected->view()));
    BOOST_TEST(!core::open_desfire_key(rec, vault, "04782E21801D80AA"));

    // "none": every card of the IIN gets the master key as stored.
    auto plain = sealed(true, "8A2C10", "3K3DES", master + "0102030405060708", vault);
    BOOST_TEST(plain.desfire_diversification == "none");
    auto p = core::open_desfire_key(plain, vault, "04782E21801D80AABBCC");
    BOOST_REQUIRE(p);
    BOOST_TEST(core::to_hex(p->value.view()) == master + "0102030405060708");

    auto unknown = plain;
    unknown.desfire_diversification = "kdf3";
    BOOST_TEST(!core::open_desfire_key(unknown, vault, "04782E21801D80"));
}

BOOST_AUTO_TEST_SUITE_END()
