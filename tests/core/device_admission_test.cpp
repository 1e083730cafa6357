// core::admit_device: each requirement against a device that has and lacks what it needs, the
// status each refusal carries, and the order in which several failing rules are reported.
#include "tsm/core/device_admission.hpp"

#include <boost/test/unit_test.hpp>

using namespace tsm;

namespace {

core::card_keys_record bare_device() {
    core::card_keys_record d;
    d.id = "0E48800471400A";
    d.iin = "8A2C10";
    d.platform_version = 3;
    return d;
}

core::api_errc refusal(const core::service_requirements& r, const core::card_keys_record& d) {
    auto st = core::admit_device(r, d);
    BOOST_REQUIRE(!st.has_value());
    BOOST_TEST(!st.error().message.empty());
    return st.error().code;
}

} // namespace

BOOST_AUTO_TEST_SUITE(device_admission)

BOOST_AUTO_TEST_CASE(no_requirements_admit_any_device) {
    BOOST_TEST(core::admit_device({}, bare_device()).has_value());
    BOOST_TEST(core::admit_device({}, core::card_keys_record{}).has_value());
    core::service_requirements issuer_only;
    issuer_only.card_issuer = 7; // recorded, not a rule yet
    BOOST_TEST(core::admit_device(issuer_only, bare_device()).has_value());
}

BOOST_AUTO_TEST_CASE(fixed_uid_needs_a_registered_uid_else_403) {
    core::service_requirements r;
    r.fixed_uid = true;
    core::card_keys_record d = bare_device();
    BOOST_TEST((refusal(r, d) == core::api_errc::device_not_eligible));
    BOOST_TEST(core::http_status(core::api_errc::device_not_eligible) == 403);
    d.uid = std::string("\x04\x11\x22\x33\x44\x55\x66", 7);
    BOOST_TEST(core::admit_device(r, d).has_value());
}

BOOST_AUTO_TEST_CASE(java_card_needs_gp_keys_else_412) {
    core::service_requirements r;
    r.java_card = true;
    core::card_keys_record d = bare_device();
    BOOST_TEST((refusal(r, d) == core::api_errc::device_not_ready));
    BOOST_TEST(core::http_status(core::api_errc::device_not_ready) == 412);
    d.desfire_key_type = "AES"; // a DESFire key is not a GlobalPlatform key
    d.desfire_sealed_key = "sealed";
    BOOST_TEST((refusal(r, d) == core::api_errc::device_not_ready));
    d.sealed_keys = "sealed";
    BOOST_TEST(core::admit_device(r, d).has_value());
}

BOOST_AUTO_TEST_CASE(mifare_needs_a_desfire_key_else_412) {
    core::service_requirements r;
    r.mifare = true;
    core::card_keys_record d = bare_device();
    d.sealed_keys = "sealed"; // GlobalPlatform keys do not count
    BOOST_TEST((refusal(r, d) == core::api_errc::device_not_ready));
    d.desfire_key_type = "AES";
    BOOST_TEST(core::admit_device(r, d).has_value());
}

BOOST_AUTO_TEST_CASE(the_first_failing_rule_is_reported) {
    core::service_requirements all;
    all.fixed_uid = true;
    all.java_card = true;
    all.mifare = true;
    core::card_keys_record d = bare_device();
    BOOST_TEST((refusal(all, d) == core::api_errc::device_not_eligible));
    d.uid = std::string("\x01\x02\x03\x04", 4);
    auto st = core::admit_device(all, d);
    BOOST_REQUIRE(!st.has_value());
    BOOST_TEST(st.error().message.find("GlobalPlatform") != std::string::npos);
    d.sealed_keys = "sealed";
    st = core::admit_device(all, d);
    BOOST_REQUIRE(!st.has_value());
    BOOST_TEST(st.error().message.find("DESFire") != std::string::npos);
    d.desfire_key_type = "2K3DES";
    BOOST_TEST(core::admit_device(all, d).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
