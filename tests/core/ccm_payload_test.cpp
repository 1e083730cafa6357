// CCM operation payload codecs: round trips, no key material, garbage rejected.
#include "tsm/core/ccm/operations.hpp"
#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <random>

using namespace tsm::core;
using namespace tsm::core::ccm;
using namespace std::string_literals;

namespace {

install_request sample_install() {
    install_request r;
    r.elf_aid = *from_hex("D0D1D2D3D4D501");
    r.lfdb = bytes(343, '\x42');
    r.module_aid = *from_hex("D0D1D2D3D4D50101");
    r.instance_aid = *from_hex("D0D1D2D3D4D50102");
    r.params = *from_hex("0011");
    r.privileges = *from_hex("000000");
    return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(ccm_payload)

BOOST_AUTO_TEST_CASE(install_round_trips) {
    const auto r = sample_install();
    const bytes p = encode_install_request(r);
    BOOST_TEST(p[0] == '\x01');
    const auto back = decode_install_request(p);
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST((*back == r));

    install_request preloaded = r;
    preloaded.lfdb.clear();
    preloaded.params.clear();
    preloaded.privileges = bytes(1, '\0');
    const auto back2 = decode_install_request(encode_install_request(preloaded));
    BOOST_REQUIRE(back2.has_value());
    BOOST_TEST((*back2 == preloaded));
}

BOOST_AUTO_TEST_CASE(delete_and_storedata_round_trip) {
    for (bool related : {false, true}) {
        delete_request d{*from_hex("D0D1D2D3D4D501"), related};
        const auto back = decode_delete_request(encode_delete_request(d));
        BOOST_REQUIRE(back.has_value());
        BOOST_TEST((*back == d));
    }
    for (tag_type t : {tag_type::dgi, tag_type::ber}) {
        storedata_request s{*from_hex("D0D1D2D3D4D50101"), t, bytes(700, '\x5A')};
        const auto back = decode_storedata_request(encode_storedata_request(s));
        BOOST_REQUIRE(back.has_value());
        BOOST_TEST((*back == s));
    }
}

BOOST_AUTO_TEST_CASE(truncation_and_trailing_bytes_rejected) {
    const bytes p = encode_install_request(sample_install());
    for (std::size_t n = 0; n < p.size(); ++n) {
        BOOST_TEST(!decode_install_request(std::string_view(p).substr(0, n)).has_value(), "prefix " << n);
    }
    BOOST_TEST(!decode_install_request(p + "x").has_value());
    const bytes d = encode_delete_request({*from_hex("0102030405"), true});
    for (std::size_t n = 0; n < d.size(); ++n) {
        BOOST_TEST(!decode_delete_request(std::string_view(d).substr(0, n)).has_value());
    }
    const bytes s = encode_storedata_request({*from_hex("0102030405"), tag_type::ber, "abc"});
    for (std::size_t n = 0; n < s.size(); ++n) {
        BOOST_TEST(!decode_storedata_request(std::string_view(s).substr(0, n)).has_value());
    }
}

BOOST_AUTO_TEST_CASE(wrong_version_kinds_and_values_rejected) {
    bytes p = encode_install_request(sample_install());
    p[0] = '\x02';
    BOOST_TEST(!decode_install_request(p).has_value());
    // A payload of one kind is not another kind.
    BOOST_TEST(!decode_delete_request(encode_install_request(sample_install())).has_value());
    BOOST_TEST(!decode_install_request(encode_delete_request({*from_hex("0102030405"), false})).has_value());
    // Out-of-range flags and invalid requests.
    bytes d = encode_delete_request({*from_hex("0102030405"), true});
    d.back() = '\x02';
    BOOST_TEST(!decode_delete_request(d).has_value());
    bytes s = encode_storedata_request({*from_hex("0102030405"), tag_type::ber, "abc"});
    s[1 + 4 + 5 + 4] = '\x07';
    BOOST_TEST(!decode_storedata_request(s).has_value());
    auto bad = sample_install();
    bad.instance_aid = "1234"; // 4 bytes: not an AID
    BOOST_TEST(!decode_install_request(encode_install_request(bad)).has_value());
    bad = sample_install();
    bad.privileges = "\x01\x02";
    BOOST_TEST(!decode_install_request(encode_install_request(bad)).has_value());
    BOOST_TEST(
        !decode_storedata_request(encode_storedata_request({*from_hex("0102030405"), tag_type::dgi, ""}))
             .has_value());
}

BOOST_AUTO_TEST_CASE(random_garbage_never_decodes_or_crashes) {
    std::mt19937 rng(1234);
    int decoded = 0;
    for (int i = 0; i < 5000; ++i) {
        bytes g(rng() % 64, '\0');
        for (auto& c : g) {
            c = static_cast<char>(rng());
        }
        if (i % 2 == 0 && !g.empty()) {
            g[0] = '\x01'; // right version, garbage after
        }
        decoded += decode_install_request(g).has_value();
        decoded += decode_delete_request(g).has_value();
        decoded += decode_storedata_request(g).has_value();
    }
    BOOST_TEST(decoded == 0);
}

BOOST_AUTO_TEST_CASE(validation_messages_name_the_field) {
    auto r = sample_install();
    BOOST_TEST(!validate(r).has_value());
    r.elf_aid.clear();
    BOOST_REQUIRE(validate(r).has_value());
    BOOST_TEST(validate(r)->find("executableLoadFile") != std::string::npos);
    BOOST_TEST(validate(delete_request{"", false}).value_or("").find("application") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(install_by_lfdb_hash_round_trips_and_old_payloads_still_decode) {
    install_request by_hash;
    by_hash.lfdb_hash = bytes(32, '\x6a');
    by_hash.module_aid = *from_hex("D0D1D2D3D4D50101");
    by_hash.instance_aid = *from_hex("D0D1D2D3D4D50102");
    BOOST_TEST(!validate(by_hash).has_value()); // no ELF AID yet: the CAP file gives it
    const bytes p = encode_install_request(by_hash);
    const auto back = decode_install_request(p);
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST((*back == by_hash));

    // A payload as written before the hash existed: six fields, byte by byte.
    bytes old = "\x01"s;
    auto field = [&old](std::string_view v) {
        old.push_back('\0');
        old.push_back('\0');
        old.push_back('\0');
        old.push_back(static_cast<char>(v.size()));
        old.append(v);
    };
    field("\xD0\xD1\xD2\xD3\xD4\xD5\x01"s); // elf
    field("");                              // lfdb
    field("\xD0\xD1\xD2\xD3\xD4\xD5\x01\x01"s);
    field("\xD0\xD1\xD2\xD3\xD4\xD5\x01\x02"s);
    field("");      // params
    field("\x00"s); // privileges
    const auto old_back = decode_install_request(old);
    BOOST_REQUIRE(old_back.has_value());
    BOOST_TEST(old_back->lfdb_hash.empty());
    BOOST_TEST(old_back->elf_aid == *from_hex("D0D1D2D3D4D501"));
    // by-AID payloads are still written in the old layout
    install_request by_aid = *old_back;
    BOOST_TEST((encode_install_request(by_aid) == old));

    // an empty 7th field is never written; a hash of another size is refused
    bytes six_fields = old;
    field("");
    BOOST_TEST(!decode_install_request(old).has_value());
    old = six_fields;
    field(bytes(31, '\x6a'));
    BOOST_TEST(!decode_install_request(old).has_value());
    install_request short_hash = by_hash;
    short_hash.lfdb_hash.resize(31);
    BOOST_TEST(validate(short_hash).value_or("").find("id") != std::string::npos);
    // without a hash the ELF AID is required again
    install_request neither = by_hash;
    neither.lfdb_hash.clear();
    BOOST_TEST(validate(neither).value_or("").find("executableLoadFile") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
