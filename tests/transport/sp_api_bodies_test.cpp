#include "tsm/transport/sp_api/body_decoders.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace sp = tsm::transport::sp_api;
using tsm::core::api_errc;
using namespace std::string_literals;

namespace {

/// The result is a bad_request whose message names `field`.
template <class Result>
void check_error_names(const Result& r, std::string_view field) {
    BOOST_REQUIRE(!r);
    BOOST_TEST(static_cast<int>(r.error().code) == static_cast<int>(api_errc::bad_request));
    BOOST_TEST(r.error().message.find(field) != std::string::npos,
               "'" << r.error().message << "' should name " << field);
}

} // namespace

BOOST_AUTO_TEST_SUITE(sp_api_bodies)

// ---------------------------------------------------------------- /transceive

BOOST_AUTO_TEST_CASE(commands_body_decodes_hex_commands) {
    auto cmds = sp::decode_commands_body(R"({"commands":["00a4040000","80CA9F7F00"],"x":1})", {});
    BOOST_REQUIRE(cmds);
    BOOST_REQUIRE_EQUAL(cmds->size(), 2u);
    BOOST_TEST((*cmds)[0] == "\x00\xa4\x04\x00\x00"s);
    BOOST_TEST((*cmds)[1] == "\x80\xca\x9f\x7f\x00"s);
}

BOOST_AUTO_TEST_CASE(commands_body_requires_non_empty_valid_commands) {
    check_error_names(sp::decode_commands_body(R"({})", {}), "commands");
    check_error_names(sp::decode_commands_body(R"({"commands":[]})", {}), "commands");
    check_error_names(sp::decode_commands_body(R"({"commands":["00A4","ZZ"]})", {}), "commands");
    check_error_names(sp::decode_commands_body(R"({"commands":[""]})", {}), "commands");
    check_error_names(sp::decode_commands_body(R"({"commands":"00A4"})", {}), "commands");
    BOOST_TEST(!sp::decode_commands_body(R"(["00A4"])", {}));
    BOOST_TEST(!sp::decode_commands_body(R"({"commands":["00A4"]} [])", {}));
    BOOST_TEST(!sp::decode_commands_body("not json", {}));
}

BOOST_AUTO_TEST_CASE(commands_body_enforces_limits) {
    sp::limits limits;
    limits.max_commands = 2;
    limits.max_apdu_bytes = 4;
    BOOST_TEST(static_cast<bool>(sp::decode_commands_body(R"({"commands":["00A40400","00"]})", limits)));
    check_error_names(sp::decode_commands_body(R"({"commands":["00","00","00"]})", limits), "commands");
    check_error_names(sp::decode_commands_body(R"({"commands":["00A4040000"]})", limits), "commands");
}

// ---------------------------------------------------------------- /service/completed

BOOST_AUTO_TEST_CASE(completed_body_requires_success) {
    check_error_names(sp::decode_completed_body(R"({"message":"x"})"), "success");
    check_error_names(sp::decode_completed_body(R"({"success":"true"})"), "success");
    check_error_names(sp::decode_completed_body(R"({"success":1})"), "success");
    BOOST_TEST(!sp::decode_completed_body(R"([true])"));
    BOOST_TEST(!sp::decode_completed_body(R"({"success":true} x)"));
}

BOOST_AUTO_TEST_CASE(completed_body_keeps_a_string_message_as_a_json_literal) {
    auto c = sp::decode_completed_body(R"({"success":true,"message":"Done \"ok\" \u00e9"  })");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->success);
    BOOST_TEST(c->message_json == R"("Done \"ok\" \u00e9")");
    auto d = sp::decode_completed_body(R"({"message" : "x" , "success":false})");
    BOOST_REQUIRE(d);
    BOOST_TEST(!d->success);
    BOOST_TEST(d->message_json == R"("x")");
}

BOOST_AUTO_TEST_CASE(completed_body_keeps_an_object_message_raw) {
    auto c = sp::decode_completed_body(R"({"success":true,"message":{"en":"Done","sv":"Klart"}})");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->message_json == R"({"en":"Done","sv":"Klart"})");
}

BOOST_AUTO_TEST_CASE(completed_body_without_message_leaves_it_empty) {
    auto c = sp::decode_completed_body(R"({"success":true})");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->success);
    BOOST_TEST(c->message_json.empty());
}

BOOST_AUTO_TEST_CASE(completed_body_refuses_other_message_types) {
    for (auto j : {R"({"success":true,"message":1})", R"({"success":true,"message":null})",
                   R"({"success":true,"message":["a"]})", R"({"success":true,"message":true})",
                   R"({"success":true,"message":"bad \q escape"})"}) {
        check_error_names(sp::decode_completed_body(j), "message");
    }
}

// ---------------------------------------------------------------- /ccm/*

BOOST_AUTO_TEST_CASE(ccm_body_decodes_every_member) {
    tsm::core::ccm::request_fields f;
    auto st =
        sp::decode_ccm_body(R"({"executableLoadFile":"A0000006170001","executableModule":"A000000617000101",
        "application":"A00000061700010101","parameters":"C900","privileges":"02","withRelated":true,
        "tagType":"BER","data":"00Ff","other":[1]})",
                            f);
    BOOST_REQUIRE(st);
    BOOST_TEST(f.executable_load_file == "A0000006170001");
    BOOST_TEST(f.executable_module == "A000000617000101");
    BOOST_TEST(f.application == "A00000061700010101");
    BOOST_TEST(f.parameters == "C900");
    BOOST_TEST(f.privileges == "02");
    BOOST_TEST(f.with_related.value_or(false));
    BOOST_TEST(f.tag_type == "BER");
    BOOST_TEST(f.data == "\x00\xff"s); // decoded in place: never held as text
}

BOOST_AUTO_TEST_CASE(ccm_body_refuses_wrong_types_naming_the_field) {
    for (auto [body, field] :
         {std::pair{R"({"withRelated":"yes"})", "withRelated"},
          std::pair{R"({"application":1})", "application"}, std::pair{R"({"data":"0g"})", "data"},
          std::pair{R"({"data":12})", "data"}, std::pair{R"({"tagType":null})", "tagType"}}) {
        tsm::core::ccm::request_fields f;
        check_error_names(sp::decode_ccm_body(body, f), field);
    }
    tsm::core::ccm::request_fields f;
    BOOST_TEST(!sp::decode_ccm_body(R"({"data":"00"} x)", f));
}

// ---------------------------------------------------------------- /desfire/ev1/*

BOOST_AUTO_TEST_CASE(create_app_body_decodes_every_member) {
    tsm::core::desfire::create_app_fields f;
    auto st =
        sp::decode_create_app_body(R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":2,"keyType":"AES",
        "isoFileId":"E110","isoDfName":"A000","keyVersion":3,
        "keys":["00112233445566778899AABBCCDDEEFF","FFEEDDCCBBAA99887766554433221100"]})",
                                   f);
    BOOST_REQUIRE(st);
    BOOST_TEST(f.aid.value_or("") == "F1A2B3");
    BOOST_TEST(f.key_settings.value_or("") == "0F");
    BOOST_TEST(f.number_of_keys.value_or(0) == 2);
    BOOST_TEST(f.key_type.value_or("") == "AES");
    BOOST_TEST(f.iso_file_id.value_or("") == "E110");
    BOOST_TEST(f.iso_df_name.value_or("") == "A000");
    BOOST_TEST(f.key_version.value_or(0) == 3);
    BOOST_REQUIRE(f.keys.has_value());
    BOOST_TEST(f.keys->size() == 2u);
    BOOST_TEST((*f.keys)[0].size() == 16u);
}

BOOST_AUTO_TEST_CASE(create_app_body_refuses_bad_members_naming_them) {
    for (auto [body, field] :
         {std::pair{R"({"aid":7})", "aid"}, std::pair{R"({"numberOfKeys":15})", "numberOfKeys"},
          std::pair{R"({"numberOfKeys":"2"})", "numberOfKeys"},
          std::pair{R"({"keyVersion":256})", "keyVersion"}, std::pair{R"({"keys":["0011","ZZ"]})", "keys"},
          std::pair{R"({"keys":"0011"})", "keys"},
          std::pair{R"({"keys":["00112233445566778899AABBCCDDEEFF0011223344556677AA"]})", "keys"},
          std::pair{
              R"({"keys":["00","00","00","00","00","00","00","00","00","00","00","00","00","00","00"]})",
              "keys"}}) {
        tsm::core::desfire::create_app_fields f;
        check_error_names(sp::decode_create_app_body(body, f), field);
    }
}

BOOST_AUTO_TEST_CASE(desfire_commands_and_delete_bodies_decode) {
    tsm::core::desfire::commands_fields c;
    BOOST_REQUIRE(
        sp::decode_desfire_commands_body(R"({"aid":"F1A2B3","commands":["6E","BD000000000000"]})", {}, c));
    BOOST_TEST(c.aid.value_or("") == "F1A2B3");
    BOOST_REQUIRE(c.commands.has_value());
    BOOST_TEST(c.commands->size() == 2u);
    sp::limits one;
    one.max_commands = 1;
    tsm::core::desfire::commands_fields too_many;
    check_error_names(sp::decode_desfire_commands_body(R"({"aid":"F1A2B3","commands":["6E","6E"]})", one,
                                                       too_many),
                      "commands");
    tsm::core::desfire::delete_app_fields d;
    BOOST_REQUIRE(sp::decode_delete_app_body(R"({"aid":"F1A2B3"})", d));
    BOOST_TEST(d.aid.value_or("") == "F1A2B3");
    tsm::core::desfire::delete_app_fields bad;
    check_error_names(sp::decode_delete_app_body(R"({"aid":["F1A2B3"]})", bad), "aid");
    BOOST_TEST(!sp::decode_delete_app_body("[]", bad));
}

BOOST_AUTO_TEST_SUITE_END()
