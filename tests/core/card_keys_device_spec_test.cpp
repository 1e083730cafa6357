// core::card_keys_spec, device description: a card without keys (IIN and platform version
// required), with keys and a description, every field's bounds, the CPLC tag prefix dropped, and
// master sets refusing device fields.
#include "tsm/core/card_keys/card_keys_spec.hpp"

#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <limits>
#include <string>

using namespace tsm;

namespace {

const core::key_vault& vault() {
    static const core::key_vault v(core::bytes(core::key_vault::kek_size, 'k'));
    return v;
}

const std::string cplc_hex =
    "47905040479181020000000000000000000000000000000000000000000000000000000000000000004A"; // 42 bytes

void keyless(core::card_keys_input& in) {
    in.iin = "8a2c10";
    in.platform_version = 3;
}

void gp_set(core::card_keys_input& in) {
    in.isd = "A000000151000000";
    in.scp = "03";
    in.kvn = 1;
    in.enc = core::bytes(16, '\x01');
    in.mac = core::bytes(16, '\x02');
    in.dek = core::bytes(16, '\x03');
}

void check_refused(bool master, const core::card_keys_input& in, std::string_view says) {
    const char* id = master ? "8A2C10" : "0E48800471400A";
    auto rec = core::card_keys_spec::build(master, id, in, vault());
    BOOST_REQUIRE(!rec.has_value());
    BOOST_TEST((rec.error().code == core::api_errc::bad_request));
    BOOST_TEST(rec.error().message.find(says) != std::string::npos,
               "'" << rec.error().message << "' lacks " << says);
    BOOST_TEST(!core::card_keys_spec::validate(master, id, in).has_value());
}

core::card_keys_record check_accepted(const core::card_keys_input& in) {
    BOOST_TEST(core::card_keys_spec::validate(false, "0e48800471400a", in).has_value());
    auto rec = core::card_keys_spec::build(false, "0e48800471400a", in, vault());
    BOOST_REQUIRE_MESSAGE(rec.has_value(), (rec.has_value() ? std::string() : rec.error().message));
    return *rec;
}

} // namespace

BOOST_AUTO_TEST_SUITE(card_keys_device_spec)

BOOST_AUTO_TEST_CASE(a_device_without_keys_is_valid_with_iin_and_platform_version) {
    core::card_keys_input in;
    keyless(in);
    in.os_type_version_name = "JCOP3SECIDCS";
    in.batch_id = 0;
    in.cplc = cplc_hex;
    in.uid = "04a1b2c3d4e5f6";
    auto rec = check_accepted(in);
    BOOST_TEST(rec.id == "0E48800471400A");
    BOOST_TEST(rec.iin == "8A2C10");
    BOOST_TEST(rec.platform_version == 3);
    BOOST_TEST(rec.os_type_version_name == "JCOP3SECIDCS");
    BOOST_TEST((rec.batch_id == std::optional<std::int64_t>(0)));
    BOOST_TEST(core::to_hex(rec.cplc) == cplc_hex);
    BOOST_TEST(core::to_hex(rec.uid) == "04A1B2C3D4E5F6");
    BOOST_TEST(!rec.has_gp_keys());
    BOOST_TEST(!rec.has_desfire_key());

    core::card_keys_input minimal;
    keyless(minimal);
    auto m = check_accepted(minimal);
    BOOST_TEST(!m.batch_id.has_value());
    BOOST_TEST(m.cplc.empty());
    BOOST_TEST(m.uid.empty());
}

BOOST_AUTO_TEST_CASE(a_device_without_keys_needs_platform_version_and_iin) {
    core::card_keys_input no_version;
    no_version.iin = "8A2C10";
    no_version.cplc = cplc_hex;
    check_refused(false, no_version, "platformVersion");
    core::card_keys_input no_iin;
    no_iin.platform_version = 2;
    check_refused(false, no_iin, "iin is required");
    // with keys, both stay optional, as before
    core::card_keys_input keyed;
    gp_set(keyed);
    auto rec = check_accepted(keyed);
    BOOST_TEST(rec.platform_version == 0);
    BOOST_TEST(rec.has_gp_keys());
    keyed.platform_version = 2;
    keyed.uid = "01020304";
    rec = check_accepted(keyed);
    BOOST_TEST(rec.platform_version == 2);
    BOOST_TEST(rec.uid.size() == 4u);
    BOOST_TEST(rec.has_gp_keys());
}

BOOST_AUTO_TEST_CASE(field_bounds) {
    for (std::int64_t v : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{2147483648},
                           std::numeric_limits<std::int64_t>::max()}) {
        core::card_keys_input in;
        keyless(in);
        in.platform_version = v;
        check_refused(false, in, "platformVersion must be an integer from 1 to 2147483647");
    }
    for (std::int64_t v : {std::int64_t{1}, std::int64_t{2147483647}}) {
        core::card_keys_input in;
        keyless(in);
        in.platform_version = v;
        BOOST_TEST(check_accepted(in).platform_version == v);
    }
    {
        core::card_keys_input in;
        keyless(in);
        in.batch_id = -1;
        check_refused(false, in, "batchId");
        in.batch_id = std::numeric_limits<std::int64_t>::max();
        BOOST_TEST((check_accepted(in).batch_id == in.batch_id));
    }
    {
        core::card_keys_input in;
        keyless(in);
        in.os_type_version_name = std::string(65, 'a');
        check_refused(false, in, "at most 64");
        in.os_type_version_name = "JCOP\n";
        check_refused(false, in, "printable");
        in.os_type_version_name = std::string(64, '~');
        BOOST_TEST(check_accepted(in).os_type_version_name.size() == 64u);
    }
    for (const char* cplc : {"ABC", "XY", "9F7F"}) {
        core::card_keys_input in;
        keyless(in);
        in.cplc = cplc;
        if (std::string_view(cplc) == "9F7F") {
            BOOST_TEST(check_accepted(in).cplc.size() == 2u); // short, but hex: kept as given
        } else {
            check_refused(false, in, "cplc must be even-length hex");
        }
    }
    {
        core::card_keys_input in;
        keyless(in);
        in.cplc = std::string(130, 'A');
        check_refused(false, in, "cplc is at most 64 bytes");
        in.cplc = std::string(128, 'A');
        BOOST_TEST(check_accepted(in).cplc.size() == 64u);
    }
    for (const char* uid : {"010203", "0102030405", "01020304050607080910111213", "0102030G", "123"}) {
        core::card_keys_input in;
        keyless(in);
        in.uid = uid;
        check_refused(false, in, "uid must be hex of 4, 7 or 10 bytes");
    }
    for (const char* uid : {"01020304", "01020304050607", "01020304050607080910"}) {
        core::card_keys_input in;
        keyless(in);
        in.uid = uid;
        BOOST_TEST(check_accepted(in).uid.size() * 2 == std::string_view(uid).size());
    }
}

BOOST_AUTO_TEST_CASE(the_cplc_tag_of_get_data_is_dropped) {
    core::card_keys_input in;
    keyless(in);
    in.cplc = "9F7F2A" + cplc_hex;
    BOOST_TEST(core::to_hex(check_accepted(in).cplc) == cplc_hex);
}

BOOST_AUTO_TEST_CASE(master_sets_refuse_device_fields) {
    auto with = [](auto set) {
        core::card_keys_input in;
        gp_set(in);
        set(in);
        check_refused(true, in, "apply to cards only");
    };
    with([](core::card_keys_input& in) { in.platform_version = 1; });
    with([](core::card_keys_input& in) { in.os_type_version_name = "x"; });
    with([](core::card_keys_input& in) { in.batch_id = 0; });
    with([](core::card_keys_input& in) { in.cplc = "AA"; });
    with([](core::card_keys_input& in) { in.uid = "01020304"; });
    // and a master set still needs keys
    core::card_keys_input none;
    check_refused(true, none, "desfire object");
}

BOOST_AUTO_TEST_SUITE_END()
