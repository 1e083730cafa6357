#include "tsm/transport/json_codec.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace tr = tsm::transport;
using kind = tr::touch_point_message::kind;
using namespace std::string_literals;

namespace {

struct decoded {
    std::string error;
    tr::touch_point_message msg;
};

decoded decode(std::string_view json, const tr::json_limits& limits = {}) {
    decoded d;
    d.error = tr::decode_touch_point_message(json, limits, d.msg);
    return d;
}

/// The error is non-empty and names `field`.
void check_error_names(const std::string& error, std::string_view field) {
    BOOST_TEST(!error.empty());
    BOOST_TEST(error.find(field) != std::string::npos, "'" << error << "' should name " << field);
}

std::string hex_string(std::size_t bytes) {
    return std::string(bytes * 2, 'A');
}

} // namespace

BOOST_AUTO_TEST_SUITE(json_codec)

// ---------------------------------------------------------------- touch-point messages

BOOST_AUTO_TEST_CASE(decodes_describe) {
    const auto d = decode(R"({"type":"describe","appId":"0A1B2C3D","serviceId":"svc-1"})");
    BOOST_TEST(d.error == "");
    BOOST_TEST((d.msg.type == kind::describe));
    BOOST_TEST(d.msg.type_name == "describe");
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
    const auto d = decode(R"({"type":"resume","sessionId":"123e4567-e89b-42d3-a456-426614174000","resumeToken":"ab12"})");
    BOOST_TEST(d.error == "");
    BOOST_TEST((d.msg.type == kind::resume));
    BOOST_TEST(d.msg.session_id == "123e4567-e89b-42d3-a456-426614174000");
    BOOST_TEST(d.msg.resume_token == "ab12");
}

BOOST_AUTO_TEST_CASE(decodes_status_with_string_message) {
    const auto d = decode(R"({"type":"status","code":"CLIENT_ERROR","message":"card \"removed\""})");
    BOOST_TEST(d.error == "");
    BOOST_TEST((d.msg.type == kind::status));
    BOOST_TEST(d.msg.code == "CLIENT_ERROR");
    BOOST_TEST(d.msg.message == "card \"removed\"");
}

BOOST_AUTO_TEST_CASE(status_with_scalar_message_keeps_its_json_text) {
    const auto d = decode(R"({"type":"status","code":"CLIENT_ERROR","message":42})");
    BOOST_TEST(d.error == "");
    BOOST_TEST(d.msg.message == "42");
}

// docs/touchpoint-protocol.md: a non-string `message` "is passed on as its JSON text", the whole
// value and not only its opening brace or bracket.
BOOST_AUTO_TEST_CASE(status_with_object_message_keeps_its_json_text) {
    const auto d = decode(R"({"type":"status","code":"CLIENT_ERROR","message":{"reason":"reader"}})");
    BOOST_TEST(d.error == "");
    BOOST_TEST(d.msg.message == R"({"reason":"reader"})");
    const auto a = decode(R"({"type":"status","code":"CLIENT_ERROR","message":[1,2]})");
    BOOST_TEST(a.msg.message == "[1,2]");
}

BOOST_AUTO_TEST_CASE(unknown_type_decodes_as_unknown) {
    const auto d = decode(R"({"type":"dance","steps":[1,2,3]})");
    BOOST_TEST(d.error == "");
    BOOST_TEST((d.msg.type == kind::unknown));
    BOOST_TEST(d.msg.type_name == "dance");
}

BOOST_AUTO_TEST_CASE(ignores_unknown_members) {
    const auto d = decode(R"({"x":{"y":[null]},"type":"describe","z":1.5,"appId":"a","serviceId":"s"})");
    BOOST_TEST(d.error == "");
    BOOST_TEST((d.msg.type == kind::describe));
    BOOST_TEST(d.msg.app_id == "a");
}

BOOST_AUTO_TEST_CASE(rejects_missing_type) {
    check_error_names(decode(R"({"appId":"a"})").error, "type");
}

BOOST_AUTO_TEST_CASE(rejects_text_that_is_not_json) {
    BOOST_TEST(!decode("hello").error.empty());
    BOOST_TEST(!decode("").error.empty());
    BOOST_TEST(!decode(R"({"type":"describe")").error.empty());
    BOOST_TEST(!decode(R"({"type":"describe",})").error.empty());
    BOOST_TEST(!decode(R"({"type":"des)").error.empty());
}

BOOST_AUTO_TEST_CASE(rejects_json_that_is_not_an_object) {
    for (auto j : {R"(["type","describe"])", R"("describe")", "42", "null", "true"}) {
        BOOST_TEST(!decode(j).error.empty(), j);
    }
}

BOOST_AUTO_TEST_CASE(rejects_trailing_garbage) {
    BOOST_TEST(!decode(R"({"type":"describe"} x)").error.empty());
    BOOST_TEST(!decode(R"({"type":"describe"}{"type":"describe"})").error.empty());
    BOOST_TEST(!decode(R"({"type":"describe"} 1)").error.empty());
    BOOST_TEST(decode("{\"type\":\"describe\"} \n\t ").error == ""); // whitespace is fine
}

BOOST_AUTO_TEST_CASE(rejects_members_of_the_wrong_type_naming_them) {
    check_error_names(decode(R"({"type":7})").error, "type");
    check_error_names(decode(R"({"type":"describe","appId":1})").error, "appId");
    check_error_names(decode(R"({"type":"describe","serviceId":null})").error, "serviceId");
    check_error_names(decode(R"({"type":"resume","sessionId":[]})").error, "sessionId");
    check_error_names(decode(R"({"type":"resume","resumeToken":{}})").error, "resumeToken");
    check_error_names(decode(R"({"type":"status","code":false})").error, "code");
    check_error_names(decode(R"({"type":"responses","batch":"1"})").error, "batch");
    check_error_names(decode(R"({"type":"responses","batch":-1})").error, "batch");
    check_error_names(decode(R"({"type":"responses","batch":1.5})").error, "batch");
    check_error_names(decode(R"({"type":"responses","responses":"9000"})").error, "responses");
    check_error_names(decode(R"({"type":"responses","responses":[9000]})").error, "responses");
    check_error_names(decode(R"({"type":"deliver","fields":"x"})").error, "fields");
    check_error_names(decode(R"({"type":"deliver","fields":[]})").error, "fields");
    check_error_names(decode(R"({"type":"deliver","cardId":"x"})").error, "cardId");
    check_error_names(decode(R"({"type":"deliver","cardId":{"cin":1}})").error, "cardId.cin");
    check_error_names(decode(R"({"type":"deliver","cardId":{"iin":true}})").error, "cardId.iin");
    check_error_names(decode(R"({"type":"deliver","cardId":{"platformVersion":"2"}})").error,
                      "cardId.platformVersion");
}

BOOST_AUTO_TEST_CASE(rejects_bad_hex_in_responses_naming_the_field) {
    check_error_names(decode(R"({"type":"responses","batch":1,"responses":["90G0"]})").error, "responses");
    check_error_names(decode(R"({"type":"responses","batch":1,"responses":["900"]})").error, "responses");
    check_error_names(decode(R"({"type":"responses","batch":1,"responses":[""]})").error, "responses");
    check_error_names(decode(R"({"type":"responses","batch":1,"responses":["9000","0x90"]})").error,
                      "responses");
}

BOOST_AUTO_TEST_CASE(rejects_too_many_responses) {
    tr::json_limits limits;
    limits.max_commands = 3;
    const std::string three = R"({"type":"responses","batch":1,"responses":["9000","9000","9000"]})";
    BOOST_TEST(decode(three, limits).error == "");
    const std::string four = R"({"type":"responses","batch":1,"responses":["9000","9000","9000","9000"]})";
    check_error_names(decode(four, limits).error, "responses");
}

BOOST_AUTO_TEST_CASE(rejects_an_oversized_response) {
    tr::json_limits limits;
    limits.max_apdu_bytes = 10;
    const std::string ok = R"({"type":"responses","batch":1,"responses":[")" + hex_string(10) + R"("]})";
    BOOST_TEST(decode(ok, limits).error == "");
    const std::string big = R"({"type":"responses","batch":1,"responses":[")" + hex_string(11) + R"("]})";
    check_error_names(decode(big, limits).error, "responses");
}

BOOST_AUTO_TEST_CASE(decodes_a_short_message_after_a_long_one) {
    // The thread's parse buffer is reused; stale bytes of a longer message must not leak in.
    const std::string long_msg = R"({"type":"deliver","appId":")" + std::string(5000, 'x') + R"(","serviceId":"s"})";
    BOOST_TEST(decode(long_msg).error == "");
    const auto d = decode(R"({"type":"describe"})");
    BOOST_TEST(d.error == "");
    BOOST_TEST(d.msg.app_id.empty());
    BOOST_TEST(!decode(R"({"type":"describe")").error.empty());
}

// ---------------------------------------------------------------- admin bodies

// ---------------------------------------------------------------- is_json_object

BOOST_AUTO_TEST_CASE(is_json_object_accepts_objects) {
    BOOST_TEST(tr::is_json_object("{}"));
    BOOST_TEST(tr::is_json_object(R"( {"a":[1,{"b":null}],"c":"d"} )"));
}

BOOST_AUTO_TEST_CASE(is_json_object_refuses_arrays_scalars_and_broken_text) {
    for (auto j : {"[]", "[{}]", "1", "\"{}\"", "null", "true", "", "   ", R"({"a":1)", R"({"a":)", "{",
                   R"({"a":1} x)", R"({"a":1}{})", R"({"a":1} [])"}) {
        BOOST_TEST(!tr::is_json_object(j), "'" << j << "'");
    }
}

// simdjson's on-demand skip does not validate nested values: is_json_object must read them all,
// or malformed SP descriptions would be relayed verbatim to the touch point.
BOOST_AUTO_TEST_CASE(is_json_object_refuses_malformed_nested_values) {
    for (auto j : {R"({"a":tru})", R"({"a":nul})", R"({"a":01})", R"({"a":1.})", R"({"a":"\q"})",
                   R"({"a":[1,]})", R"({"a":{"b"}})", R"({"a" 1})", R"({"a":1,})"}) {
        BOOST_TEST(!tr::is_json_object(j), "'" << j << "'");
    }
}

BOOST_AUTO_TEST_SUITE_END()
