#include "tsm/core/gp/scp02_session.hpp"

#include "tsm/core/gp/crypto.hpp"
#include "tsm/core/gp/initialize_update.hpp"
#include "tsm/core/gp/scp02.hpp"
#include "tsm/core/hex.hpp"

#include "gp_vectors.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

namespace gp = tsm::core::gp;
using tsm::core::to_hex;
using namespace gp_vectors;

namespace {

gp::scp02_init_response parse_init(const boost::json::value& session) {
    auto r = gp::parse_scp02_init_response(unhex(str(session.at("initialize_update"), "response_data")));
    BOOST_REQUIRE_MESSAGE(r.has_value(), "INITIALIZE UPDATE parse failed: " << r.error().message());
    return *r;
}

std::size_t run_session(const boost::json::value& s) {
    const std::string id = str(s, "id");
    BOOST_TEST_CONTEXT("session " << id) {
        const auto keys = keys_of(s);
        const auto hc = unhex(str(s, "host_challenge"));
        const auto& iu = s.at("initialize_update");
        const auto iu_cmd = unhex(str(iu, "command"));
        auto cmd = gp::initialize_update_command(static_cast<std::uint8_t>(iu_cmd[2]), hc);
        BOOST_REQUIRE(cmd.has_value());
        BOOST_TEST(to_hex(*cmd) == str(iu, "command"));

        const auto card = parse_init(s);
        const auto& p = s.at("parsed");
        BOOST_TEST(to_hex(card.kdd) == str(p, "kdd"));
        BOOST_TEST(card.kvn == byte_of(str(p, "kvn")));
        BOOST_TEST(card.scp == byte_of(str(p, "scp")));
        BOOST_TEST(to_hex(card.sequence_counter) == str(p, "sequence_counter"));
        BOOST_TEST(to_hex(card.card_challenge) == str(p, "card_challenge"));
        BOOST_TEST(to_hex(card.card_cryptogram) == str(p, "card_cryptogram"));

        const auto& d = s.at("derived");
        auto sk = gp::derive_scp02_session_keys(keys, card.sequence_counter);
        BOOST_REQUIRE(sk.has_value());
        BOOST_TEST(to_hex(sk->s_enc.view()) == str(d, "s_enc"));
        BOOST_TEST(to_hex(sk->s_mac.view()) == str(d, "s_mac"));
        BOOST_TEST(to_hex(sk->s_rmac.view()) == str(d, "s_rmac"));
        BOOST_TEST(to_hex(sk->s_dek.view()) == str(d, "s_dek"));

        // The vectors come from i=15 (kaoh) and i=55 style cards; both wrap identically.
        auto session = gp::scp02_session::open(keys, hc, card, byte_of(str(s, "security_level")), 0x15);
        BOOST_REQUIRE_MESSAGE(session.has_value(), "open failed: " << session.error().message());
        BOOST_TEST(to_hex(session->host_cryptogram()) == str(d, "host_cryptogram"));
        auto ea = session->external_authenticate();
        BOOST_REQUIRE(ea.has_value());
        BOOST_TEST(to_hex(*ea) == str(s, "external_authenticate"));

        std::size_t commands = 0;
        for (const auto& step : s.at("steps").as_array()) {
            BOOST_TEST(str(step, "type") == "command");
            auto w = session->wrap(unhex(str(step, "plain")));
            BOOST_REQUIRE_MESSAGE(w.has_value(), "wrap failed: " << w.error().message());
            BOOST_TEST(to_hex(*w) == str(step, "wrapped"));
            BOOST_TEST(to_hex(session->last_c_mac()) == str(step, "c_mac"));
            ++commands;
        }
        return commands;
    }
    return 0;
}

} // namespace

BOOST_AUTO_TEST_SUITE(gp_scp02)

BOOST_AUTO_TEST_CASE(every_vector_session_matches_byte_for_byte) {
    auto doc = load_vectors("scp02-vectors.json");
    const auto& sessions = doc.at("sessions").as_array();
    BOOST_REQUIRE_EQUAL(sessions.size(), 3u);
    std::size_t commands = 0;
    for (const auto& s : sessions) {
        commands += run_session(s);
    }
    BOOST_TEST_MESSAGE("scp02: " << sessions.size() << " sessions, " << commands << " wrapped commands");
    BOOST_TEST(commands == 11u);
}

BOOST_AUTO_TEST_CASE(i55_wraps_like_i15) {
    auto doc = load_vectors("scp02-vectors.json");
    const auto& s = doc.at("sessions").as_array()[0];
    auto session =
        gp::scp02_session::open(keys_of(s), unhex(str(s, "host_challenge")), parse_init(s), 0x01, 0x55);
    BOOST_REQUIRE(session.has_value());
    BOOST_TEST(to_hex(*session->external_authenticate()) == str(s, "external_authenticate"));
    const auto& step = s.at("steps").as_array()[0];
    BOOST_TEST(to_hex(*session->wrap(unhex(str(step, "plain")))) == str(step, "wrapped"));
}

BOOST_AUTO_TEST_CASE(c_dec_plain_text_decrypts_back_from_real_card_trace) {
    // The LOAD blocks of the kaoh trace decrypt (3DES-CBC, S-ENC, IV 0) to the plain commands.
    auto doc = load_vectors("scp02-vectors.json");
    const auto& s = doc.at("sessions").as_array()[2];
    auto sk = gp::derive_scp02_session_keys(keys_of(s), parse_init(s).sequence_counter);
    BOOST_REQUIRE(sk.has_value());
    for (const auto& step : s.at("steps").as_array()) {
        const auto wrapped = unhex(str(step, "wrapped"));
        const auto plain = unhex(str(step, "plain"));
        const std::size_t lc = static_cast<unsigned char>(wrapped[4]);
        auto dec = gp::des3_cbc_decrypt(sk->s_enc, std::string(8, '\0'), wrapped.substr(5, lc - 8));
        BOOST_REQUIRE(dec.has_value());
        auto unpadded = gp::unpad80(*dec);
        BOOST_REQUIRE(unpadded.has_value());
        BOOST_TEST(to_hex(*unpadded) == to_hex(plain.substr(5, static_cast<unsigned char>(plain[4]))));
    }
}

// GlobalPlatformPro TestPlaintextKeys.java (@7f524e3f): static keys 4041..4F, sequence 0000.
BOOST_AUTO_TEST_CASE(session_keys_and_dek_encryption_match_globalplatformpro) {
    const auto k = *gp::secret_key::from_hex("404142434445464748494A4B4C4D4E4F");
    const gp::static_keys keys{k, k, k};
    auto sk = gp::derive_scp02_session_keys(keys, std::string(2, '\0'));
    BOOST_REQUIRE(sk.has_value());
    BOOST_TEST(to_hex(*gp::des3_kcv(sk->s_enc)) == "F2DCDD");
    BOOST_TEST(to_hex(*gp::des3_kcv(sk->s_mac)) == "5FCC69");
    BOOST_TEST(to_hex(*gp::des3_kcv(sk->s_dek)) == "85272E");
    BOOST_TEST(to_hex(*gp::des3_kcv(sk->s_rmac)) == "9F749A");
    // PUT KEY key value: 3DES-ECB under S-DEK.
    BOOST_TEST(to_hex(*gp::des3_ecb_encrypt(sk->s_dek, k.view())) == "EFBEE6C6D99D7B70BDE9D7E927F020AF");
}

BOOST_AUTO_TEST_CASE(tampered_card_cryptogram_is_rejected_before_external_authenticate) {
    auto doc = load_vectors("scp02-vectors.json");
    for (const auto& s : doc.at("sessions").as_array()) {
        auto card = parse_init(s);
        card.card_cryptogram[0] = static_cast<char>(card.card_cryptogram[0] ^ 0x80);
        auto session = gp::scp02_session::open(keys_of(s), unhex(str(s, "host_challenge")), card, 0x01);
        BOOST_REQUIRE(!session.has_value());
        BOOST_TEST(session.error() == gp::errc::card_cryptogram_mismatch);
    }
}

BOOST_AUTO_TEST_CASE(rejects_unsupported_options_and_bad_input) {
    auto doc = load_vectors("scp02-vectors.json");
    const auto& s = doc.at("sessions").as_array()[1];
    const auto keys = keys_of(s);
    const auto hc = unhex(str(s, "host_challenge"));
    const auto card = parse_init(s);
    BOOST_TEST(gp::scp02_session::open(keys, hc, card, 0x13).error() == gp::errc::bad_security_level);
    BOOST_TEST(gp::scp02_session::open(keys, hc, card, 0x01, 0x1A).error() == gp::errc::unsupported);
    BOOST_TEST(gp::scp02_session::open(keys, hc.substr(0, 6), card, 0x01).error() == gp::errc::bad_length);
    auto session = gp::scp02_session::open(keys, hc, card, 0x01);
    BOOST_REQUIRE(session.has_value());
    BOOST_TEST(session->wrap(unhex("80F22002024F0000")).error() == gp::errc::not_authenticated);

    const auto raw = unhex(str(s.at("initialize_update"), "response_data"));
    BOOST_TEST(gp::parse_scp02_init_response(raw.substr(0, 27)).error() == gp::errc::malformed_response);
    auto scp03 = raw;
    scp03[11] = 0x03;
    BOOST_TEST(gp::parse_scp02_init_response(scp03).error() == gp::errc::wrong_protocol);
}

BOOST_AUTO_TEST_SUITE_END()
