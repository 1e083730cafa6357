#include "tsm/core/touch_point_frames.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

namespace core = tsm::core;
namespace frames = tsm::core::frames;
namespace bj = boost::json;

namespace {
bj::object parse(const std::string& s) {
    return bj::parse(s).as_object();
}
} // namespace

BOOST_AUTO_TEST_SUITE(touch_point_frames)

BOOST_AUTO_TEST_CASE(commands_frame_carries_batch_operation_and_hex_commands) {
    core::apdu_batch b{{std::string("\x00\xa4\x04\x00", 4), "\x80\xca\x9f\x7f"}, true};
    const auto v = parse(frames::commands(18446744073709551615ull, "op-1", b));
    BOOST_TEST(v.at("type").as_string() == "commands");
    BOOST_TEST(v.at("batch").to_number<std::uint64_t>() == 18446744073709551615ull);
    BOOST_TEST(v.at("operationId").as_string() == "op-1");
    const auto& c = v.at("commands").as_array();
    BOOST_REQUIRE(c.size() == 2u);
    BOOST_TEST(c[0].as_string() == "00A40400");
    BOOST_TEST(c[1].as_string() == "80CA9F7F");
    BOOST_TEST(v.at("stopOnError").as_bool() == true);
    const auto v2 = parse(frames::commands(3, "op-2", core::apdu_batch{{"\x01\x02"}, false}));
    BOOST_TEST(v2.at("stopOnError").as_bool() == false);
    BOOST_TEST(v2.at("batch").as_int64() == 3);
}

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

BOOST_AUTO_TEST_CASE(session_and_resumed_frames_carry_ids) {
    const auto s = parse(frames::session("sid-1", "abcdef"));
    BOOST_TEST(s.at("type").as_string() == "session");
    BOOST_TEST(s.at("sessionId").as_string() == "sid-1");
    BOOST_TEST(s.at("resumeToken").as_string() == "abcdef");
    const auto r = parse(frames::resumed("sid-2"));
    BOOST_TEST(r.at("type").as_string() == "resumed");
    BOOST_TEST(r.at("sessionId").as_string() == "sid-2");
}

BOOST_AUTO_TEST_CASE(error_frame_carries_code_and_escaped_message) {
    const auto e = parse(frames::error("not-found", "no \"such\"\nthing"));
    BOOST_TEST(e.at("type").as_string() == "error");
    BOOST_TEST(e.at("code").as_string() == "not-found");
    BOOST_TEST(e.at("message").as_string() == "no \"such\"\nthing");
}

BOOST_AUTO_TEST_CASE(description_frame_relays_description_verbatim) {
    const std::string desc = R"({"title":"Pay","price":{"amount":1.5},"list":[1,2]})";
    const std::string text = frames::description("0A1B2C3D", "svc-1", desc);
    BOOST_TEST(text.find(desc) != std::string::npos);
    const auto d = parse(text);
    BOOST_TEST(d.at("type").as_string() == "description");
    BOOST_TEST(d.at("appId").as_string() == "0A1B2C3D");
    BOOST_TEST(d.at("serviceId").as_string() == "svc-1");
    BOOST_TEST(d.at("description").as_object().at("title").as_string() == "Pay");
}

BOOST_AUTO_TEST_CASE(json_string_is_a_quoted_escaped_literal) {
    BOOST_TEST(frames::json_string("a\"b\\c") == R"("a\"b\\c")");
    BOOST_TEST(bj::parse(frames::json_string("tab\there")).as_string() == "tab\there");
}

BOOST_AUTO_TEST_SUITE_END()
