#include "tsm/core/transceive_operation.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace core = tsm::core;
using tsm::core::bytes;

using namespace std::string_literals;

BOOST_AUTO_TEST_SUITE(transceive_operation)

BOOST_AUTO_TEST_CASE(payload_round_trips) {
    const std::vector<bytes> cmds = {std::string("\x00\xa4\x04\x00", 4), "", std::string(300, '\x5a'),
                                     std::string(70000, '\x01')};
    const bytes p = core::transceive_operation::encode_payload(cmds);
    BOOST_TEST(p.size() == 4 * 4 + 4 + 0 + 300 + 70000);
    BOOST_TEST(p.substr(0, 4) == std::string("\x00\x00\x00\x04", 4)); // big-endian length
    const auto back = core::transceive_operation::decode_payload(p);
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST(*back == cmds);
}

BOOST_AUTO_TEST_CASE(empty_payload_decodes_to_no_commands) {
    const auto back = core::transceive_operation::decode_payload("");
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST(back->empty());
}

BOOST_AUTO_TEST_CASE(truncated_payload_does_not_decode) {
    const bytes p = core::transceive_operation::encode_payload({"\x00\xa4\x04\x00"s, "\x80\xca"});
    for (std::size_t n = 1; n < p.size(); ++n) {
        if (n == 8) {
            continue; // exactly the first entry: a valid payload of one command
        }
        BOOST_TEST(!core::transceive_operation::decode_payload(std::string_view(p).substr(0, n)).has_value(),
                   "prefix of " << n);
    }
    // Length larger than the remaining bytes.
    BOOST_TEST(
        !core::transceive_operation::decode_payload(std::string("\xff\xff\xff\xff\x00", 5)).has_value());
}

BOOST_AUTO_TEST_CASE(start_sends_all_commands_without_stop_on_error) {
    core::transceive_operation op({"\x01\x02\x03\x04", "\x05\x06\x07\x08"});
    const auto step = op.start();
    BOOST_REQUIRE(step.batch.has_value());
    BOOST_TEST(!step.outcome.has_value());
    BOOST_TEST(step.batch->commands.size() == 2u);
    BOOST_TEST(step.batch->commands[1] == "\x05\x06\x07\x08");
    BOOST_TEST(!step.batch->stop_on_error);
}

BOOST_AUTO_TEST_CASE(responses_finish_with_success_outcome) {
    core::transceive_operation op({"\x01\x02\x03\x04"});
    (void)op.start();
    const auto step = op.on_responses({"\x90\x00"s});
    BOOST_REQUIRE(step.outcome.has_value());
    BOOST_TEST(!step.batch.has_value());
    BOOST_TEST(step.outcome->status_code == 200);
    BOOST_REQUIRE(step.outcome->responses.size() == 1u);
    BOOST_TEST(step.outcome->responses[0] == "\x90\x00"s);
}

BOOST_AUTO_TEST_SUITE_END()
