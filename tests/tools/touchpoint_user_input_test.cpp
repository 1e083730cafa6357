// The reference touch point's user input: --fields parsing, the answers per field type from
// --fields and from a (scripted) terminal, values never printed, and the encryption round trip
// (the touch point's encrypt_fields, the example SP's sp_key decryption; one known answer from
// the openssl command line for AES-256-CBC with a zero IV).
#include "example_sp/pin_session.hpp"
#include "example_sp/sp_key.hpp"
#include "touchpoint/field_collection.hpp"
#include "touchpoint/field_encryption.hpp"
#include "touchpoint/touchpoint_options.hpp"

#include "tsm/core/hex.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <unistd.h>

using namespace tsm::tools::touchpoint;
using tsm::tools::example_sp::sp_key;
namespace json = boost::json;

namespace {

std::vector<field_spec> specs(std::string_view fields_json) {
    const json::value v = json::parse(fields_json);
    std::string error;
    auto s = parse_field_specs(&v, error);
    BOOST_REQUIRE_MESSAGE(s, error);
    return *s;
}

struct collected {
    std::optional<field_values> values;
    std::string error;
    std::string shown;
};

collected collect(std::string_view fields_json, const field_values& given, std::istream* in = nullptr) {
    std::ostringstream out;
    field_collector c(given, in, out);
    collected r;
    r.values = c.collect(specs(fields_json), r.error);
    r.shown = out.str();
    return r;
}

std::string value_of(const field_values& v, const std::string& id) {
    for (const auto& [k, x] : v) {
        if (k == id) {
            return x;
        }
    }
    return "<absent>";
}

sp_key fresh_key() {
    std::string error;
    auto k = sp_key::generate(error);
    BOOST_REQUIRE_MESSAGE(k, error);
    return std::move(*k);
}

const char* const all_types = R"([
  {"id":"name","type":"edit","label":{"en":"Your name","sv":"Namn"}},
  {"id":"agree","type":"checkbox","label":"I agree"},
  {"id":"born","type":"date","label":{"en":"Birth date"}},
  {"id":"size","type":"option","labels":[{"en":"Small"},{"en":"Medium"},{"en":"Large"}]},
  {"id":"card","type":"paymentcard","label":{"en":"Card"}},
  {"id":"note","type":"text","label":{"en":"Read this first"}},
  {"id":"logo","type":"image","label":"logo.png"}])";

} // namespace

BOOST_AUTO_TEST_SUITE(touchpoint_user_input_tests)

BOOST_AUTO_TEST_CASE(fields_option_splits_on_commas_and_never_repeats_a_value) {
    auto r = parse_touchpoint_args({"--url", "ws://h:1/touchpoint/v1", "--app", "a", "--service", "s",
                                    "--fields", "pin=1234,name=Ann", "--field", "note=a,b", "--decline"});
    BOOST_REQUIRE_MESSAGE(r.options, r.error);
    const field_values expected{{"pin", "1234"}, {"name", "Ann"}, {"note", "a,b"}};
    BOOST_CHECK(r.options->fields == expected);
    BOOST_CHECK(r.options->decline);

    auto bad = parse_touchpoint_args({"--url", "ws://h:1/touchpoint/v1", "--app", "a", "--service", "s",
                                      "--fields", "pin=1234,secret9876"});
    BOOST_CHECK(!bad.options);
    BOOST_CHECK(bad.error.find("--fields") != std::string::npos);
    BOOST_CHECK(bad.error.find("9876") == std::string::npos);
    BOOST_CHECK(bad.error.find("1234") == std::string::npos);
    auto bad1 = parse_touchpoint_args(
        {"--url", "ws://h:1/touchpoint/v1", "--app", "a", "--service", "s", "--field", "secret9876"});
    BOOST_CHECK(!bad1.options);
    BOOST_CHECK(bad1.error.find("9876") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_type_is_answered_from_given_values_and_display_types_are_only_shown) {
    auto r = collect(all_types, {{"name", "Ann"},
                                 {"agree", "true"},
                                 {"born", "2000-02-29"},
                                 {"size", "2"},
                                 {"card", "4111111111111111/7/2031/123"},
                                 {"unrelated", "x"}});
    BOOST_REQUIRE_MESSAGE(r.values, r.error);
    BOOST_REQUIRE_EQUAL(r.values->size(), 5u); // text and image take no answer
    BOOST_CHECK_EQUAL(value_of(*r.values, "name"), "Ann");
    BOOST_CHECK_EQUAL(value_of(*r.values, "agree"), "true");
    BOOST_CHECK_EQUAL(value_of(*r.values, "born"), "2000-02-29");
    BOOST_CHECK_EQUAL(value_of(*r.values, "size"), "2");
    const auto card = json::parse(value_of(*r.values, "card")).as_object();
    BOOST_CHECK_EQUAL(card.at("cardNumber").as_string(), "4111111111111111");
    BOOST_CHECK_EQUAL(card.at("expiryMonth").as_int64(), 7);
    BOOST_CHECK_EQUAL(card.at("expiryYear").as_int64(), 2031);
    BOOST_CHECK_EQUAL(card.at("cvv").as_string(), "123");
    BOOST_CHECK_EQUAL(value_of(*r.values, "note"), "<absent>");
    BOOST_CHECK(r.shown.find("Read this first") != std::string::npos);
    BOOST_CHECK(r.shown.find("[image] logo.png") != std::string::npos);
    BOOST_CHECK(r.shown.find("Ann") == std::string::npos); // the values are not printed
    BOOST_CHECK(r.shown.find("4111") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_given_value_of_the_wrong_shape_is_refused_without_showing_it) {
    struct bad_case {
        const char* fields;
        const char* value;
    };
    const bad_case cases[] = {
        {R"([{"id":"f","type":"checkbox"}])", "yes"},
        {R"([{"id":"f","type":"date"}])", "2023-02-29"},
        {R"([{"id":"f","type":"date"}])", "2023-13-01"},
        {R"([{"id":"f","type":"date"}])", "23-01-01"},
        {R"([{"id":"f","type":"option","labels":["a","b"]}])", "2"},
        {R"([{"id":"f","type":"option","labels":["a","b"]}])", "q9"},
        {R"([{"id":"f","type":"paymentcard"}])", "4111/7/2031"},
        {R"([{"id":"f","type":"paymentcard"}])", "4111111111111111/13/2031"},
        {R"([{"id":"f","type":"paymentcard"}])", "4111111111111111/12/31/1"},
    };
    for (const auto& c : cases) {
        auto r = collect(c.fields, {{"f", c.value}});
        BOOST_CHECK_MESSAGE(!r.values, c.fields << " accepted " << c.value);
        BOOST_CHECK(r.error.find("--fields value for f") != std::string::npos);
        BOOST_CHECK(r.error.find(c.value) == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(fields_without_a_value_are_asked_on_the_terminal_until_valid) {
    // name; agree (one invalid answer first); born (one invalid); size (out of range, then 1);
    // card: number, month, year, empty CVV.
    std::istringstream terminal(
        "Bob\nmaybe\nfalse\n2001-02-30\n2001-03-01\n5\n1\n5500000000000004\n12\n2030\n\n");
    auto r = collect(all_types, {}, &terminal);
    BOOST_REQUIRE_MESSAGE(r.values, r.error);
    BOOST_CHECK_EQUAL(value_of(*r.values, "name"), "Bob");
    BOOST_CHECK_EQUAL(value_of(*r.values, "agree"), "false");
    BOOST_CHECK_EQUAL(value_of(*r.values, "born"), "2001-03-01");
    BOOST_CHECK_EQUAL(value_of(*r.values, "size"), "1");
    const auto card = json::parse(value_of(*r.values, "card")).as_object();
    BOOST_CHECK_EQUAL(card.at("cardNumber").as_string(), "5500000000000004");
    BOOST_CHECK(!card.contains("cvv"));
    // Labels (English preferred), the choices by index, the hints; never the answers.
    BOOST_CHECK(r.shown.find("Your name: ") != std::string::npos);
    BOOST_CHECK(r.shown.find("I agree (true/false): ") != std::string::npos);
    BOOST_CHECK(r.shown.find("Birth date (YYYY-MM-DD): ") != std::string::npos);
    BOOST_CHECK(r.shown.find("  0) Small\n  1) Medium\n  2) Large\n") != std::string::npos);
    BOOST_CHECK(r.shown.find("card number: ") != std::string::npos);
    BOOST_CHECK(r.shown.find("not a valid answer") != std::string::npos);
    BOOST_CHECK(r.shown.find("Bob") == std::string::npos);
    BOOST_CHECK(r.shown.find("5500") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_closed_terminal_or_none_fails_the_collection) {
    std::istringstream terminal("");
    auto r = collect(R"([{"id":"pin","type":"edit","label":"PIN"}])", {}, &terminal);
    BOOST_CHECK(!r.values);
    BOOST_CHECK(r.error.find("no answer for field pin") != std::string::npos);
    auto none = collect(R"([{"id":"pin","type":"edit"}])", {});
    BOOST_CHECK(!none.values);
}

BOOST_AUTO_TEST_CASE(field_specs_need_an_array_of_objects_with_ids) {
    std::string error;
    const json::value not_array = json::parse(R"({"id":"x"})");
    BOOST_CHECK(!parse_field_specs(&not_array, error));
    const json::value no_id = json::parse(R"([{"type":"edit"}])");
    BOOST_CHECK(!parse_field_specs(&no_id, error));
    BOOST_CHECK(parse_field_specs(nullptr, error)->empty());
}

BOOST_AUTO_TEST_CASE(encrypted_values_decrypt_with_the_example_sps_key) {
    const sp_key key = fresh_key();
    const std::string card = R"({"cardNumber":"4111111111111111","expiryMonth":7,"expiryYear":2031})";
    const field_values clear{{"pin", "1234"}, {"card", card}, {"empty", ""}};
    std::string error;
    auto enc = encrypt_fields(key.certificate_hex(), clear, error);
    BOOST_REQUIRE_MESSAGE(enc, error);
    BOOST_CHECK_EQUAL(enc->ephemeral_key_hex.size(), 512u); // RSA-2048
    BOOST_REQUIRE_EQUAL(enc->values.size(), 3u);
    BOOST_CHECK_EQUAL(enc->values[0].first, "pin");
    BOOST_CHECK_EQUAL(enc->values[0].second.size(), 32u); // one block: 4 bytes + PKCS#7 padding
    BOOST_CHECK_EQUAL(enc->values[2].second.size(), 32u); // an empty value is one padding block
    BOOST_CHECK(tsm::core::is_hex(enc->values[1].second));

    auto aes = key.unwrap(enc->ephemeral_key_hex);
    BOOST_REQUIRE(aes);
    BOOST_CHECK_EQUAL(aes->size(), 32u);
    BOOST_CHECK_EQUAL(sp_key::decrypt_value(*aes, enc->values[0].second).value_or("?"), "1234");
    BOOST_CHECK_EQUAL(sp_key::decrypt_value(*aes, enc->values[1].second).value_or("?"), card);
    BOOST_CHECK_EQUAL(sp_key::decrypt_value(*aes, enc->values[2].second).value_or("?"), "");

    // Every encryption has its own key: the same value encrypts differently.
    auto again = encrypt_fields(key.certificate_hex(), clear, error);
    BOOST_REQUIRE(again);
    BOOST_CHECK_NE(again->values[0].second, enc->values[0].second);
    BOOST_CHECK_NE(again->ephemeral_key_hex, enc->ephemeral_key_hex);
}

BOOST_AUTO_TEST_CASE(another_key_or_a_tampered_blob_does_not_open) {
    const sp_key key = fresh_key();
    const sp_key other = fresh_key();
    std::string error;
    auto enc = encrypt_fields(key.certificate_hex(), {{"pin", "1234"}}, error);
    BOOST_REQUIRE(enc);
    BOOST_CHECK(!other.unwrap(enc->ephemeral_key_hex));
    std::string wrapped = enc->ephemeral_key_hex;
    wrapped[10] = wrapped[10] == '0' ? '1' : '0';
    BOOST_CHECK(!key.unwrap(wrapped));
    BOOST_CHECK(!key.unwrap("zz"));
    auto aes = key.unwrap(enc->ephemeral_key_hex);
    BOOST_REQUIRE(aes);
    BOOST_CHECK(!sp_key::decrypt_value(*aes, "00"));             // not whole blocks
    BOOST_CHECK(!sp_key::decrypt_value(*aes, "not hex at all")); // not hex
}

BOOST_AUTO_TEST_CASE(the_sp_decrypts_an_openssl_command_line_ciphertext) {
    // printf 1234 | openssl enc -aes-256-cbc -K 000102..1F -iv 00..00 | xxd -p
    const std::string aes =
        *tsm::core::from_hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
    BOOST_CHECK_EQUAL(sp_key::decrypt_value(aes, "8b9a3f6682f07698596227c476648684").value_or("?"), "1234");
    BOOST_CHECK_EQUAL(sp_key::decrypt_value(aes,
                                            "bfd89f869e427e84883280845bf3aa5c416b2a5bba5f0f53ee720bd171d24c1f"
                                            "5acb69c992acadfa142b30da2721f57b")
                          .value_or("?"),
                      "Ann Smith, Jr. and the seventeen");
}

BOOST_AUTO_TEST_CASE(a_bad_certificate_is_refused) {
    std::string error;
    BOOST_CHECK(!encrypt_fields("nothex", {{"pin", "1234"}}, error));
    BOOST_CHECK(!encrypt_fields("3003020100", {{"pin", "1234"}}, error));
    BOOST_CHECK(error.find("X.509") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_sp_key_loads_from_a_pem_file) {
    EVP_PKEY* pkey = EVP_RSA_gen(2048);
    BOOST_REQUIRE(pkey);
    const auto path =
        std::filesystem::temp_directory_path() / ("sp-key-" + std::to_string(::getpid()) + ".pem");
    std::FILE* f = std::fopen(path.c_str(), "w");
    BOOST_REQUIRE(f);
    BOOST_REQUIRE(PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr) == 1);
    std::fclose(f);
    EVP_PKEY_free(pkey);
    std::string error;
    auto key = sp_key::load(path.string(), error);
    std::filesystem::remove(path);
    BOOST_REQUIRE_MESSAGE(key, error);
    auto enc = encrypt_fields(key->certificate_hex(), {{"pin", "87654321"}}, error);
    BOOST_REQUIRE_MESSAGE(enc, error);
    auto aes = key->unwrap(enc->ephemeral_key_hex);
    BOOST_REQUIRE(aes);
    BOOST_CHECK_EQUAL(sp_key::decrypt_value(*aes, enc->values[0].second).value_or("?"), "87654321");
    BOOST_CHECK(!sp_key::load(path.string() + ".missing", error));
}

BOOST_AUTO_TEST_CASE(the_pin_service_describes_its_certificate_and_checks_4_to_8_digits) {
    const sp_key key = fresh_key();
    const auto d = json::parse(tsm::tools::example_sp::pin_description(key)).as_object();
    BOOST_CHECK_EQUAL(d.at("certificate").as_string(), key.certificate_hex());
    BOOST_CHECK(d.at("fieldsRequired").as_array().empty());
    const auto fields = json::parse(tsm::tools::example_sp::pin_fields_json()).as_array();
    BOOST_CHECK_EQUAL(fields.at(0).as_object().at("id").as_string(), "pin");
    using tsm::tools::example_sp::is_acceptable_pin;
    BOOST_CHECK(is_acceptable_pin("1234"));
    BOOST_CHECK(is_acceptable_pin("12345678"));
    BOOST_CHECK(!is_acceptable_pin("123"));
    BOOST_CHECK(!is_acceptable_pin("123456789"));
    BOOST_CHECK(!is_acceptable_pin("12a4"));
}

BOOST_AUTO_TEST_SUITE_END()
