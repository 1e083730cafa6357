// The admin API's device registry over a real RocksDB store: PUT /admin/v1/cards/{cin} with the
// device description, with and without key parts; GET shows the description and never a key;
// every bad field is a 400 that writes nothing (an existing record stays as it was); a CPLC or UID
// another card holds is refused; records written before the description existed still open, and
// the client API answers for them.
#include "tsm/transport/admin_api/admin_api.hpp"

#include "device_registry_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <rocksdb/db.h>

#include <string>
#include <vector>

using namespace tsm;
using tsm::test::device_registry_fixture;
using tsm::test::error_code_in;
using tsm::test::error_message_in;
using tsm::test::json_of;

namespace {

const std::string cin = "0E48800471400A";
const std::string cplc =
    "4790504047918102000000000000000000000000000000000000000000000000000000000000000000AA";
const std::string enc = "404142434445464748494A4B4C4D4E4F";
const std::string mac = "505152535455565758595A5B5C5D5E5F";
const std::string dek = "606162636465666768696A6B6C6D6E6F";
const std::string df_aes = "5E1B9C3A7D20F4866B0C2E9A41D7F358";

std::string gp_fields() {
    return R"("isd":"A000000151000000","scp":"03","kvn":1,"enc":")" + enc + R"(","mac":")" + mac
           + R"(","dek":")" + dek + "\"";
}

void expect_no_keys(const transport::http_response& r) {
    for (const auto& secret : {enc, mac, dek, df_aes}) {
        BOOST_TEST(r.body.find(secret) == std::string::npos);
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(admin_devices)

BOOST_AUTO_TEST_CASE(a_device_without_keys_is_stored_and_shown) {
    device_registry_fixture f;
    const std::string body = R"({"iin":"8a2c10","platformVersion":3,"osTypeVersionName":"JCOP3SECIDCS",)"
                             R"("batchId":0,"cplc":")"
                             + cplc + R"(","uid":"04a1b2c3d4e5f6"})";
    auto put = f.admin_call("PUT", "/admin/v1/cards/0e48800471400a", body);
    BOOST_TEST(put.status == 200, put.body);
    const std::string expected = R"({"cin":"0E48800471400A","iin":"8A2C10","platformVersion":3,)"
                                 R"("osTypeVersionName":"JCOP3SECIDCS","batchId":0,"cplc":")"
                                 + cplc + R"(","uid":"04A1B2C3D4E5F6"})";
    BOOST_TEST(put.body == expected);
    auto got = f.admin_call("GET", "/admin/v1/cards/" + cin);
    BOOST_TEST(got.status == 200);
    BOOST_TEST(got.body == expected);
}

BOOST_AUTO_TEST_CASE(a_device_with_both_key_parts_shows_the_description_never_the_keys) {
    device_registry_fixture f;
    const std::string body = "{" + gp_fields() + R"(,"iin":"8A2C10","platformVersion":2,"uid":"01020304",)"
                             + R"("desfire":{"keyType":"AES","key":")" + df_aes + R"("}})";
    auto put = f.admin_call("PUT", "/admin/v1/cards/" + cin, body);
    BOOST_TEST(put.status == 200, put.body);
    expect_no_keys(put);
    auto got = f.admin_call("GET", "/admin/v1/cards/" + cin);
    BOOST_TEST(got.status == 200);
    expect_no_keys(got);
    auto j = json_of(got);
    BOOST_TEST(j.at("isd").as_string() == "A000000151000000");
    BOOST_TEST(j.at("desfire").as_object().at("hasKey").as_bool());
    BOOST_TEST(j.at("platformVersion").as_int64() == 2);
    BOOST_TEST(j.at("uid").as_string() == "01020304");
    BOOST_TEST(!j.contains("cplc"));
    BOOST_TEST(!j.contains("batchId"));
    BOOST_TEST(!j.contains("osTypeVersionName"));
    // keys without a description, as before: no device fields at all
    BOOST_TEST(f.admin_call("PUT", "/admin/v1/cards/0B02", "{" + gp_fields() + "}").status == 200);
    auto keyed = json_of(f.admin_call("GET", "/admin/v1/cards/0B02"));
    BOOST_TEST(!keyed.contains("platformVersion"));
    BOOST_TEST(!keyed.contains("uid"));
}

BOOST_AUTO_TEST_CASE(bad_device_fields_are_400_and_write_nothing) {
    device_registry_fixture f;
    const std::string original = R"({"iin":"8A2C10","platformVersion":3,"cplc":"AABB"})";
    BOOST_TEST(f.admin_call("PUT", "/admin/v1/cards/" + cin, original).status == 200);
    const std::string before = f.admin_call("GET", "/admin/v1/cards/" + cin).body;
    struct row {
        std::string body;
        std::string says;
    };
    const row rows[] = {
        {R"({"iin":"8A2C10","platformVersion":"3"})", "platformVersion must be an integer"},
        {R"({"iin":"8A2C10","platformVersion":1.5})", "platformVersion must be an integer"},
        {R"({"iin":"8A2C10","platformVersion":0})", "platformVersion must be an integer from 1"},
        {R"({"iin":"8A2C10","platformVersion":-3})", "platformVersion must be an integer from 1"},
        {R"({"iin":"8A2C10","platformVersion":2147483648})", "platformVersion must be an integer from 1"},
        {R"({"iin":"8A2C10","platformVersion":3,"batchId":-1})", "batchId"},
        {R"({"iin":"8A2C10","platformVersion":3,"batchId":"7"})", "batchId must be an integer"},
        {R"({"iin":"8A2C10","platformVersion":3,"cplc":"ABC"})", "cplc"},
        {R"({"iin":"8A2C10","platformVersion":3,"cplc":")" + std::string(130, 'A') + "\"}",
         "cplc is at most"},
        {R"({"iin":"8A2C10","platformVersion":3,"cplc":12})", "cplc"},
        {R"({"iin":"8A2C10","platformVersion":3,"uid":"010203"})", "uid"},
        {R"({"iin":"8A2C10","platformVersion":3,"uid":"0102030G"})", "uid"},
        {R"({"iin":"8A2C10","platformVersion":3,"osTypeVersionName":")" + std::string(65, 'x') + "\"}",
         "osTypeVersionName"},
        {R"({"iin":"8A2C10","platformVersion":3,"osTypeVersionName":"a\u0001"})", "osTypeVersionName"},
        {R"({"iin":"8A2C10"})", "platformVersion"},
        {R"({"platformVersion":3})", "iin is required"},
        {R"({"iin":"8A2C1","platformVersion":3})", "iin must be hex"},
        {R"({})", "desfire object"},
        {R"({"iin":"8A2C10","platformVersion":3)", "JSON"},
        {"{" + gp_fields() + R"(,"platformVersion":3,"uid":"01"})", "uid"}, // keys are not stored either
    };
    for (const auto& r : rows) {
        auto res = f.admin_call("PUT", "/admin/v1/cards/" + cin, r.body);
        BOOST_TEST(res.status == 400, r.body << " -> " << res.status);
        BOOST_TEST(error_code_in(res) == "bad-request", r.body);
        expect_no_keys(res);
        if (r.says != "JSON") {
            BOOST_TEST(error_message_in(res).find(r.says) != std::string::npos, error_message_in(res)
                                                                                    << " lacks " << r.says);
        }
        BOOST_TEST(f.admin_call("GET", "/admin/v1/cards/" + cin).body == before, r.body);
        // a refused new card is not created either
        BOOST_TEST(f.admin_call("PUT", "/admin/v1/cards/0B02", r.body).status == 400);
        BOOST_TEST(f.admin_call("GET", "/admin/v1/cards/0B02").status == 404);
    }
    // master sets take no device description
    auto m = f.admin_call("PUT", "/admin/v1/iins/8A2C10", "{" + gp_fields() + R"(,"platformVersion":3})");
    BOOST_TEST(m.status == 400);
    BOOST_TEST(error_message_in(m).find("cards only") != std::string::npos);
    BOOST_TEST(f.admin_call("GET", "/admin/v1/iins/8A2C10").status == 404);
}

BOOST_AUTO_TEST_CASE(a_cplc_or_uid_held_by_another_card_is_refused) {
    device_registry_fixture f;
    BOOST_TEST(
        f.admin_call("PUT", "/admin/v1/cards/" + cin,
                     R"({"iin":"8A2C10","platformVersion":3,"cplc":")" + cplc + R"(","uid":"01020304"})")
            .status
        == 200);
    for (const std::string& extra :
         std::vector<std::string>{R"("cplc":")" + cplc + "\"", std::string(R"("uid":"01020304")"),
                                  R"("cplc":"9F7F2A)" + cplc + "\""}) {
        auto r = f.admin_call("PUT", "/admin/v1/cards/0B02",
                              R"({"iin":"8A2C10","platformVersion":3,)" + extra + "}");
        BOOST_TEST(r.status == 400, extra);
        BOOST_TEST(error_message_in(r).find("already registered for card " + cin) != std::string::npos,
                   error_message_in(r));
        BOOST_TEST(f.admin_call("GET", "/admin/v1/cards/0B02").status == 404);
    }
    BOOST_TEST(f.client_call("GET", "/v3/devices/identify?cplc=" + cplc).body
               == R"({"cin":"0E48800471400A","batchId":0})");
    // the card itself may be written again with its own values
    BOOST_TEST(
        f.admin_call("PUT", "/admin/v1/cards/" + cin,
                     R"({"iin":"8A2C10","platformVersion":4,"cplc":")" + cplc + R"(","uid":"01020304"})")
            .status
        == 200);
    // once it lets go of them, another card may take them
    BOOST_TEST(f.admin_call("PUT", "/admin/v1/cards/" + cin, R"({"iin":"8A2C10","platformVersion":4})").status
               == 200);
    BOOST_TEST(
        f.admin_call("PUT", "/admin/v1/cards/0B02",
                     R"({"iin":"8A2C10","platformVersion":3,"cplc":")" + cplc + R"(","uid":"01020304"})")
            .status
        == 200);
    BOOST_TEST(f.client_call("GET", "/v3/devices/identify?cplc=" + cplc).body
               == R"({"cin":"0B02","batchId":0})");
}

BOOST_AUTO_TEST_CASE(records_written_before_the_description_still_open) {
    // A card record as version 2 wrote it (GP part with opaque sealed keys, then a DESFire part),
    // and one as version 1 (GP part only), planted byte by byte.
    auto plant = [](const std::string& db_dir) {
        std::string v2 = {static_cast<char>(2), 'c', '\x00'};
        v2 += "\x04"
              "0E48"
              "\x06"
              "8A2C10";
        v2 += "\x08" + std::string("\xA0\x00\x00\x01\x51\x00\x00\x00", 8);
        v2 += std::string("\x03\x30\x10\x03", 4);
        v2 += '\x00';
        v2 += "\x03"
              "GPK";
        v2 += "\x03"
              "AES";
        v2 += '\x05';
        v2 += '\x00';
        v2 += '\x00';
        v2 += "\x02"
              "DK";
        std::string v1 = {static_cast<char>(1), 'c', '\x00'};
        v1 += "\x04"
              "0B02";
        v1 += '\x00'; // iin ""
        v1 += "\x05" + std::string("\xA0\x00\x00\x01\x51", 5);
        v1 += std::string("\x02\x20\x10\x01", 4);
        v1 += '\x00';
        v1 += "\x02"
              "GK";
        rocksdb::Options o;
        o.create_if_missing = true;
        rocksdb::DB* raw = nullptr;
        BOOST_REQUIRE(rocksdb::DB::Open(o, db_dir, &raw).ok());
        std::unique_ptr<rocksdb::DB> db(raw);
        BOOST_REQUIRE(db->Put(rocksdb::WriteOptions(), "c/0E48", v2).ok());
        BOOST_REQUIRE(db->Put(rocksdb::WriteOptions(), "c/0B02", v1).ok());
    };
    device_registry_fixture f(plant);
    auto v2 = f.admin_call("GET", "/admin/v1/cards/0E48");
    BOOST_TEST(v2.status == 200, v2.body);
    BOOST_TEST(
        v2.body
        == R"({"cin":"0E48","iin":"8A2C10","isd":"A000000151000000","scp":"03","kvn":48,)"
           R"("keyLength":16,"securityLevel":"03","desfire":{"keyType":"AES","version":5,"hasKey":true}})");
    auto v1 = f.admin_call("GET", "/admin/v1/cards/0B02");
    BOOST_TEST(v1.status == 200, v1.body);
    BOOST_TEST(v1.body
               == R"({"cin":"0B02","iin":"","isd":"A000000151","scp":"02","kvn":32,"keyLength":16,)"
                  R"("securityLevel":"01"})");
    // the client API answers for them (no platform version recorded: 0)
    BOOST_TEST(f.client_call("GET", "/v3/devices/0E48").body
               == R"({"iin":"8A2C10","description":{"capabilities":{"platformVersion":0}}})");
    // and a replacement adds the description (and indexes it)
    BOOST_TEST(f.admin_call("PUT", "/admin/v1/cards/0E48",
                            "{" + gp_fields() + R"(,"iin":"8A2C10","platformVersion":3,"cplc":"AABB"})")
                   .status
               == 200);
    BOOST_TEST(f.client_call("GET", "/v3/devices/identify?cplc=AABB").body
               == R"({"cin":"0E48","batchId":0})");
    BOOST_TEST(json_of(f.admin_call("GET", "/admin/v1/cards/0E48")).at("platformVersion").as_int64() == 3);
}

BOOST_AUTO_TEST_SUITE_END()
