// DESFire operations against the scripted EV1 card (scripted_desfire_card.hpp):
// DeleteApplication, and deleting an application that is not there.
#include "tsm/core/desfire/operations.hpp"
#include "tsm/core/hex.hpp"

#include "scripted_desfire_card.hpp"

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace scripted_desfire_card;

BOOST_AUTO_TEST_SUITE(desfire_operations)

BOOST_AUTO_TEST_CASE(delete_app_and_missing_application) {
    fake_card card;
    card.apps[0x00DE16] = card_app{};
    auto op = make_delete_app(context_for(card.picc_key), delete_app_request{0x00DE16});
    const auto r = run(*op, card);
    require_success(r);
    BOOST_TEST(r.rounds == 3);
    BOOST_TEST((card.batches == std::vector<std::size_t>{3, 1, 1}));
    BOOST_TEST(card.apps.empty());
    BOOST_TEST(to_hex(card.natives.back()) == "DA16DE00");

    auto again = make_delete_app(context_for(card.picc_key), delete_app_request{0x00DE16});
    const auto r2 = run(*again, card);
    BOOST_TEST(r2.outcome.error_code == "desfire-error");
    BOOST_TEST(r2.outcome.error_command == "DeleteApplication");
    BOOST_TEST(r2.outcome.error_sw == "A0");
    BOOST_TEST(r2.outcome.error_message == "application not found");
}

BOOST_AUTO_TEST_SUITE_END()
