// Touch-point protocol v1 codec: client frames decoded and checked, server frames rendered, and
// every refusal rendered as the documented error frame (docs/touchpoint-protocol.md §2).
#include "tsm/transport/touch_point/v1/codec.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace core = tsm::core;
namespace tp = tsm::transport::touch_point;
namespace v1 = tsm::transport::touch_point::v1;
namespace bj = boost::json;
using kind = tp::message::kind;
using namespace std::string_literals;

namespace {

constexpr std::string_view uuid = "123e4567-e89b-42d3-a456-426614174000";

struct decoded {
    std::string error; ///< the refusal's message, empty when decoded
    tp::message msg;
};

decoded decode(std::string_view json, const tp::limits& limits = {}) {
    decoded d;
    auto r = v1::decode(json, limits);
    if (r) {
        d.msg = std::move(*r);
    } else {
        BOOST_TEST((r.error().code == core::api_errc::bad_request));
        d.error = r.error().message;
        if (d.error.empty()) {
            d.error = "(refused without a message)";
        }
    }
    return d;
}

bj::object parse(const std::string& s) {
    return bj::parse(s).as_object();
}

/// The frame is refused, the message names `field`, and the error frame says so.
void check_error_names(std::string_view frame, std::string_view field, const tp::limits& limits = {}) {
    auto r = v1::decode(frame, limits);
    BOOST_REQUIRE_MESSAGE(!r, "'" << frame << "' should be refused");
    const std::string& error = r.error().message;
    BOOST_TEST(error.find(field) != std::string::npos, "'" << error << "' should name " << field);
    const auto e = parse(v1::codec(limits).error(r.error()));
    BOOST_TEST(e.at("type").as_string() == "error");
    BOOST_TEST(e.at("code").as_string() == "bad-request");
    BOOST_TEST(e.at("message").as_string() == error);
}

std::string hex_string(std::size_t bytes) {
    return std::string(bytes * 2, 'A');
}

} // namespace

BOOST_AUTO_TEST_SUITE(touch_point_codec)

// ---------------------------------------------------------------- client frames

BOOST_AUTO_TEST_CASE(decodes_describe) {
    const auto d = decode(R"({"type":"describe","appId":"0A1B2C3D","serviceId":"svc-1"})");
    BOOST_TEST(d.error == "");
    BOOST_TEST((d.msg.type == kind::describe));
    BOOST_TEST(d.msg.app_id == "0A1B2C3D");
    BOOST_TEST(d.msg.service_id == "svc-1");
}

BOOST_AUTO_TEST_CASE(decodes_deliver_with_card_and_fields) {
    const auto d = decode(R"({"type":"deliver","appId":"0A1B2C3D","serviceId":"svc-1",
        "cardId":{"iin":"8A2C10","cin":"0E48800471400A","platformVersion":2,"extra":true},
        "fields":{"pin":"1234","nested":{"a":[1,2]}}})");
    BOOST_TEST(d.error == "");
    BOOST_TEST((d.msg.type == kind::deliver));
    BOOST_TEST(d.msg.iin == "8A2C10");
    BOOST_TEST(d.msg.cin == "0E48800471400A");
    BOOST_TEST(d.msg.platform_version == 2);
    BOOST_TEST(d.msg.fields_json == R"({"pin":"1234","nested":{"a":[1,2]}})");
}

BOOST_AUTO_TEST_CASE(deliver_without_optional_members_leaves_defaults) {
    const auto d = decode(R"({"type":"deliver","appId":"a","serviceId":"s","cardId":{"cin":"01"}})");
    BOOST_TEST(d.error == "");
    BOOST_TEST(d.msg.platform_version == 0);
    BOOST_TEST(d.msg.iin.empty());
    BOOST_TEST(d.msg.fields_json.empty());
}

BOOST_AUTO_TEST_CASE(decodes_responses_from_hex_of_either_case) {
    const auto d = decode(R"({"type":"responses","batch":7,"responses":["6f109000","6A82"]})");
    BOOST_TEST(d.error == "");
    BOOST_TEST((d.msg.type == kind::responses));
    BOOST_TEST(d.msg.batch == 7u);
    BOOST_REQUIRE_EQUAL(d.msg.responses.size(), 2u);
    BOOST_TEST(d.msg.responses[0] == "\x6f\x10\x90\x00"s);
    BOOST_TEST(d.msg.responses[1] == "\x6a\x82"s);
    const auto big = decode(R"({"type":"responses","batch":18446744073709551615,"responses":[]})");
    BOOST_TEST(big.error == "");
    BOOST_TEST(big.msg.batch == 18446744073709551615ull);
    BOOST_TEST(big.msg.responses.empty());
}

BOOST_AUTO_TEST_CASE(decodes_resume) {
    const auto d = decode(
        R"({"type":"resume","sessionId":"123e4567-e89b-42d3-a456-426614174000","resumeToken":"ab12"})");
    BOOST_TEST(d.error == "");
    BOOST_TEST((d.msg.type == kind::resume));
    BOOST_TEST(d.msg.session_id == uuid);
    BOOST_TEST(d.msg.resume_token == "ab12");
}

BOOST_AUTO_TEST_CASE(decodes_status_client_error_with_string_message) {
    const auto d = decode(R"({"type":"status","code":"CLIENT_ERROR","message":"card \"removed\""})");
    BOOST_TEST(d.error == "");
    BOOST_TEST((d.msg.type == kind::client_error));
    BOOST_TEST(d.msg.abort_message == "card \"removed\"");
    const auto none = decode(R"({"type":"status","code":"CLIENT_ERROR"})");
    BOOST_TEST(none.error == "");
    BOOST_TEST(none.msg.abort_message.empty());
}

BOOST_AUTO_TEST_CASE(status_with_scalar_message_keeps_its_json_text) {
    const auto d = decode(R"({"type":"status","code":"CLIENT_ERROR","message":42 })");
    BOOST_TEST(d.error == "");
    BOOST_TEST(d.msg.abort_message == "42");
    BOOST_TEST(decode(R"({"type":"status","code":"CLIENT_ERROR","message":true})").msg.abort_message
               == "true");
}

BOOST_AUTO_TEST_CASE(status_with_object_message_keeps_its_json_text) {
    const auto d = decode(R"({"type":"status","code":"CLIENT_ERROR","message":{"reason":"reader"}})");
    BOOST_TEST(d.error == "");
    BOOST_TEST(d.msg.abort_message == R"({"reason":"reader"})");
    const auto a = decode(R"({"type":"status","code":"CLIENT_ERROR","message":[1,2]})");
    BOOST_TEST(a.msg.abort_message == "[1,2]");
}

BOOST_AUTO_TEST_CASE(ignores_unknown_members) {
    const auto d = decode(R"({"x":{"y":[null]},"type":"describe","z":1.5,"appId":"a","serviceId":"s"})");
    BOOST_TEST(d.error == "");
    BOOST_TEST((d.msg.type == kind::describe));
    BOOST_TEST(d.msg.app_id == "a");
}

BOOST_AUTO_TEST_CASE(decodes_a_short_message_after_a_long_one) {
    // The thread's parse buffer is reused; stale bytes of a longer message must not leak in.
    const std::string long_msg =
        R"({"type":"deliver","appId":"a","serviceId":"s","cardId":{"cin":"01"},"fields":{"pad":")"
        + std::string(5000, 'x') + R"("}})";
    BOOST_TEST(decode(long_msg).error == "");
    const auto d = decode(R"({"type":"describe","appId":"b","serviceId":"t"})");
    BOOST_TEST(d.error == "");
    BOOST_TEST(d.msg.app_id == "b");
    BOOST_TEST(d.msg.fields_json.empty());
    BOOST_TEST(!decode(R"({"type":"describe")").error.empty());
}

// ---------------------------------------------------------------- refusals

BOOST_AUTO_TEST_CASE(refuses_text_that_is_not_json) {
    for (auto j : {"hello", "", R"({"type":"describe")", R"({"type":"describe",})", R"({"type":"des)"}) {
        const auto d = decode(j);
        BOOST_TEST(!d.error.empty(), "'" << j << "'");
    }
    BOOST_TEST(decode(R"({"type":"des)").error == "not valid JSON");
}

BOOST_AUTO_TEST_CASE(refuses_json_that_is_not_an_object) {
    for (auto j : {R"(["type","describe"])", R"("describe")", "42", "null", "true"}) {
        BOOST_TEST(decode(j).error == "the body must be a JSON object", j);
    }
}

BOOST_AUTO_TEST_CASE(refuses_trailing_garbage) {
    const std::string ok = R"({"type":"describe","appId":"a","serviceId":"s"})";
    BOOST_TEST(!decode(ok + " x").error.empty());
    BOOST_TEST(!decode(ok + ok).error.empty());
    BOOST_TEST(!decode(ok + " 1").error.empty());
    BOOST_TEST(decode(ok + " \n\t ").error == ""); // whitespace is fine
}

BOOST_AUTO_TEST_CASE(refuses_a_missing_type) {
    check_error_names(R"({"appId":"a"})", "type");
    BOOST_TEST(decode(R"({"appId":"a"})").error == "missing type");
}

BOOST_AUTO_TEST_CASE(refuses_an_unknown_type_naming_it) {
    // The documented example: {"type":"error","code":"bad-request","message":"unknown message type 'dance'"}.
    const auto r = v1::decode(R"({"type":"dance","steps":[1,2,3]})", {});
    BOOST_REQUIRE(!r);
    BOOST_TEST(v1::frames::error(r.error())
               == R"({"type":"error","code":"bad-request","message":"unknown message type 'dance'"})");
}

BOOST_AUTO_TEST_CASE(refuses_members_of_the_wrong_type_naming_them) {
    check_error_names(R"({"type":7})", "type");
    check_error_names(R"({"type":"describe","appId":1})", "appId");
    check_error_names(R"({"type":"describe","serviceId":null})", "serviceId");
    check_error_names(R"({"type":"resume","sessionId":[]})", "sessionId");
    check_error_names(R"({"type":"resume","resumeToken":{}})", "resumeToken");
    check_error_names(R"({"type":"status","code":false})", "code");
    check_error_names(R"({"type":"responses","batch":"1"})", "batch");
    check_error_names(R"({"type":"responses","batch":-1})", "batch");
    check_error_names(R"({"type":"responses","batch":1.5})", "batch");
    check_error_names(R"({"type":"responses","responses":"9000"})", "responses");
    check_error_names(R"({"type":"responses","responses":[9000]})", "responses");
    check_error_names(R"({"type":"deliver","fields":"x"})", "fields");
    check_error_names(R"({"type":"deliver","fields":[]})", "fields");
    check_error_names(R"({"type":"deliver","cardId":"x"})", "cardId");
    check_error_names(R"({"type":"deliver","cardId":{"cin":1}})", "cardId.cin");
    check_error_names(R"({"type":"deliver","cardId":{"iin":true}})", "cardId.iin");
    check_error_names(R"({"type":"deliver","cardId":{"platformVersion":"2"}})", "cardId.platformVersion");
}

BOOST_AUTO_TEST_CASE(refuses_bad_hex_in_responses_naming_the_field) {
    check_error_names(R"({"type":"responses","batch":1,"responses":["90G0"]})", "responses");
    check_error_names(R"({"type":"responses","batch":1,"responses":["900"]})", "responses");
    check_error_names(R"({"type":"responses","batch":1,"responses":[""]})", "responses");
    check_error_names(R"({"type":"responses","batch":1,"responses":["9000","0x90"]})", "responses");
    BOOST_TEST(decode(R"({"type":"responses","batch":1,"responses":["9000","0x90"]})").error
               == "responses: entry 1 is not valid hex");
}

BOOST_AUTO_TEST_CASE(refuses_too_many_responses) {
    tp::limits limits;
    limits.max_responses = 3;
    const std::string three = R"({"type":"responses","batch":1,"responses":["9000","9000","9000"]})";
    BOOST_TEST(decode(three, limits).error == "");
    const std::string four = R"({"type":"responses","batch":1,"responses":["9000","9000","9000","9000"]})";
    check_error_names(four, "responses", limits);
    BOOST_TEST(decode(four, limits).error == "responses: more than 3 entries");
}

BOOST_AUTO_TEST_CASE(refuses_an_oversized_response) {
    tp::limits limits;
    limits.max_apdu_bytes = 10;
    const std::string ok = R"({"type":"responses","batch":1,"responses":[")" + hex_string(10) + R"("]})";
    BOOST_TEST(decode(ok, limits).error == "");
    const std::string big = R"({"type":"responses","batch":1,"responses":[")" + hex_string(11) + R"("]})";
    check_error_names(big, "responses", limits);
    BOOST_TEST(decode(big, limits).error == "responses: entry longer than 10 bytes");
}

BOOST_AUTO_TEST_CASE(refuses_bad_ids) {
    for (auto j : {R"({"type":"describe","serviceId":"s"})", R"({"type":"describe","appId":"a"})",
                   R"({"type":"describe","appId":"a/b","serviceId":"s"})",
                   R"({"type":"describe","appId":"a","serviceId":"s?x=1"})"}) {
        BOOST_TEST(decode(j).error == "describe needs appId and serviceId", j);
    }
    const std::string long_id(129, 'a');
    BOOST_TEST(decode(R"({"type":"describe","appId":")" + long_id + R"(","serviceId":"s"})").error
               == "describe needs appId and serviceId");
    BOOST_TEST(decode(R"({"type":"describe","appId":")" + long_id.substr(1) + R"(","serviceId":"s"})").error
               == "");
    BOOST_TEST(decode(R"({"type":"deliver","appId":"a","cardId":{"cin":"01"}})").error
               == "deliver needs appId and serviceId");
}

BOOST_AUTO_TEST_CASE(refuses_a_deliver_without_hex_card_ids) {
    for (auto j : {R"({"type":"deliver","appId":"a","serviceId":"s"})",
                   R"({"type":"deliver","appId":"a","serviceId":"s","cardId":{"cin":""}})",
                   R"({"type":"deliver","appId":"a","serviceId":"s","cardId":{"cin":"0G"}})",
                   R"({"type":"deliver","appId":"a","serviceId":"s","cardId":{"cin":"010"}})",
                   R"({"type":"deliver","appId":"a","serviceId":"s","cardId":{"cin":"01","iin":"X1"}})"}) {
        BOOST_TEST(decode(j).error == "cardId.cin (and cardId.iin when given) must be hex", j);
    }
}

BOOST_AUTO_TEST_CASE(refuses_a_resume_without_uuid_and_token) {
    for (auto j : {R"({"type":"resume","sessionId":"not-a-uuid","resumeToken":"ab"})",
                   R"({"type":"resume","sessionId":"123e4567-e89b-42d3-a456-426614174000"})",
                   R"({"type":"resume","sessionId":"123e4567-e89b-42d3-a456-426614174000","resumeToken":""})",
                   R"({"type":"resume","resumeToken":"ab"})"}) {
        BOOST_TEST(decode(j).error == "resume needs sessionId (a UUID) and resumeToken", j);
    }
}

BOOST_AUTO_TEST_CASE(refuses_a_status_other_than_client_error) {
    for (auto j : {R"({"type":"status","code":"OK"})", R"({"type":"status"})"}) {
        BOOST_TEST(decode(j).error == "touch points send status only with code CLIENT_ERROR", j);
    }
}

// ---------------------------------------------------------------- server frames

BOOST_AUTO_TEST_CASE(commands_frame_carries_batch_operation_and_hex_commands) {
    core::apdu_batch b{{std::string("\x00\xa4\x04\x00", 4), "\x80\xca\x9f\x7f"}, true, {}};
    const auto v = parse(v1::frames::commands(18446744073709551615ull, "op-1", b));
    BOOST_TEST(v.at("type").as_string() == "commands");
    BOOST_TEST(v.at("batch").to_number<std::uint64_t>() == 18446744073709551615ull);
    BOOST_TEST(v.at("operationId").as_string() == "op-1");
    const auto& c = v.at("commands").as_array();
    BOOST_REQUIRE(c.size() == 2u);
    BOOST_TEST(c[0].as_string() == "00A40400");
    BOOST_TEST(c[1].as_string() == "80CA9F7F");
    BOOST_TEST(v.at("stopOnError").as_bool() == true);
    const auto v2 = parse(v1::frames::commands(3, "op-2", core::apdu_batch{{"\x01\x02"}, false, {}}));
    BOOST_TEST(v2.at("stopOnError").as_bool() == false);
    BOOST_TEST(v2.at("batch").as_int64() == 3);
}

BOOST_AUTO_TEST_CASE(session_and_resumed_frames_carry_ids) {
    const auto s = parse(v1::frames::session("sid-1", "abcdef"));
    BOOST_TEST(s.at("type").as_string() == "session");
    BOOST_TEST(s.at("sessionId").as_string() == "sid-1");
    BOOST_TEST(s.at("resumeToken").as_string() == "abcdef");
    const auto r = parse(v1::frames::resumed("sid-2"));
    BOOST_TEST(r.at("type").as_string() == "resumed");
    BOOST_TEST(r.at("sessionId").as_string() == "sid-2");
}

BOOST_AUTO_TEST_CASE(error_frame_carries_code_and_escaped_message) {
    const auto e =
        parse(v1::frames::error(core::make_api_error(core::api_errc::not_found, "no \"such\"\nthing")));
    BOOST_TEST(e.at("type").as_string() == "error");
    BOOST_TEST(e.at("code").as_string() == "not-found");
    BOOST_TEST(e.at("message").as_string() == "no \"such\"\nthing");
    const auto u = parse(v1::frames::error(core::make_api_error(core::api_errc::unavailable, "later")));
    BOOST_TEST(u.at("code").as_string() == "unavailable");
}

BOOST_AUTO_TEST_CASE(description_frame_relays_description_verbatim) {
    const std::string desc = R"({"title":"Pay","price":{"amount":1.5},"list":[1,2]})";
    const std::string text = v1::frames::description("0A1B2C3D", "svc-1", desc);
    BOOST_TEST(text.find(desc) != std::string::npos);
    const auto d = parse(text);
    BOOST_TEST(d.at("type").as_string() == "description");
    BOOST_TEST(d.at("appId").as_string() == "0A1B2C3D");
    BOOST_TEST(d.at("serviceId").as_string() == "svc-1");
    BOOST_TEST(d.at("description").as_object().at("title").as_string() == "Pay");
}

BOOST_AUTO_TEST_CASE(codec_renders_as_the_frame_functions_and_relays_the_final_status) {
    const v1::codec codec;
    BOOST_TEST(codec.path() == "/touchpoint/v1");
    const core::apdu_batch b{{"\x01\x02"}, true, {}};
    BOOST_TEST(codec.commands(4, "op", b) == v1::frames::commands(4, "op", b));
    BOOST_TEST(codec.session("s", "t") == v1::frames::session("s", "t"));
    BOOST_TEST(codec.resumed("s") == v1::frames::resumed("s"));
    BOOST_TEST(codec.description("a", "s", "{}") == v1::frames::description("a", "s", "{}"));
    const std::string persisted = R"({"type":"status","code":"OK","success":true,"message":""})";
    BOOST_TEST(codec.final_status(persisted) == persisted);
    tp::limits small;
    small.max_responses = 1;
    BOOST_TEST(!v1::codec(small).decode(R"({"type":"responses","batch":1,"responses":["9000","9000"]})"));
    BOOST_TEST(
        v1::codec().decode(R"({"type":"responses","batch":1,"responses":["9000","9000"]})").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
