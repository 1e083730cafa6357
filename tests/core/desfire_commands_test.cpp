// DESFire operations against the scripted EV1 card (scripted_desfire_card.hpp):
// plain commands: frames in both directions, reads and writes, errors, cut-off answers.
#include "tsm/core/desfire/operations.hpp"
#include "tsm/core/hex.hpp"

#include "scripted_desfire_card.hpp"

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace scripted_desfire_card;

BOOST_AUTO_TEST_SUITE(desfire_operations)

BOOST_AUTO_TEST_CASE(commands_follow_frames_in_both_directions) {
    fake_card card;
    card.apps[0x00DE16] = card_app{};
    const bytes payload = [] {
        bytes p;
        for (int i = 0; i < 150; ++i) {
            p.push_back(static_cast<char>(i));
        }
        return p;
    }();
    commands_request req;
    req.aid = 0x00DE16;
    req.commands = {
        h("CD010000EEEE960000"),         // CreateStdDataFile 1, 150 bytes
        h("3D01000000960000") + payload, // WriteData: 158 bytes -> 3 frames
        h("BD01000000000000"),           // ReadData all: 150 bytes -> 3 answer frames
        h("60"),                         // GetVersion: 3 answer frames, asked up front
        h("6F"),                         // GetFileIDs
    };
    // CreateStdDataFile needs 7 data bytes: file, comm, access rights (2), size (3).
    req.commands[0] = h("CD0100EEEE960000");
    auto op = make_commands(req);
    const auto r = run(*op, card);
    require_success(r);
    BOOST_REQUIRE(r.outcome.responses.size() == 5u);
    BOOST_TEST(to_hex(r.outcome.responses[0]) == "9100");
    BOOST_TEST(to_hex(r.outcome.responses[1]) == "9100");
    BOOST_TEST(to_hex(r.outcome.responses[2]) == to_hex(payload + h("9100")));
    BOOST_TEST(to_hex(r.outcome.responses[3])
               == "04010101000F0504010101040F0504112233445566BA349999905213149100");
    BOOST_TEST(to_hex(r.outcome.responses[4]) == "019100");
    BOOST_TEST(card.apps[0x00DE16].files[1] == payload);
    // Round trips: [SELECT, 5A, CD] [3D x3, BD] [AF] [AF] [60, AF, AF, 6F].
    BOOST_TEST(r.rounds == 5);
    BOOST_TEST((card.batches == std::vector<std::size_t>{3, 4, 1, 1, 4}));
    // The write went out as 55-byte native frames and continuations.
    BOOST_TEST(card.natives[2].size() == 55u);
    BOOST_TEST(u8(card.natives[3][0]) == 0xAF);
    BOOST_TEST(card.natives[3].size() == 55u);
    BOOST_TEST(card.natives[4].size() == 1u + 158u - 55u - 54u);
}

BOOST_AUTO_TEST_CASE(commands_reads_ride_along_and_an_error_stops_the_writes) {
    fake_card card;
    card.apps[0x00DE16] = card_app{};
    card.apps[0x00DE16].files[1] = bytes(4, '\x11');
    commands_request req;
    req.aid = 0x00DE16;
    req.commands = {h("6F"), h("BD01000000040000"), h("CD0100EEEE100000"), h("CD0200EEEE100000")};
    auto op = make_commands(req);
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.status_code == 500);
    BOOST_TEST(r.outcome.error_code == "desfire-error");
    BOOST_TEST(r.outcome.error_command == "CreateStdDataFile");
    BOOST_TEST(r.outcome.error_sw == "DE");
    BOOST_TEST(r.outcome.error_message == "duplicate application");
    BOOST_REQUIRE(r.outcome.responses.size() == 3u);
    BOOST_TEST(to_hex(r.outcome.responses[0]) == "019100");
    BOOST_TEST(to_hex(r.outcome.responses[1]) == "111111119100");
    BOOST_TEST(to_hex(r.outcome.responses[2]) == "91DE");
    BOOST_TEST(r.rounds == 2); // [SELECT, 5A, 6F, BD] [CD 1]
    BOOST_TEST(card.apps[0x00DE16].files.count(2) == 0u);

    // A missing application: nothing after SelectApplication counts.
    fake_card empty;
    auto op2 = make_commands(commands_request{0x00AB12, {h("6F")}});
    const auto r2 = run(*op2, empty);
    BOOST_TEST(r2.outcome.error_code == "desfire-error");
    BOOST_TEST(r2.outcome.error_command == "SelectApplication");
    BOOST_TEST(r2.outcome.error_sw == "A0");
    BOOST_TEST(r2.outcome.error_message == "application not found");

    // Not a DESFire card.
    fake_card other;
    other.no_desfire = true;
    auto op3 = make_commands(commands_request{0x00DE16, {h("6F")}});
    const auto r3 = run(*op3, other);
    BOOST_TEST(r3.outcome.error_code == "card-error");
    BOOST_TEST(r3.outcome.error_command == "SELECT");
    BOOST_TEST(r3.outcome.error_sw == "6A82");
}

BOOST_AUTO_TEST_CASE(commands_one_write_per_round_trip) {
    fake_card card;
    card.apps[0x00DE16] = card_app{};
    commands_request req;
    req.aid = 0x00DE16;
    req.commands = {h("CD0100EEEE100000"), h("CD0200EEEE100000"), h("6F")};
    auto op = make_commands(req);
    const auto r = run(*op, card);
    require_success(r);
    BOOST_TEST((card.batches == std::vector<std::size_t>{3, 2}));
    BOOST_TEST(to_hex(r.outcome.responses[2]) == "01029100");
}

BOOST_AUTO_TEST_CASE(commands_answer_without_end_is_cut_off) {
    fake_card card;
    card.apps[0x00DE16] = card_app{};
    auto op = make_commands(commands_request{0x00DE16, {h("BD01000000000000")}});
    int rounds = 0;
    operation_step step = op->start();
    while (step.batch && ++rounds < 5000) {
        std::vector<bytes> answers(step.batch->commands.size(), h("9100"));
        if (rounds == 1) {
            answers[0] = h("9000"); // SELECT
        }
        answers.back() = h("91AF"); // the read never ends, without data
        step = op->on_responses(std::move(answers));
    }
    BOOST_REQUIRE(step.outcome.has_value());
    BOOST_TEST(step.outcome->error_code == "desfire-error");
    BOOST_TEST(step.outcome->error_command == "ReadData");
    BOOST_TEST(step.outcome->error_sw == "AF");
}

BOOST_AUTO_TEST_SUITE_END()
