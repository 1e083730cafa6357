#include "tsm/core/gp/scp03_session.hpp"

#include "tsm/core/gp/crypto.hpp"
#include "tsm/core/gp/initialize_update.hpp"
#include "tsm/core/gp/scp03.hpp"
#include "tsm/core/hex.hpp"

#include "gp_vectors.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <utility>

namespace gp = tsm::core::gp;
using tsm::core::to_hex;
using namespace gp_vectors;

namespace {

bool has(const boost::json::value& v, const char* key) {
    return v.as_object().contains(key);
}

gp::scp03_init_response parse_init(const boost::json::value& session) {
    auto r = gp::parse_scp03_init_response(unhex(str(session.at("initialize_update"), "response_data")));
    BOOST_REQUIRE_MESSAGE(r.has_value(), "INITIALIZE UPDATE parse failed: " << r.error().message());
    return *r;
}

// Runs one vector session end to end; returns the number of wrapped commands checked.
std::size_t run_session(const boost::json::value& s) {
    const std::string id = str(s, "id");
    BOOST_TEST_CONTEXT("session " << id) {
        const auto keys = keys_of(s);
        const auto hc = unhex(str(s, "host_challenge"));
        const auto& iu = s.at("initialize_update");

        // INITIALIZE UPDATE command: P1 (key version) as sent in the trace.
        const auto iu_cmd = unhex(str(iu, "command"));
        auto cmd = gp::initialize_update_command(static_cast<std::uint8_t>(iu_cmd[2]), hc);
        BOOST_REQUIRE(cmd.has_value());
        BOOST_TEST(to_hex(*cmd) == str(iu, "command"));
        BOOST_TEST(str(iu, "sw") == "9000");

        const auto card = parse_init(s);
        const auto& p = s.at("parsed");
        BOOST_TEST(to_hex(card.kdd) == str(p, "kdd"));
        BOOST_TEST(card.kvn == byte_of(str(p, "kvn")));
        BOOST_TEST(card.scp == byte_of(str(p, "scp")));
        BOOST_TEST(card.i == byte_of(str(p, "i")));
        BOOST_TEST(to_hex(card.card_challenge) == str(p, "card_challenge"));
        BOOST_TEST(to_hex(card.card_cryptogram) == str(p, "card_cryptogram"));
        BOOST_TEST(card.sequence_counter.has_value() == has(p, "sequence_counter"));
        if (card.sequence_counter && has(p, "sequence_counter")) {
            BOOST_TEST(to_hex(*card.sequence_counter) == str(p, "sequence_counter"));
        }

        const auto& d = s.at("derived");
        auto sk = gp::derive_scp03_session_keys(keys, hc, card.card_challenge);
        BOOST_REQUIRE(sk.has_value());
        BOOST_TEST(to_hex(sk->s_enc.view()) == str(d, "s_enc"));
        BOOST_TEST(to_hex(sk->s_mac.view()) == str(d, "s_mac"));
        BOOST_TEST(to_hex(sk->s_rmac.view()) == str(d, "s_rmac"));
        BOOST_TEST(to_hex(*gp::scp03_card_cryptogram(sk->s_mac, hc, card.card_challenge))
                   == str(p, "card_cryptogram"));
        BOOST_TEST(to_hex(*gp::scp03_host_cryptogram(sk->s_mac, hc, card.card_challenge))
                   == str(d, "host_cryptogram"));
        if (has(d, "pseudo_random_card_challenge")) {
            BOOST_REQUIRE(card.sequence_counter.has_value());
            auto cc = gp::scp03_pseudo_random_card_challenge(keys.enc, *card.sequence_counter,
                                                             unhex(str(s, "sd_aid")));
            BOOST_REQUIRE(cc.has_value());
            BOOST_TEST(to_hex(*cc) == str(d, "pseudo_random_card_challenge"));
        }

        auto session = gp::scp03_session::open(keys, hc, card, byte_of(str(s, "security_level")));
        BOOST_REQUIRE_MESSAGE(session.has_value(), "open failed: " << session.error().message());
        BOOST_TEST(to_hex(session->host_cryptogram()) == str(d, "host_cryptogram"));
        auto ea = session->external_authenticate();
        BOOST_REQUIRE(ea.has_value());
        BOOST_TEST(to_hex(*ea) == str(s, "external_authenticate"));
        BOOST_TEST(to_hex(session->mac_chaining_value())
                   == str(s, "mac_chaining_value_after_external_authenticate"));
        BOOST_TEST(session->encryption_counter() == 0u);

        std::size_t commands = 0;
        gp::scp03_response_context last;
        for (const auto& step : s.at("steps").as_array()) {
            if (str(step, "type") == "command") {
                auto w = session->wrap(unhex(str(step, "plain")));
                BOOST_REQUIRE_MESSAGE(w.has_value(), "wrap failed: " << w.error().message());
                BOOST_TEST(to_hex(w->apdu) == str(step, "wrapped"));
                BOOST_TEST(session->encryption_counter()
                           == step.at("encryption_counter").to_number<std::uint32_t>());
                BOOST_TEST(to_hex(session->mac_chaining_value()) == str(step, "mac_chaining_value_after"));
                last = w->response;
                ++commands;
                if (has(step, "card_response_unprotected")) {
                    // Level without R-MAC: the response passes through untouched.
                    const auto resp = unhex(str(step, "card_response_unprotected"));
                    auto u = session->unwrap(resp, last);
                    BOOST_REQUIRE(u.has_value());
                    BOOST_TEST(*u == resp);
                }
            } else {
                BOOST_TEST(str(step, "type") == "response");
                const auto sw = unhex(str(step, "sw"));
                auto u = session->unwrap(unhex(str(step, "protected_data")) + sw, last);
                BOOST_REQUIRE_MESSAGE(u.has_value(), "unwrap failed: " << u.error().message());
                BOOST_TEST(to_hex(*u) == str(step, "plain_data") + str(step, "sw"));
            }
        }
        return commands;
    }
    return 0;
}

const boost::json::value* find_session(const boost::json::value& doc, const char* id) {
    for (const auto& s : doc.at("sessions").as_array()) {
        if (str(s, "id") == id) {
            return &s;
        }
    }
    BOOST_FAIL("session not in vectors: " << id);
    return nullptr;
}

} // namespace

BOOST_AUTO_TEST_SUITE(gp_scp03)

BOOST_AUTO_TEST_CASE(every_vector_session_matches_byte_for_byte) {
    auto doc = load_vectors("scp03-vectors.json");
    const auto& sessions = doc.at("sessions").as_array();
    BOOST_REQUIRE_EQUAL(sessions.size(), 14u);
    std::size_t commands = 0;
    for (const auto& s : sessions) {
        commands += run_session(s);
    }
    BOOST_TEST_MESSAGE("scp03: " << sessions.size() << " sessions, " << commands << " wrapped commands");
    BOOST_TEST(commands > 40u);
}

// GlobalPlatformPro TestPlaintextKeys.java (@7f524e3f): KDF over key 4041..4F with the
// 10-byte context 00..09, checked through AES KCVs.
BOOST_AUTO_TEST_CASE(kdf_matches_globalplatformpro_kcvs) {
    const auto k = *gp::secret_key::from_hex("404142434445464748494A4B4C4D4E4F");
    const auto context = unhex("00010203040506070809");
    const std::pair<gp::scp03_constant, const char*> cases[] = {{gp::scp03_constant::s_enc, "C25559"},
                                                                {gp::scp03_constant::s_mac, "0E12CC"},
                                                                {gp::scp03_constant::s_rmac, "9ACB9C"}};
    for (const auto& [constant, kcv] : cases) {
        auto raw = gp::scp03_kdf(k, constant, context, 128);
        BOOST_REQUIRE(raw.has_value());
        BOOST_TEST(to_hex(*gp::aes_kcv(*gp::secret_key::from_bytes(*raw))) == kcv);
    }
    BOOST_TEST(to_hex(*gp::aes_kcv(k)) == "504A77"); // Key-DEK is used as is
    BOOST_TEST(gp::scp03_kdf(k, gp::scp03_constant::s_enc, context, 12).error() == gp::errc::bad_length);
}

BOOST_AUTO_TEST_CASE(tampered_card_cryptogram_is_rejected_before_external_authenticate) {
    auto doc = load_vectors("scp03-vectors.json");
    const auto& s = *find_session(doc, "kaoh_delete_application");
    auto card = parse_init(s);
    card.card_cryptogram[7] = static_cast<char>(card.card_cryptogram[7] ^ 0x01);
    auto session = gp::scp03_session::open(keys_of(s), unhex(str(s, "host_challenge")), card, 0x03);
    BOOST_REQUIRE(!session.has_value());
    BOOST_TEST(session.error() == gp::errc::card_cryptogram_mismatch);
}

BOOST_AUTO_TEST_CASE(wrong_keys_are_rejected_as_cryptogram_mismatch) {
    auto doc = load_vectors("scp03-vectors.json");
    const auto& s = *find_session(doc, "pysim_AES128_03");
    auto keys = keys_of(s);
    keys.mac = *gp::secret_key::from_hex("404142434445464748494A4B4C4D4E4F");
    auto session = gp::scp03_session::open(keys, unhex(str(s, "host_challenge")), parse_init(s), 0x03);
    BOOST_TEST(session.error() == gp::errc::card_cryptogram_mismatch);
}

BOOST_AUTO_TEST_CASE(tampered_r_mac_and_r_enc_data_are_rejected) {
    auto doc = load_vectors("scp03-vectors.json");
    for (const char* id : {"pysim_AES128_11", "pysim_AES256_33"}) {
        const auto& s = *find_session(doc, id);
        auto session = gp::scp03_session::open(keys_of(s), unhex(str(s, "host_challenge")), parse_init(s),
                                               byte_of(str(s, "security_level")));
        BOOST_REQUIRE(session.has_value());
        BOOST_REQUIRE(session->external_authenticate().has_value());
        const auto& steps = s.at("steps").as_array();
        BOOST_REQUIRE(session->wrap(unhex(str(steps[0], "plain"))).has_value());
        const auto good = unhex(str(steps[1], "protected_data")) + unhex(str(steps[1], "sw"));
        BOOST_REQUIRE(session->unwrap(good).has_value());

        auto bad_mac = good;
        bad_mac[bad_mac.size() - 3] ^= 0x01; // last R-MAC byte
        BOOST_TEST(session->unwrap(bad_mac).error() == gp::errc::rmac_mismatch);
        auto bad_data = good;
        bad_data[0] ^= 0x01;
        BOOST_TEST(session->unwrap(bad_data).error() == gp::errc::rmac_mismatch);
        auto bad_sw = good;
        bad_sw[bad_sw.size() - 2] = 0x63; // 6310 is R-MACed too, but not what the card MACed
        bad_sw[bad_sw.size() - 1] = 0x10;
        BOOST_TEST(session->unwrap(bad_sw).error() == gp::errc::rmac_mismatch);
        BOOST_TEST(session->unwrap(unhex("9000")).error() == gp::errc::rmac_missing);
        // Error statuses carry no R-MAC and pass through.
        BOOST_TEST(to_hex(*session->unwrap(unhex("6A88"))) == "6A88");
    }
}

BOOST_AUTO_TEST_CASE(r_mac_checks_use_each_commands_own_chaining_value) {
    // Batch mode: wrap two commands first, then verify the first one's response.
    auto doc = load_vectors("scp03-vectors.json");
    const auto& s = *find_session(doc, "pysim_AES128_33");
    auto session = gp::scp03_session::open(keys_of(s), unhex(str(s, "host_challenge")), parse_init(s), 0x33);
    BOOST_REQUIRE(session.has_value());
    BOOST_REQUIRE(session->external_authenticate().has_value());
    const auto& steps = s.at("steps").as_array();
    auto first = session->wrap(unhex(str(steps[0], "plain")));
    BOOST_REQUIRE(first.has_value());
    BOOST_REQUIRE(session->wrap(unhex(str(steps[2], "plain"))).has_value());
    const auto resp = unhex(str(steps[1], "protected_data")) + unhex(str(steps[1], "sw"));
    BOOST_TEST(session->unwrap(resp).error() == gp::errc::rmac_mismatch);
    auto u = session->unwrap(resp, first->response);
    BOOST_REQUIRE(u.has_value());
    BOOST_TEST(to_hex(*u) == str(steps[1], "plain_data") + "9000");
}

BOOST_AUTO_TEST_CASE(enforces_authentication_order_and_card_capabilities) {
    auto doc = load_vectors("scp03-vectors.json");
    const auto& s = *find_session(doc, "kaoh_get_status_aes192"); // i = 10: no R-MAC support
    const auto keys = keys_of(s);
    const auto hc = unhex(str(s, "host_challenge"));
    const auto card = parse_init(s);
    BOOST_TEST(gp::scp03_session::open(keys, hc, card, 0x13).error() == gp::errc::bad_security_level);
    BOOST_TEST(gp::scp03_session::open(keys, hc, card, 0x02).error() == gp::errc::bad_security_level);
    auto session = gp::scp03_session::open(keys, hc, card, 0x03);
    BOOST_REQUIRE(session.has_value());
    BOOST_TEST(session->wrap(unhex("80F22002024F0000")).error() == gp::errc::not_authenticated);
    BOOST_REQUIRE(session->external_authenticate().has_value());
    BOOST_TEST(session->external_authenticate().error() == gp::errc::already_authenticated);
    BOOST_TEST(session->wrap(unhex("80F220")).error() == gp::errc::malformed_apdu);
    // A failed wrap leaves the chain untouched.
    BOOST_TEST(to_hex(session->mac_chaining_value())
               == str(s, "mac_chaining_value_after_external_authenticate"));
    BOOST_TEST(session->wrap(std::string("\x80\xE8\x00\x00\xF0", 5) + std::string(240, 'x')).error()
               == gp::errc::apdu_too_long);
    BOOST_TEST(session->encryption_counter() == 0u);
}

BOOST_AUTO_TEST_CASE(parses_random_challenge_and_rejects_bad_lengths) {
    auto random = unhex("00112233445566778899"
                        "30"
                        "03"
                        "00"
                        "0102030405060708"
                        "1112131415161718");
    auto r = gp::parse_scp03_init_response(random);
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST(!r->sequence_counter.has_value());
    BOOST_TEST(gp::parse_scp03_init_response(random + "\x01").error() == gp::errc::malformed_response);
    auto pseudo = random;
    pseudo[12] = 0x70; // announces a counter that is missing
    BOOST_TEST(gp::parse_scp03_init_response(pseudo).error() == gp::errc::malformed_response);
    auto scp02 = random;
    scp02[11] = 0x02;
    BOOST_TEST(gp::parse_scp03_init_response(scp02).error() == gp::errc::wrong_protocol);
    BOOST_TEST(gp::parse_scp03_init_response("").error() == gp::errc::malformed_response);
}

BOOST_AUTO_TEST_SUITE_END()
