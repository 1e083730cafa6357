// DESFire operations against the scripted EV1 card (scripted_desfire_card.hpp):
// CreateApplication with the keys of every type, the PICC master key, refusals.
#include "tsm/core/desfire/operations.hpp"
#include "tsm/core/hex.hpp"

#include "scripted_desfire_card.hpp"

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace scripted_desfire_card;

BOOST_AUTO_TEST_SUITE(desfire_operations)

BOOST_AUTO_TEST_CASE(create_app_without_keys_takes_three_round_trips) {
    fake_card card;
    auto req = app_request(0xF1A2B3, key_type::aes, 2);
    req.iso_file_id = 0xE110;
    req.iso_df_name = h("D2760000850101");
    auto op = make_create_app(context_for(card.picc_key), req);
    const auto r = run(*op, card);
    require_success(r);
    BOOST_TEST(r.rounds == 3);
    BOOST_TEST((card.batches == std::vector<std::size_t>{3, 1, 1}));
    BOOST_TEST(r.outcome.responses.empty());
    BOOST_REQUIRE(card.apps.count(0xF1A2B3));
    const auto& app = card.apps[0xF1A2B3];
    BOOST_TEST(app.ks1 == 0x0F);
    BOOST_TEST(app.ks2 == 0xA2); // AES | ISO file id | 2 keys
    BOOST_TEST(to_hex(app.iso_fid) == "10E1");
    BOOST_TEST(to_hex(app.df_name) == "D2760000850101");
    // Native commands as the card saw them: AID and ISO FID LSB first.
    BOOST_TEST(to_hex(card.natives[0]) == "5A000000");
    BOOST_TEST(to_hex(card.natives[1]) == "AA00");
    BOOST_TEST(to_hex(card.natives[3]) == "CAB3A2F10FA210E1D2760000850101");
}

BOOST_AUTO_TEST_CASE(create_app_with_aes_keys_sets_them_in_five_round_trips) {
    fake_card card;
    auto req = app_request(0x00DE16, key_type::aes, 2);
    req.keys = {distinct_key(key_type::aes, 0), distinct_key(key_type::aes, 1)};
    req.keys_version = 0x17;
    auto op = make_create_app(context_for(card.picc_key), req);
    const auto r = run(*op, card);
    require_success(r);
    BOOST_TEST(r.rounds == 5);
    BOOST_TEST((card.batches == std::vector<std::size_t>{3, 1, 3, 1, 2}));
    const auto& app = card.apps.at(0x00DE16);
    BOOST_TEST(app.ks2 == 0x82);
    for (std::size_t i = 0; i < 2; ++i) {
        BOOST_TEST((app.keys[i].type == key_type::aes));
        BOOST_TEST(to_hex(app.keys[i].value.view()) == to_hex(req.keys[i]));
        BOOST_TEST(app.keys[i].version == 0x17);
    }
    // Key 1 first (needs key 0's session), key 0 last.
    BOOST_TEST(to_hex(card.natives[card.natives.size() - 2].substr(0, 2)) == "C401");
    BOOST_TEST(to_hex(card.natives.back().substr(0, 2)) == "C400");

    // The card now authenticates both new keys, and no longer the default key.
    BOOST_TEST(authenticates(card, 0x00DE16, 1,
                             desfire_key{key_type::aes, *gp::secret_key::from_bytes(req.keys[1]), 0}));
    BOOST_TEST(authenticates(card, 0x00DE16, 0,
                             desfire_key{key_type::aes, *gp::secret_key::from_bytes(req.keys[0]), 0}));
    BOOST_TEST(!authenticates(card, 0x00DE16, 0,
                              desfire_key{key_type::aes, *gp::secret_key::from_bytes(bytes(16, '\0')), 0}));
}

BOOST_AUTO_TEST_CASE(create_app_with_3k3des_keys) {
    fake_card card;
    auto req = app_request(0x00DE24, key_type::tdes3, 3);
    for (std::size_t i = 0; i < 3; ++i) {
        req.keys.push_back(distinct_key(key_type::tdes3, i));
    }
    auto op = make_create_app(context_for(card.picc_key), req);
    const auto r = run(*op, card);
    require_success(r);
    BOOST_TEST(r.rounds == 5);
    const auto& app = card.apps.at(0x00DE24);
    BOOST_TEST(app.ks2 == 0x43);
    BOOST_TEST(to_hex(card.natives[5]) == "1A00"); // ISO authentication with the default key
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST((app.keys[i].type == key_type::tdes3));
        BOOST_TEST(to_hex(app.keys[i].value.view()) == to_hex(req.keys[i]));
    }
    for (std::uint8_t i = 0; i < 3; ++i) {
        BOOST_TEST(authenticates(card, 0x00DE24, i,
                                 desfire_key{key_type::tdes3, *gp::secret_key::from_bytes(req.keys[i]), 0}));
    }
}

BOOST_AUTO_TEST_CASE(create_app_with_2k3des_and_des_keys) {
    {
        fake_card card;
        card.des_family_new_type = key_type::tdes2;
        auto req = app_request(0x00DE16, key_type::tdes2, 2);
        req.keys = {distinct_key(key_type::tdes2, 0), distinct_key(key_type::tdes2, 1)};
        auto op = make_create_app(context_for(card.picc_key), req);
        const auto r = run(*op, card);
        require_success(r);
        BOOST_TEST(r.rounds == 5);
        const auto& app = card.apps.at(0x00DE16);
        BOOST_TEST(app.ks2 == 0x02);
        for (std::size_t i = 0; i < 2; ++i) {
            BOOST_TEST(to_hex(app.keys[i].value.view()) == to_hex(req.keys[i]));
        }
        BOOST_TEST(authenticates(card, 0x00DE16, 1,
                                 desfire_key{key_type::tdes2, *gp::secret_key::from_bytes(req.keys[1]), 0}));
    }
    {
        fake_card card;
        card.des_family_new_type = key_type::des;
        auto req = app_request(0x00DE17, key_type::des, 2);
        req.keys = {h("0102030405060708"), h("1112131415161718")};
        auto op = make_create_app(context_for(card.picc_key), req);
        const auto r = run(*op, card);
        require_success(r);
        const auto& app = card.apps.at(0x00DE17);
        BOOST_TEST(app.ks2 == 0x02);
        for (std::size_t i = 0; i < 2; ++i) {
            BOOST_TEST((app.keys[i].type == key_type::des));
            BOOST_TEST(to_hex(app.keys[i].value.view()) == to_hex(req.keys[i]));
        }
        BOOST_TEST(authenticates(card, 0x00DE17, 0,
                                 desfire_key{key_type::des, *gp::secret_key::from_bytes(req.keys[0]), 0}));
    }
}

BOOST_AUTO_TEST_CASE(picc_master_key_of_every_type) {
    const std::vector<std::pair<desfire_key, std::string>> keys = {
        {make_key(key_type::des, "0011223344556677"), "1A"},
        {make_key(key_type::des, "0000000000000000"), "1A"}, // the factory key
        {make_key(key_type::tdes2, "00112233445566778899AABBCCDDEEFF"), "1A"},
        {make_key(key_type::tdes3, "00112233445566778899AABBCCDDEEFF0123456789ABCDEF"), "1A"},
        {make_key(key_type::aes, aes_picc), "AA"},
    };
    for (const auto& [key, ins] : keys) {
        BOOST_TEST_INFO(key_type_name(key.type) << " " << to_hex(key.value.view()));
        fake_card card;
        card.picc_key = key;
        auto req = app_request(0x123456, key_type::aes, 1);
        req.keys = {distinct_key(key_type::aes, 4)};
        auto op = make_create_app(context_for(key), req);
        const auto r = run(*op, card);
        require_success(r);
        BOOST_TEST(to_hex(card.natives[1].substr(0, 1)) == ins);
        BOOST_TEST(card.apps.count(0x123456) == 1u);

        auto del = make_delete_app(context_for(key), delete_app_request{0x123456});
        const auto d = run(*del, card);
        require_success(d);
        BOOST_TEST(d.rounds == 3);
        BOOST_TEST(card.apps.count(0x123456) == 0u);
    }
}

BOOST_AUTO_TEST_CASE(wrong_picc_key_fails_authentication_and_sends_nothing_more) {
    fake_card card;
    auto ctx = context_for(make_key(key_type::aes, "FFEEDDCCBBAA99887766554433221100"));
    auto op = make_create_app(std::move(ctx), app_request(0x00DE16, key_type::aes, 1));
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.status_code == 500);
    BOOST_TEST(r.outcome.error_code == "authentication-failed");
    BOOST_TEST(r.rounds == 2);
    BOOST_TEST(!card.sent(0xCA));
    BOOST_TEST(card.apps.empty());

    // A key of the wrong type: the card refuses the Authenticate itself (AE).
    fake_card card2;
    auto op2 = make_create_app(context_for(make_key(key_type::des, "0000000000000000")),
                               app_request(0x00DE16, key_type::aes, 1));
    const auto r2 = run(*op2, card2);
    BOOST_TEST(r2.outcome.error_code == "authentication-failed");
    BOOST_TEST(r2.rounds == 1);
    BOOST_TEST(!card2.sent(0xCA));

    // deleteApp likewise.
    fake_card card3;
    card3.apps[0x00DE16] = card_app{};
    auto del = make_delete_app(context_for(make_key(key_type::aes, "FFEEDDCCBBAA99887766554433221100")),
                               delete_app_request{0x00DE16});
    const auto d = run(*del, card3);
    BOOST_TEST(d.outcome.error_code == "authentication-failed");
    BOOST_TEST(!card3.sent(0xDA));
    BOOST_TEST(card3.apps.count(0x00DE16) == 1u);
}

BOOST_AUTO_TEST_CASE(duplicate_application_is_a_desfire_error_naming_create_application) {
    for (bool with_keys : {false, true}) {
        fake_card card;
        card.apps[0x00DE16] = card_app{};
        auto req = app_request(0x00DE16, key_type::aes, 1);
        if (with_keys) {
            req.keys = {distinct_key(key_type::aes, 0)};
        }
        auto op = make_create_app(context_for(card.picc_key), req);
        const auto r = run(*op, card);
        BOOST_TEST(r.outcome.status_code == 500);
        BOOST_TEST(r.outcome.error_code == "desfire-error");
        BOOST_TEST(r.outcome.error_command == "CreateApplication");
        BOOST_TEST(r.outcome.error_sw == "DE");
        BOOST_TEST(r.outcome.error_message == "duplicate application");
        BOOST_TEST(r.rounds == 3);
        BOOST_TEST(!card.sent(0xC4));
    }
}

BOOST_AUTO_TEST_SUITE_END()
