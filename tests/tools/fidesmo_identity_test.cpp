// How the sandbox card identifies itself to a Fidesmo touch point (GET UID, CPLC, CIN, the
// platform applet with tags 45 and 42, the v2 applets) and the touch point's identification
// logic (identify_card, find_tlv) run on it.
#include "hex_literal.hpp"

#include "touchpoint/card_identification.hpp"
#include "touchpoint/virtual_card.hpp"

#include "tsm/core/hex.hpp"
#include "tsm/sandbox/secure_element.hpp"

#include <boost/test/unit_test.hpp>

#include <map>

using namespace tsm::tools::touchpoint;
using tsm::core::to_hex;
using tsm::test::h;

namespace {

std::string run(tsm::sandbox::secure_element& se, std::string_view hex) {
    return to_hex(se.transceive(h(hex)));
}

// Answers by APDU (hex); unknown ones 6A82. For the identification paths the sandbox does not
// take (no platform applet, a 4-byte UID reader).
struct scripted_card final : card {
    std::map<std::string, std::string> answers;
    std::vector<std::string> sent;
    std::string transceive(std::string_view apdu) override {
        sent.push_back(to_hex(apdu));
        auto it = answers.find(sent.back());
        return it == answers.end() ? h("6A82") : h(it->second);
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(fidesmo_identity)

BOOST_AUTO_TEST_CASE(get_uid_answers_the_desfire_uid_or_the_configured_one_whatever_is_selected) {
    tsm::sandbox::secure_element se;
    BOOST_CHECK_EQUAL(run(se, "FFCA000000"), "045A3D72212C809000");
    BOOST_CHECK_EQUAL(run(se, "00A404000CA00000061702000900010101"),
                      "6F1C840CA00000061702000900010101A50C45070E48800471400A4201019000");
    BOOST_CHECK_EQUAL(run(se, "FFCA000000"), "045A3D72212C809000"); // applet selected: still answered
    BOOST_CHECK_EQUAL(run(se, "FFCA010000"), "6A86");
    BOOST_CHECK_EQUAL(run(se, "FFCA00"), "6700");

    auto cfg = tsm::sandbox::secure_element_config::with_test_keys();
    cfg.uid = h("01020304");
    tsm::sandbox::secure_element four(std::move(cfg));
    BOOST_CHECK_EQUAL(run(four, "FFCA000000"), "010203049000");
}

BOOST_AUTO_TEST_CASE(platform_applet_reports_the_configured_cin_and_batch_id) {
    auto cfg = tsm::sandbox::secure_element_config::with_test_keys();
    cfg.cin = h("11223344556677");
    cfg.fidesmo.batch_id = 0x012345;
    tsm::sandbox::secure_element se(std::move(cfg));
    BOOST_CHECK_EQUAL(run(se, "00A404000CA00000061702000900010101"),
                      "6F1E840CA00000061702000900010101A50E4507112233445566774203012345"
                      "9000");
    // P2=0C (no FCI) selects without data.
    BOOST_CHECK_EQUAL(run(se, "00A4040C0CA00000061702000900010101"), "9000");
    // The v2 batch applet (tag 42 only) and the v2 capabilities applet (presence only).
    BOOST_CHECK_EQUAL(run(se, "00A404000BA000000617020002000002"),
                      "6F14840BA000000617020002000002A5054203012345"
                      "9000");
    BOOST_CHECK_EQUAL(run(se, "00A404000BA000000617020002000001"), "9000");
    // A selected applet answers nothing but SELECT, like the sandbox's applets.
    BOOST_CHECK_EQUAL(run(se, "80CA004500"), "6D00");
    BOOST_CHECK(run(se, "00A4040000").starts_with("6F"));
    BOOST_CHECK_EQUAL(run(se, "80CA004500"), "450711223344556677"
                                             "9000");
}

BOOST_AUTO_TEST_CASE(cplc_carries_the_9f7f_header_with_42_bytes) {
    tsm::sandbox::secure_element se;
    const std::string r = run(se, "80CA9F7F00");
    BOOST_CHECK(r.starts_with("9F7F2A"));
    BOOST_CHECK_EQUAL(r.size(), (3 + 42 + 2) * 2u);
    BOOST_CHECK(r.ends_with("9000"));
}

BOOST_AUTO_TEST_CASE(without_the_fidesmo_applets_their_selects_answer_6a82) {
    auto cfg = tsm::sandbox::secure_element_config::with_test_keys();
    cfg.fidesmo.enabled = false;
    tsm::sandbox::secure_element se(std::move(cfg));
    BOOST_CHECK_EQUAL(run(se, "00A404000CA00000061702000900010101"), "6A82");
    BOOST_CHECK_EQUAL(run(se, "00A404000BA000000617020002000002"), "6A82");
    BOOST_CHECK_EQUAL(run(se, "00A404000BA000000617020002000001"), "6A82");
}

BOOST_AUTO_TEST_CASE(identify_card_on_the_sandbox_reads_uid_cplc_cin_and_batch) {
    auto cfg = tsm::sandbox::secure_element_config::with_test_keys();
    cfg.fidesmo.batch_id = 300;
    virtual_card vc(std::move(cfg));
    const card_identity id = identify_card(vc);
    BOOST_CHECK_EQUAL(to_hex(id.uid), "045A3D72212C80");
    BOOST_CHECK_EQUAL(id.cplc.size(), 42u);
    BOOST_CHECK_EQUAL(id.cplc, vc.element().config().cplc);
    BOOST_CHECK_EQUAL(to_hex(id.cin), "0E48800471400A");
    BOOST_REQUIRE(id.batch_id);
    BOOST_CHECK_EQUAL(*id.batch_id, 300);
}

BOOST_AUTO_TEST_CASE(identify_card_falls_back_to_the_v2_batch_applet_and_keeps_4_or_7_byte_uids_only) {
    scripted_card c;
    c.answers = {{"FFCA000000", "0102039000"}, // 3 bytes: not a UID the client keeps
                 {"00A40400", "9000"},
                 {"80CA9F7F00", "9F7F2A" + std::string(84, 'A') + "9000"},
                 {"80CA004500", "0102030405060708"
                                "9000"}, // a bare CIN, no TLV header
                 {"00A404000BA000000617020002000002", "42020107"
                                                      "9000"}};
    const card_identity id = identify_card(c);
    BOOST_CHECK(id.uid.empty());
    BOOST_CHECK_EQUAL(to_hex(id.cplc), std::string(84, 'A'));
    BOOST_CHECK_EQUAL(to_hex(id.cin), "0102030405060708");
    BOOST_REQUIRE(id.batch_id);
    BOOST_CHECK_EQUAL(*id.batch_id, 0x0107);
    const std::vector<std::string> order{"FFCA000000",
                                         "00A40400",
                                         "80CA9F7F00",
                                         "80CA004500",
                                         "00A404000CA00000061702000900010101",
                                         "00A404000BA000000617020002000002"};
    BOOST_CHECK_EQUAL_COLLECTIONS(c.sent.begin(), c.sent.end(), order.begin(), order.end());
}

BOOST_AUTO_TEST_CASE(identify_card_leaves_cin_and_batch_empty_when_the_card_has_none) {
    scripted_card c; // answers 6A82 to everything
    const card_identity id = identify_card(c);
    BOOST_CHECK(id.uid.empty());
    BOOST_CHECK(id.cplc.empty());
    BOOST_CHECK(id.cin.empty());
    BOOST_CHECK(!id.batch_id);
}

BOOST_AUTO_TEST_CASE(find_tlv_searches_constructed_tags_and_refuses_malformed_data) {
    const auto fci = h("6F0F"
                       "8403A00001"
                       "A508"
                       "9F6501FF"
                       "45020102");
    BOOST_CHECK_EQUAL(to_hex(find_tlv(fci, h("45")).value_or("?")), "0102");
    BOOST_CHECK_EQUAL(to_hex(find_tlv(fci, h("9F65")).value_or("?")), "FF");
    BOOST_CHECK(!find_tlv(fci, h("42")));
    BOOST_CHECK(!find_tlv(h("4505010203"), h("45"))); // length beyond the data
    BOOST_CHECK_EQUAL(to_hex(find_tlv(h("4281020102"), h("42")).value_or("?")), "0102"); // 81 length form
}

BOOST_AUTO_TEST_SUITE_END()
