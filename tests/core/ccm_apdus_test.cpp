// GP card content management APDU builders: exact bytes against globalplatform.md section 1.
#include "tsm/core/ccm/apdus.hpp"
#include "tsm/core/ccm/status_words.hpp"
#include "tsm/core/hex.hpp"

#include "hex_literal.hpp"

#include <boost/test/unit_test.hpp>

#include <stdexcept>

using namespace tsm::core;
using namespace tsm::core::ccm;

using tsm::test::h;

BOOST_AUTO_TEST_SUITE(ccm_apdus)

BOOST_AUTO_TEST_CASE(select_and_initialize_update) {
    BOOST_TEST(to_hex(apdu::select_by_aid(h("A000000151000000"))) == "00A4040008A00000015100000000");
    BOOST_TEST(to_hex(apdu::initialize_update(0x30, h("0102030405060708")))
               == "8050300008010203040506070800");
    BOOST_CHECK_THROW(apdu::initialize_update(0, h("0102")), std::invalid_argument);
    BOOST_CHECK_THROW(apdu::select_by_aid(""), std::invalid_argument);
    BOOST_CHECK_THROW(apdu::select_by_aid(bytes(17, 'A')), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(get_status_install_for_load_and_load) {
    BOOST_TEST(to_hex(apdu::get_status_load_file(h("D0D1D2D3D4D501"))) == "80F22002094F07D0D1D2D3D4D50100");
    BOOST_TEST(to_hex(apdu::install_for_load(h("D0D1D2D3D4D501"), h("A000000003000000")))
               == "80E6020014"
                  "07D0D1D2D3D4D501"
                  "08A000000003000000"
                  "00"
                  "00"
                  "00"
                  "00");
    // The kaoh trace's INSTALL [for load] with load parameters (globalplatform.md 1.3).
    BOOST_TEST(to_hex(apdu::install_for_load(h("D0D1D2D3D4D501"), h("A000000003000000"), "",
                                             h("EF08C6020160C80207D0")))
               == "80E602001E07D0D1D2D3D4D50108A000000003000000000AEF08C6020160C80207D00000");
    BOOST_TEST(to_hex(apdu::install_for_load(h("0102030405"), "")) == "80E602000A0501020304050000000000");
    cap::load_block b{0x80, 0x01, h("CAFE")};
    BOOST_TEST(to_hex(apdu::load(b)) == "80E8800102CAFE00");
}

BOOST_AUTO_TEST_CASE(install_for_install_with_c9) {
    // kaoh trace (globalplatform.md 1.5) without its EF memory quota: C9 01 00.
    BOOST_TEST(to_hex(apdu::install_for_install(h("D0D1D2D3D4D501"), h("D0D1D2D3D4D50101"),
                                                h("D0D1D2D3D4D50101"), h("02"), h("00")))
               == "80E60C0021"
                  "07D0D1D2D3D4D501"
                  "08D0D1D2D3D4D50101"
                  "08D0D1D2D3D4D50101"
                  "0102"
                  "03C90100"
                  "00"
                  "00");
    // No parameters: C9 00 (a missing C9 is a frequent cause of 6A80).
    BOOST_TEST(to_hex(apdu::install_for_install(h("0102030405"), h("0102030405060708"), h("0102030405060709"),
                                                h("000000"), ""))
               == "80E60C0020"
                  "050102030405"
                  "080102030405060708"
                  "080102030405060709"
                  "03000000"
                  "02C900"
                  "00"
                  "00");
    BOOST_TEST(to_hex(apdu::install_parameters(bytes(0x80, '\x11'))).substr(0, 8) == "C9818011");
    BOOST_CHECK_THROW(apdu::install_for_install(h("0102030405"), h("0102030405"), h("0102030405"), h("0000"),
                                                ""),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(install_for_personalization_and_delete) {
    BOOST_TEST(to_hex(apdu::install_for_personalization(h("D0D1D2D3D4D50101")))
               == "80E620000E000008D0D1D2D3D4D5010100000000");
    BOOST_TEST(to_hex(apdu::delete_object(h("D0D1D2D3D4D501"), true)) == "80E40080094F07D0D1D2D3D4D50100");
    BOOST_TEST(to_hex(apdu::delete_object(h("D0D1D2D3D4D50101"), false))
               == "80E400000A4F08D0D1D2D3D4D5010100");
}

BOOST_AUTO_TEST_CASE(store_data_blocks) {
    bytes data(500, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<char>(i);
    }
    const auto dgi = apdu::store_data(apdu::store_data_format::dgi, data, 239);
    BOOST_REQUIRE_EQUAL(dgi.size(), 3u);
    BOOST_TEST(to_hex(dgi[0].substr(0, 5)) == "80E20800EF");
    BOOST_TEST(to_hex(dgi[1].substr(0, 5)) == "80E20801EF");
    BOOST_TEST(to_hex(dgi[2].substr(0, 5)) == "80E2880216");
    BOOST_TEST(dgi[2].size() == 5u + 22u); // case 3: no Le
    BOOST_TEST(dgi[0].substr(5) + dgi[1].substr(5) + dgi[2].substr(5) == data);
    const auto ber = apdu::store_data(apdu::store_data_format::ber, h("70035A0101"), 239);
    BOOST_REQUIRE_EQUAL(ber.size(), 1u);
    BOOST_TEST(to_hex(ber[0]) == "80E290000570035A0101");
    BOOST_CHECK_THROW(apdu::store_data(apdu::store_data_format::dgi, bytes(257, 'x'), 1), std::length_error);
    BOOST_CHECK_THROW(apdu::store_data(apdu::store_data_format::dgi, data, 0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(fci_maximum_command_length) {
    BOOST_TEST(apdu::fci_max_command_data(h("6F108408A000000151000000A5049F6501FF")).value_or(0) == 255u);
    BOOST_TEST(apdu::fci_max_command_data(h("6F108408A000000151000000A5049F650180")).value_or(0) == 128u);
    BOOST_TEST(!apdu::fci_max_command_data(h("6F0A8408A000000151000000")).has_value());
    BOOST_TEST(!apdu::fci_max_command_data(h("6F108408A0000001510000")).has_value()); // truncated
    BOOST_TEST(!apdu::fci_max_command_data("").has_value());
    BOOST_TEST(!apdu::fci_max_command_data(h("FFFFFFFF")).has_value());
}

BOOST_AUTO_TEST_CASE(plain_data_budget_after_wrapping) {
    using apdu::max_plain_data;
    BOOST_TEST(max_plain_data(scp_protocol::scp03, 0x03, 255) == 239u);
    BOOST_TEST(max_plain_data(scp_protocol::scp02, 0x03, 255) == 239u);
    BOOST_TEST(max_plain_data(scp_protocol::scp03, 0x01, 255) == 247u);
    BOOST_TEST(max_plain_data(scp_protocol::scp03, 0x13, 255) == 239u);
    BOOST_TEST(max_plain_data(scp_protocol::scp03, 0x00, 255) == 255u);
    BOOST_TEST(max_plain_data(scp_protocol::scp03, 0x03, 128) == 111u);
    BOOST_TEST(max_plain_data(scp_protocol::scp02, 0x03, 128) == 119u);
    BOOST_TEST(max_plain_data(scp_protocol::scp03, 0x03, 4000) == 239u); // short APDUs only
    BOOST_TEST(max_plain_data(scp_protocol::scp03, 0x03, 8) == 0u);
}

BOOST_AUTO_TEST_CASE(status_word_explanations) {
    BOOST_TEST(sw_hex(0x6A80) == "6A80");
    BOOST_TEST(std::string(describe_sw(0x6A84)).find("memory") != std::string::npos);
    BOOST_TEST(explain_sw("INSTALL [for install]", 0x6A80).find("C9") != std::string::npos);
    BOOST_TEST(explain_sw("SELECT", 0x6A82).find("ISD AID") != std::string::npos);
    BOOST_TEST(explain_sw("DELETE", 0x6A88).find("not found") != std::string::npos);
    BOOST_TEST(std::string(describe_sw(0x1234)) == "unexpected status word");
    BOOST_TEST(sw_ok(0x9000));
    BOOST_TEST(sw_ok(0x6110));
    BOOST_TEST(!sw_ok(0x6310));
}

BOOST_AUTO_TEST_SUITE_END()
