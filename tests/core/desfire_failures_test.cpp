// DESFire operations against the scripted EV1 card (scripted_desfire_card.hpp):
// tampered CMACs, missing responses and invalid requests, across the operations.
#include "tsm/core/desfire/operations.hpp"

#include "scripted_desfire_card.hpp"

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace scripted_desfire_card;

BOOST_AUTO_TEST_SUITE(desfire_operations)

BOOST_AUTO_TEST_CASE(tampered_response_cmac_is_a_secure_messaging_error) {
    // 1 = CreateApplication's CMAC, 2 = ChangeKey 1's.
    for (int which : {1, 2}) {
        fake_card card;
        card.corrupt_mac = which;
        auto req = app_request(0x00DE16, key_type::aes, 2);
        req.keys = {distinct_key(key_type::aes, 0), distinct_key(key_type::aes, 1)};
        auto op = make_create_app(context_for(card.picc_key), req);
        const auto r = run(*op, card);
        BOOST_TEST(r.outcome.status_code == 500);
        BOOST_TEST(r.outcome.error_code == "secure-messaging-error");
        BOOST_TEST(r.outcome.error_message.find(which == 1 ? "CreateApplication" : "ChangeKey (key 1)")
                   != std::string::npos);
    }
    fake_card card;
    card.apps[0x00DE16] = card_app{};
    card.corrupt_mac = 1;
    auto del = make_delete_app(context_for(card.picc_key), delete_app_request{0x00DE16});
    BOOST_TEST(run(*del, card).outcome.error_code == "secure-messaging-error");

    // A response with its CMAC cut off.
    fake_card cut;
    auto op = make_create_app(context_for(cut.picc_key), app_request(0x00DE16, key_type::aes, 1));
    const auto r = run(*op, cut, [](int round, std::vector<bytes>& responses) {
        if (round == 3) {
            responses[0] = h("9100");
        }
    });
    BOOST_TEST(r.outcome.error_code == "secure-messaging-error");
}

BOOST_AUTO_TEST_CASE(missing_responses_are_a_touch_point_error) {
    for (int round : {1, 2, 3, 5}) {
        fake_card card;
        auto req = app_request(0x00DE16, key_type::aes, 2);
        req.keys = {distinct_key(key_type::aes, 0), distinct_key(key_type::aes, 1)};
        auto op = make_create_app(context_for(card.picc_key), req);
        const auto r = run(*op, card, [round](int n, std::vector<bytes>& responses) {
            if (n == round) {
                responses.pop_back();
            }
        });
        BOOST_TEST_INFO("round " << round);
        BOOST_TEST(r.outcome.error_code == "touch-point-error");
        BOOST_TEST(r.outcome.status_code == 500);
        BOOST_TEST(r.rounds == round);
    }
    fake_card card;
    card.apps[0x00DE16] = card_app{};
    auto op = make_commands(commands_request{0x00DE16, {h("6F"), h("60")}});
    const auto r = run(*op, card, [](int, std::vector<bytes>& responses) { responses.clear(); });
    BOOST_TEST(r.outcome.error_code == "touch-point-error");
}

BOOST_AUTO_TEST_CASE(invalid_requests_are_refused_before_anything_is_sent) {
    fake_card card;
    auto op = make_create_app(context_for(card.picc_key), app_request(0, key_type::aes, 1));
    auto step = op->start();
    BOOST_REQUIRE(step.outcome.has_value());
    BOOST_TEST(step.outcome->status_code == 400);
    BOOST_TEST(step.outcome->error_code == "bad-request");

    auto ctx = context_for(card.picc_key);
    ctx.picc_master.type = key_type::tdes3; // 16 bytes given for a 24-byte key
    auto op2 = make_create_app(std::move(ctx), app_request(0x00DE16, key_type::aes, 1));
    auto step2 = op2->start();
    BOOST_REQUIRE(step2.outcome.has_value());
    BOOST_TEST(step2.outcome->status_code == 400);

    auto op3 = make_commands(commands_request{0x00DE16, {h("5A000000")}});
    auto step3 = op3->start();
    BOOST_REQUIRE(step3.outcome.has_value());
    BOOST_TEST(step3.outcome->error_code == "bad-request");

    auto op4 = make_delete_app(context_for(card.picc_key), delete_app_request{0x1000000});
    BOOST_TEST(op4->start().outcome.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
