// The Fidesmo WebSocket dialect's codec: the URL read as a deliver, client frames decoded and
// checked, server frames rendered as the client protocol reference §4 has them (fdsm reads them).
#include "tsm/transport/touch_point/fidesmo_ws/codec.hpp"

#include "tsm/core/touch_point_frames.hpp"
#include "tsm/transport/ws_hub.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace core = tsm::core;
namespace tp = tsm::transport::touch_point;
namespace fws = tsm::transport::touch_point::fidesmo_ws;
namespace bj = boost::json;
using kind = tp::message::kind;
using namespace std::string_literals;

namespace {

bj::object parse(const std::string& s) {
    return bj::parse(s).as_object();
}

/// The refusal's message (the test fails when `target` opens).
std::string opening_error(std::string_view target) {
    auto r = fws::opening(target);
    BOOST_REQUIRE_MESSAGE(!r, "'" << target << "' should be refused");
    BOOST_TEST((r.error().code == core::api_errc::bad_request));
    return r.error().message;
}

std::string decode_error(std::string_view frame, const tp::limits& limits = {}) {
    auto r = fws::decode(frame, limits);
    BOOST_REQUIRE_MESSAGE(!r, "'" << frame << "' should be refused");
    BOOST_TEST((r.error().code == core::api_errc::bad_request));
    return r.error().message;
}

} // namespace

BOOST_AUTO_TEST_SUITE(fidesmo_ws_codec)

// ---------------------------------------------------------------- the URL

BOOST_AUTO_TEST_CASE(the_url_names_app_service_and_device_and_its_other_parameters_are_fields) {
    auto r = fws::opening("/v3/ws/apps/a1b2c3d4/services/demo?cin=0e48800471400a&color=dark%20blue&n=1");
    BOOST_REQUIRE(r);
    const tp::message& m = *r;
    BOOST_TEST((m.type == kind::deliver));
    BOOST_TEST(m.app_id == "a1b2c3d4");
    BOOST_TEST(m.service_id == "demo");
    BOOST_TEST(m.cin == "0E48800471400A"); // upper case, as the registry keeps CINs
    BOOST_TEST(m.iin.empty());
    BOOST_TEST(m.platform_version == 0);
    BOOST_TEST(m.device_from_registry);
    BOOST_TEST(m.session_id_as_token);
    const auto fields = parse(m.fields_json);
    BOOST_TEST(fields.size() == 2u);
    BOOST_TEST(fields.at("color").as_string() == "dark blue");
    BOOST_TEST(fields.at("n").as_string() == "1");
}

BOOST_AUTO_TEST_CASE(the_unprefixed_url_and_a_url_without_fields_open_too) {
    auto r = fws::opening("/ws/apps/A1B2C3D4/services/svc-1.x_y?cin=0102");
    BOOST_REQUIRE(r);
    BOOST_TEST(r->app_id == "A1B2C3D4");
    BOOST_TEST(r->service_id == "svc-1.x_y");
    BOOST_TEST(r->cin == "0102");
    BOOST_TEST(r->fields_json.empty()); // no fields: none passed to the SP
    // Escaped characters of an id are decoded before the id is checked.
    auto escaped = fws::opening("/ws/apps/A1%42/services/demo?cin=01");
    BOOST_REQUIRE(escaped);
    BOOST_TEST(escaped->app_id == "A1B");
}

BOOST_AUTO_TEST_CASE(a_url_without_a_hex_cin_is_refused) {
    const std::string needs_cin = "the query must give the device's cin, in hex";
    BOOST_TEST(opening_error("/v3/ws/apps/a1b2c3d4/services/demo") == needs_cin);
    BOOST_TEST(opening_error("/v3/ws/apps/a1b2c3d4/services/demo?color=x") == needs_cin);
    BOOST_TEST(opening_error("/v3/ws/apps/a1b2c3d4/services/demo?cin=") == needs_cin);
    BOOST_TEST(opening_error("/v3/ws/apps/a1b2c3d4/services/demo?cin=123") == needs_cin); // odd length
    BOOST_TEST(opening_error("/v3/ws/apps/a1b2c3d4/services/demo?cin=0G") == needs_cin);
    BOOST_TEST(opening_error("/v3/ws/apps/a1b2c3d4/services/demo?cin=" + std::string(66, 'A')) == needs_cin);
    BOOST_TEST(opening_error("/v3/ws/apps/a1b2c3d4/services/demo?cin=01&cin=02")
               == "the query names cin twice");
}

BOOST_AUTO_TEST_CASE(bad_ids_paths_and_fields_are_refused) {
    const std::string shape = "the URL must be /v3/ws/apps/{appId}/services/{serviceId}";
    BOOST_TEST(opening_error("/v3/ws/apps/a1b2c3d4?cin=01") == shape);
    BOOST_TEST(opening_error("/v3/ws/apps/a1b2c3d4/services/demo/x?cin=01") == shape);
    BOOST_TEST(opening_error("/v2/ws/apps/a1b2c3d4/services/demo?cin=01") == shape);
    BOOST_TEST(opening_error("/v3/ws/app/a1b2c3d4/services/demo?cin=01") == shape);
    BOOST_TEST(opening_error("not a target") == "the URL is not a valid request target");
    const std::string ids =
        "appId and serviceId must be ids of letters, digits, '-', '_' or '.' (at most 128)";
    BOOST_TEST(opening_error("/v3/ws/apps/a%2Fb/services/demo?cin=01") == ids); // an escaped '/'
    BOOST_TEST(opening_error("/v3/ws/apps/a1b2c3d4/services/de%20mo?cin=01") == ids);
    BOOST_TEST(opening_error("/v3/ws/apps/a1b2c3d4/services/" + std::string(129, 's') + "?cin=01") == ids);
    BOOST_TEST(opening_error("/v3/ws/apps/a1b2c3d4/services/demo?cin=01&a=1&a=2")
               == "the query names field 'a' twice");
    BOOST_TEST(opening_error("/v3/ws/apps/a1b2c3d4/services/demo?cin=01&=1")
               == "a query parameter without a name");
    std::string many = "/v3/ws/apps/a1b2c3d4/services/demo?cin=01";
    for (std::size_t i = 0; i <= fws::max_fields; ++i) {
        many += "&f" + std::to_string(i) + "=v";
    }
    BOOST_TEST(opening_error(many) == "more than 32 fields in the query");
}

BOOST_AUTO_TEST_CASE(the_codec_serves_both_paths_and_opens_with_the_deliver) {
    const fws::codec codec;
    const auto paths = codec.paths();
    BOOST_REQUIRE_EQUAL(paths.size(), 2u);
    BOOST_TEST(tsm::transport::ws_path_matches(paths[0], "/v3/ws/apps/a1b2c3d4/services/demo?cin=01"));
    BOOST_TEST(tsm::transport::ws_path_matches(paths[1], "/ws/apps/a1b2c3d4/services/demo?cin=01"));
    BOOST_TEST(!tsm::transport::ws_path_matches(paths[0], "/touchpoint/v1"));
    auto opened = codec.opening("/ws/apps/a1b2c3d4/services/demo?cin=01");
    BOOST_REQUIRE(opened);
    BOOST_REQUIRE(opened->has_value());
    BOOST_TEST(((*opened)->type == kind::deliver));
    BOOST_TEST(!codec.opening("/ws/apps/a1b2c3d4/services/demo"));
    BOOST_TEST(codec.runs_every_command());
    BOOST_TEST(codec.close_after_error() == 1000);
    BOOST_TEST(codec.close_after_bad_frame() == 1002);
}

// ---------------------------------------------------------------- client frames

BOOST_AUTO_TEST_CASE(responses_in_either_case_answer_the_outstanding_batch) {
    auto r = fws::decode(R"({"type":"responses","responses":["6f10a5009000","9F7F2A9000",""]})", {});
    BOOST_REQUIRE(!r); // an empty answer has no status word
    auto ok = fws::decode(R"({"type":"responses","responses":["6f10a5009000","9F7F9000"],"extra":1})", {});
    BOOST_REQUIRE(ok);
    BOOST_TEST((ok->type == kind::responses));
    BOOST_TEST(ok->batch == 0u);
    BOOST_REQUIRE_EQUAL(ok->responses.size(), 2u);
    BOOST_TEST(ok->responses[0] == "\x6f\x10\xa5\x00\x90\x00"s);
    BOOST_TEST(ok->responses[1] == "\x9f\x7f\x90\x00"s);
    auto none = fws::decode(R"({"type":"responses","responses":[]})", {});
    BOOST_REQUIRE(none);
    BOOST_TEST(none->responses.empty());
}

BOOST_AUTO_TEST_CASE(client_error_status_aborts_with_its_message) {
    auto r = fws::decode(R"({"type":"status","code":"CLIENT_ERROR","message":"card removed"})", {});
    BOOST_REQUIRE(r);
    BOOST_TEST((r->type == kind::client_error));
    BOOST_TEST(r->abort_message == "card removed");
    auto bare = fws::decode(R"({"type":"status","code":"CLIENT_ERROR"})", {});
    BOOST_REQUIRE(bare);
    BOOST_TEST(bare->abort_message.empty());
}

BOOST_AUTO_TEST_CASE(every_other_frame_is_a_protocol_error) {
    BOOST_TEST(decode_error(R"({"type":"respo)") == "not valid JSON");
    BOOST_TEST(decode_error(R"(["responses"])") != "");
    BOOST_TEST(decode_error(R"({"responses":["9000"]})") == "missing type");
    BOOST_TEST(decode_error(R"({"type":"responses"})") == "responses needs a responses array");
    BOOST_TEST(decode_error(R"({"type":"responses","responses":"9000"})").find("responses")
               != std::string::npos);
    BOOST_TEST(decode_error(R"({"type":"responses","responses":["900"]})").find("not valid hex")
               != std::string::npos);
    BOOST_TEST(decode_error(R"({"type":"status","code":"OK","message":"fine"})")
               == "clients send status only with code CLIENT_ERROR");
    BOOST_TEST(decode_error(R"({"type":"status"})") == "clients send status only with code CLIENT_ERROR");
    // v1's frames are not this dialect's.
    BOOST_TEST(decode_error(R"({"type":"deliver","appId":"a","serviceId":"b","cardId":{"cin":"01"}})")
               == "unknown message type 'deliver'");
    BOOST_TEST(decode_error(R"({"type":"id","value":"x"})") == "unknown message type 'id'");
}

BOOST_AUTO_TEST_CASE(responses_are_bounded_by_the_limits) {
    tp::limits small;
    small.max_responses = 2;
    small.max_apdu_bytes = 4;
    BOOST_TEST(decode_error(R"({"type":"responses","responses":["9000","9000","9000"]})", small)
               == "responses: more than 2 entries");
    BOOST_TEST(decode_error(R"({"type":"responses","responses":["0102039000"]})", small)
               == "responses: entry longer than 4 bytes");
    BOOST_TEST(fws::codec(small).decode(R"({"type":"responses","responses":["01029000"]})").has_value());
    BOOST_TEST(!fws::codec(small).decode(R"({"type":"responses","responses":["9000","9000","9000"]})"));
}

// ---------------------------------------------------------------- server frames

BOOST_AUTO_TEST_CASE(id_and_commands_frames) {
    const auto id = parse(fws::frames::id("0190a1b2-0000-7000-8000-000000000001"));
    BOOST_TEST(id.size() == 2u);
    BOOST_TEST(id.at("type").as_string() == "id");
    BOOST_TEST(id.at("value").as_string() == "0190a1b2-0000-7000-8000-000000000001");

    const core::apdu_batch b{{std::string("\x00\xa4\x04\x00", 4), "\x80\xca\x9f\x7f"}, true, {1}};
    const auto c = parse(fws::frames::commands(b));
    BOOST_TEST(c.size() == 2u); // no batch number, no stopOnError, no operation id
    BOOST_TEST(c.at("type").as_string() == "commands");
    const auto& cmds = c.at("commands").as_array();
    BOOST_REQUIRE_EQUAL(cmds.size(), 2u);
    BOOST_TEST(cmds[0].as_string() == "00A40400");
    BOOST_TEST(cmds[1].as_string() == "80CA9F7F");

    const fws::codec codec;
    BOOST_TEST(codec.commands(7, "op", b) == fws::frames::commands(b));
    BOOST_TEST(codec.session("sid", "token") == fws::frames::id("sid")); // the token is not sent
    BOOST_TEST(codec.description("a", "s", R"({"title":"x"})").empty());
    BOOST_TEST(codec.resumed("sid").empty());
}

BOOST_AUTO_TEST_CASE(refusals_are_status_frames_with_the_error_code_in_upper_case) {
    BOOST_TEST(fws::frames::status_code("unknown-device") == "UNKNOWN_DEVICE");
    BOOST_TEST(fws::frames::status_code("not-found") == "NOT_FOUND");
    const fws::codec codec;
    const auto e = parse(
        codec.error(core::make_api_error(core::api_errc::unknown_device, "the device is not registered")));
    BOOST_TEST(e.size() == 3u);
    BOOST_TEST(e.at("type").as_string() == "status");
    BOOST_TEST(e.at("code").as_string() == "UNKNOWN_DEVICE");
    BOOST_TEST(e.at("message").as_string() == "the device is not registered");
}

BOOST_AUTO_TEST_CASE(the_final_status_keeps_its_code_and_gives_its_message_as_text) {
    const fws::codec codec;
    auto ok = parse(codec.final_status(core::frames::status(true, core::frames::json_string("Installed"))));
    BOOST_TEST(ok.at("type").as_string() == "status");
    BOOST_TEST(ok.at("code").as_string() == "OK");
    BOOST_TEST(ok.at("message").as_string() == "Installed");
    BOOST_TEST(ok.size() == 3u);

    auto failed =
        parse(codec.final_status(core::frames::status(false, R"({"sv":"Misslyckades","en":"Failed"})")));
    BOOST_TEST(failed.at("code").as_string() == "FAILED");
    BOOST_TEST(failed.at("message").as_string() == "Failed");
    auto other =
        parse(codec.final_status(core::frames::status(false, R"({"sv":"Misslyckades","de":"Fehler"})")));
    BOOST_TEST(other.at("message").as_string() == "Misslyckades");
    auto empty = parse(codec.final_status(core::frames::status(true, "")));
    BOOST_TEST(empty.at("code").as_string() == "OK");
    BOOST_TEST(empty.at("message").as_string() == "");
    // Not readable (never written by core): the session still ends, as a failure.
    auto broken = parse(codec.final_status("{"));
    BOOST_TEST(broken.at("code").as_string() == "FAILED");
}

BOOST_AUTO_TEST_SUITE_END()
