// DESFire operation payload codecs and request validation: round trips, every refusal, names.
#include "tsm/core/desfire/operations.hpp"
#include "tsm/core/hex.hpp"

#include "hex_literal.hpp"

#include <boost/test/unit_test.hpp>

using namespace tsm::core;
using namespace tsm::core::desfire;
using tsm::test::h;

namespace {

create_app_request sample_create() {
    create_app_request r;
    r.aid = 0xF1A2B3;
    r.key_settings = 0x0B;
    r.number_of_keys = 2;
    r.keys_type = key_type::aes;
    r.iso_file_id = 0xE110;
    r.iso_df_name = h("D2760000850101");
    r.keys = {h("00112233445566778899AABBCCDDEEFF"), h("FFEEDDCCBBAA99887766554433221100")};
    r.keys_version = 0x42;
    return r;
}

commands_request sample_commands() {
    commands_request r;
    r.aid = 0x00DE16;
    r.commands = {h("60"), h("CD01000000200000"), bytes(1, '\x3D') + bytes(200, '\x55'),
                  h("BD01000000000000")};
    return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(desfire_payload)

BOOST_AUTO_TEST_CASE(create_app_round_trips) {
    const auto r = sample_create();
    const bytes p = encode_create_app_request(r);
    BOOST_TEST(p[0] == '\x01');
    const auto back = decode_create_app_request(p);
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST((*back == r));

    create_app_request bare;
    bare.aid = 0x000001;
    bare.number_of_keys = 14;
    bare.keys_type = key_type::tdes3;
    const auto back2 = decode_create_app_request(encode_create_app_request(bare));
    BOOST_REQUIRE(back2.has_value());
    BOOST_TEST((*back2 == bare));
    BOOST_TEST(!back2->iso_file_id.has_value());
}

BOOST_AUTO_TEST_CASE(commands_and_delete_round_trip) {
    const auto c = sample_commands();
    const auto back = decode_commands_request(encode_commands_request(c));
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST((*back == c));

    const delete_app_request d{0xFFFFFF};
    const auto back2 = decode_delete_app_request(encode_delete_app_request(d));
    BOOST_REQUIRE(back2.has_value());
    BOOST_TEST(back2->aid == 0xFFFFFFu);
}

BOOST_AUTO_TEST_CASE(decoders_reject_garbage_version_truncation_and_trailing_bytes) {
    const bytes create = encode_create_app_request(sample_create());
    const bytes commands = encode_commands_request(sample_commands());
    const bytes del = encode_delete_app_request({0x123456});
    auto rejected = [](const bytes& payload, auto decode) {
        bytes wrong_version = payload;
        wrong_version[0] = '\x02';
        BOOST_TEST(!decode(wrong_version));
        for (std::size_t n = 0; n < payload.size(); ++n) {
            BOOST_TEST_INFO("truncated to " << n);
            BOOST_TEST(!decode(std::string_view(payload.data(), n)));
        }
        BOOST_TEST(!decode(payload + '\0'));
        BOOST_TEST(decode(payload).has_value());
    };
    rejected(create, [](std::string_view p) { return decode_create_app_request(p); });
    rejected(commands, [](std::string_view p) { return decode_commands_request(p); });
    rejected(del, [](std::string_view p) { return decode_delete_app_request(p); });
    // Each decoder refuses the other kinds' payloads.
    BOOST_TEST(!decode_create_app_request(commands));
    BOOST_TEST(!decode_create_app_request(del));
    BOOST_TEST(!decode_commands_request(create));
    BOOST_TEST(!decode_commands_request(del));
    BOOST_TEST(!decode_delete_app_request(create));
    BOOST_TEST(!decode_delete_app_request(commands));
    BOOST_TEST(!decode_delete_app_request(""));
}

BOOST_AUTO_TEST_CASE(decoders_reject_requests_that_fail_validation) {
    create_app_request bad = sample_create();
    bad.number_of_keys = 15;
    bad.keys.clear();
    BOOST_TEST(!decode_create_app_request(encode_create_app_request(bad)));
    bad = sample_create();
    bad.aid = 0x1000000; // more than 24 bits is not truncated into a valid id
    BOOST_TEST(!decode_create_app_request(encode_create_app_request(bad)));
    commands_request no_commands{0x010203, {}};
    BOOST_TEST(!decode_commands_request(encode_commands_request(no_commands)));
    BOOST_TEST(!decode_delete_app_request(encode_delete_app_request({0})));
    // A key type byte out of range.
    bytes p = encode_create_app_request(sample_create());
    // layout: 01 | 00000003 aid | 00000001 ks1 | 00000001 n | 00000001 type ...
    p[1 + 7 + 5 + 5 + 4] = '\x04';
    BOOST_TEST(!decode_create_app_request(p));
}

BOOST_AUTO_TEST_CASE(create_app_validation) {
    BOOST_TEST(!validate(sample_create()));
    auto with = [](auto change) {
        create_app_request r = sample_create();
        change(r);
        return validate(r);
    };
    BOOST_TEST(with([](auto& r) { r.aid = 0; }).value().find("PICC") != std::string::npos);
    BOOST_TEST(with([](auto& r) { r.aid = 0x1000000; }).has_value());
    BOOST_TEST(with([](auto& r) {
                   r.number_of_keys = 0;
                   r.keys.clear();
               })
                   .value()
                   .find("numberOfKeys")
               != std::string::npos);
    BOOST_TEST(with([](auto& r) {
                   r.number_of_keys = 15;
                   r.keys.clear();
               }).has_value());
    BOOST_TEST(!with([](auto& r) {
                    r.number_of_keys = 14;
                    r.keys.clear();
                }).has_value());
    BOOST_TEST(with([](auto& r) { r.iso_df_name = bytes(17, 'A'); }).value().find("isoDfName")
               != std::string::npos);
    BOOST_TEST(!with([](auto& r) { r.iso_df_name = bytes(16, 'A'); }).has_value());
    BOOST_TEST(with([](auto& r) { r.iso_file_id.reset(); }).value().find("isoFileId") != std::string::npos);
    BOOST_TEST(!with([](auto& r) {
                    r.iso_file_id.reset();
                    r.iso_df_name.clear();
                }).has_value());
    BOOST_TEST(with([](auto& r) { r.iso_file_id = 0x3F00; }).has_value());
    BOOST_TEST(with([](auto& r) { r.keys.pop_back(); }).value().find("keys") != std::string::npos);
    BOOST_TEST(with([](auto& r) { r.keys[1].pop_back(); }).value().find("keys[1]") != std::string::npos);
    BOOST_TEST(with([](auto& r) { r.keys_type = key_type::tdes3; }).has_value()); // 16-byte keys
    BOOST_TEST(!with([](auto& r) {
                    r.keys_type = key_type::tdes3;
                    r.keys = {bytes(24, '\1'), bytes(24, '\2')};
                }).has_value());
    BOOST_TEST(!with([](auto& r) {
                    r.keys_type = key_type::des;
                    r.keys = {bytes(8, '\1'), bytes(8, '\2')};
                }).has_value());
    BOOST_TEST(with([](auto& r) { r.keys_type = static_cast<key_type>(7); }).has_value());
    // Keys are set with key 0 right after creation: the settings must allow it.
    BOOST_TEST(with([](auto& r) { r.key_settings = 0xEF; }).value().find("bits 7-4") != std::string::npos);
    BOOST_TEST(with([](auto& r) { r.key_settings = 0x0E; }).value().find("bit 0") != std::string::npos);
    BOOST_TEST(!with([](auto& r) {
                    r.key_settings = 0xEE;
                    r.keys.clear();
                }).has_value());
}

BOOST_AUTO_TEST_CASE(commands_validation) {
    BOOST_TEST(!validate(sample_commands()));
    auto with = [](auto change) {
        commands_request r = sample_commands();
        change(r);
        return validate(r);
    };
    BOOST_TEST(with([](auto& r) { r.commands.clear(); }).has_value());
    BOOST_TEST(with([](auto& r) { r.commands.assign(65, h("6F")); }).value().find("64") != std::string::npos);
    BOOST_TEST(!with([](auto& r) { r.commands.assign(64, h("6F")); }).has_value());
    BOOST_TEST(with([](auto& r) { r.commands[1].clear(); }).value().find("commands[1]") != std::string::npos);
    BOOST_TEST(with([](auto& r) { r.commands[0] = bytes(1025, '\x3D'); }).has_value());
    BOOST_TEST(!with([](auto& r) { r.commands[0] = bytes(1024, '\x3D'); }).has_value());
    for (const char* refused : {"5A000000", "CA010000", "DA010000", "FC", "AA00", "1A00", "0A00", "AF00"}) {
        const auto e = with([&](auto& r) { r.commands[2] = h(refused); });
        BOOST_TEST_INFO(refused);
        BOOST_TEST(e.has_value());
    }
    BOOST_TEST(with([](auto& r) { r.aid = 0; }).has_value());
    BOOST_TEST(!validate(delete_app_request{0x000001}));
    BOOST_TEST(validate(delete_app_request{0}).has_value());
    BOOST_TEST(validate(delete_app_request{0x1000000}).has_value());
}

BOOST_AUTO_TEST_CASE(parses_aids) {
    BOOST_TEST(parse_aid("F1A2B3").value() == 0xF1A2B3u);
    BOOST_TEST(parse_aid("00de16").value() == 0x00DE16u);
    BOOST_TEST(!parse_aid("F1A2B"));
    BOOST_TEST(!parse_aid("F1A2B3C4"));
    BOOST_TEST(!parse_aid("F1A2BG"));
    BOOST_TEST(!parse_aid(""));
}

BOOST_AUTO_TEST_CASE(names_statuses_and_commands) {
    BOOST_TEST(status_name(0xDE) == "duplicate application");
    BOOST_TEST(status_name(0x00) == "OK");
    BOOST_TEST(status_name(0xAE) == "authentication error");
    BOOST_TEST(status_name(0xA0) == "application not found");
    BOOST_TEST(status_name(0x7E) == "length error");
    BOOST_TEST(status_name(0xF0) == "file not found");
    BOOST_TEST(status_name(0x42) == "unknown status");
    BOOST_TEST(command_name(0xCA) == "CreateApplication");
    BOOST_TEST(command_name(0xDA) == "DeleteApplication");
    BOOST_TEST(command_name(0xAA) == "AuthenticateAES");
    BOOST_TEST(command_name(0xC4) == "ChangeKey");
    BOOST_TEST(command_name(0xCD) == "CreateStdDataFile");
    BOOST_TEST(command_name(0x3D) == "WriteData");
    BOOST_TEST(command_name(0xBD) == "ReadData");
    BOOST_TEST(command_name(0x3E) == "INS 3E");
    BOOST_TEST(command_name(0x00) == "INS 00");
    BOOST_TEST(command_name(0xFF) == "INS FF");
}

BOOST_AUTO_TEST_SUITE_END()
