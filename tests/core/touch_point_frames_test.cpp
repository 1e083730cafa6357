// The final status frame, persisted and so rendered in core; the other frames are tested with
// their renderer in tests/transport/touch_point_codec_test.cpp.
#include "tsm/core/touch_point_frames.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

namespace frames = tsm::core::frames;
namespace bj = boost::json;

namespace {
bj::object parse(const std::string& s) {
    return bj::parse(s).as_object();
}
} // namespace

BOOST_AUTO_TEST_SUITE(touch_point_frames)

BOOST_AUTO_TEST_CASE(status_frame_carries_code_success_and_raw_message) {
    const auto ok = parse(frames::status(true, R"({"en":"Done","sv":"Klart"})"));
    BOOST_TEST(ok.at("type").as_string() == "status");
    BOOST_TEST(ok.at("code").as_string() == "OK");
    BOOST_TEST(ok.at("success").as_bool() == true);
    BOOST_TEST(ok.at("message").as_object().at("sv").as_string() == "Klart");
    const auto failed = parse(frames::status(false, frames::json_string("It \"failed\"")));
    BOOST_TEST(failed.at("code").as_string() == "FAILED");
    BOOST_TEST(failed.at("success").as_bool() == false);
    BOOST_TEST(failed.at("message").as_string() == "It \"failed\"");
}

BOOST_AUTO_TEST_CASE(status_frame_with_no_message_has_empty_string) {
    const auto v = parse(frames::status(true, ""));
    BOOST_TEST(v.at("message").as_string() == "");
}

BOOST_AUTO_TEST_CASE(json_string_is_a_quoted_escaped_literal) {
    BOOST_TEST(frames::json_string("a\"b\\c") == R"("a\"b\\c")");
    BOOST_TEST(bj::parse(frames::json_string("tab\there")).as_string() == "tab\there");
}

BOOST_AUTO_TEST_SUITE_END()
