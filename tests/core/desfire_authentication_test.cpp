#include "tsm/core/desfire/authentication.hpp"

#include "tsm/core/desfire/key_type.hpp"
#include "tsm/core/desfire/secure_messaging.hpp"
#include "tsm/core/gp/secret_key.hpp"
#include "tsm/core/hex.hpp"

#include "desfire_vectors.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <string>
#include <string_view>

// Out of scope (EV1 only): the "authenticate_legacy" (0A) and "ev2" vectors of
// desfire-vectors.json; the contract has neither legacy nor EV2 authentication.

namespace desfire = tsm::core::desfire;
namespace gp = tsm::core::gp;
using desfire::key_type;
using tsm::core::to_hex;
using namespace desfire_vectors;

namespace {

// "DES (K1=K2)" vectors give the 16-byte form; the contract's DES key is its first half.
desfire::desfire_key key_of(const boost::json::value& v) {
    const std::string name = str(v, "key_type");
    const std::string raw = unhex(str(v, "key"));
    desfire::desfire_key k;
    if (name.rfind("DES (", 0) == 0) {
        BOOST_REQUIRE(raw.size() == 16 && raw.substr(0, 8) == raw.substr(8));
        k.type = key_type::des;
        k.value = *gp::secret_key::from_bytes(raw.substr(0, 8));
    } else {
        const auto t = desfire::parse_key_type(name);
        BOOST_REQUIRE_MESSAGE(t.has_value(), "unknown key type " << name);
        k.type = *t;
        k.value = *gp::secret_key::from_bytes(raw);
    }
    return k;
}

void check_session(const desfire::session& s, const boost::json::value& v) {
    const std::string want = str(v, "session_key");
    if (s.type() == key_type::aes) {
        BOOST_TEST(to_hex(s.key().view()) == want);
    } else {
        BOOST_TEST(to_hex(without_lsbs(s.key().view())) == want);
    }
    BOOST_TEST(s.iv() == std::string(desfire::block_size(s.type()), '\0'));
}

void run_host(const boost::json::value& v, const desfire::desfire_key& key) {
    const auto& apdus = v.at("apdus");
    desfire::host_authentication host(key, byte_of(str(v, "key_no")), unhex(str(v, "rnd_a")));
    BOOST_TEST(to_hex(host.command().substr(0, 1)) == str(v, "command"));
    BOOST_TEST(wrap(host.command()) == str(apdus, "step1_cmd"));
    BOOST_TEST(str(apdus, "step1_rsp") == str(v, "rnd_b_enc") + "91AF");
    auto step2 = host.answer(unhex(str(v, "rnd_b_enc")));
    BOOST_REQUIRE_MESSAGE(step2.has_value(), "answer: " << step2.error().message());
    BOOST_TEST(to_hex(step2->substr(1)) == str(v, "token_enc"));
    BOOST_TEST(wrap(*step2) == str(apdus, "step2_cmd"));
    BOOST_TEST(str(apdus, "step2_rsp") == str(v, "rnd_a_rot_enc") + "9100");
    auto s = host.finish(unhex(str(v, "rnd_a_rot_enc")));
    BOOST_REQUIRE_MESSAGE(s.has_value(), "finish: " << s.error().message());
    check_session(*s, v);
}

void run_card(const boost::json::value& v, const desfire::desfire_key& key) {
    const auto& apdus = v.at("apdus");
    desfire::card_authentication card(key, unhex(str(v, "rnd_b")));
    auto ch = card.challenge();
    BOOST_REQUIRE(ch.has_value());
    BOOST_TEST(to_hex(*ch) + "91AF" == str(apdus, "step1_rsp"));
    BOOST_TEST(!card.established().has_value());
    auto answer = card.verify(unhex(str(v, "token_enc")));
    BOOST_REQUIRE_MESSAGE(answer.has_value(), "verify: " << answer.error().message());
    BOOST_TEST(to_hex(*answer) + "9100" == str(apdus, "step2_rsp"));
    BOOST_REQUIRE(card.established().has_value());
    check_session(*card.established(), v);
}

} // namespace

BOOST_AUTO_TEST_SUITE(desfire_authentication)

BOOST_AUTO_TEST_CASE(every_iso_and_aes_trace_host_side) {
    std::size_t checked = 0;
    for (const auto& v : vectors().at("authenticate").as_array()) {
        BOOST_TEST_CONTEXT("vector " << str(v, "id")) {
            run_host(v, key_of(v));
            ++checked;
        }
    }
    BOOST_TEST(checked == 6u);
}

BOOST_AUTO_TEST_CASE(every_iso_and_aes_trace_card_side) {
    std::size_t checked = 0;
    for (const auto& v : vectors().at("authenticate").as_array()) {
        BOOST_TEST_CONTEXT("vector " << str(v, "id")) {
            run_card(v, key_of(v));
            ++checked;
        }
    }
    BOOST_TEST(checked == 6u);
}

BOOST_AUTO_TEST_CASE(two_key_3des_with_equal_halves_authenticates_as_des) {
    // The card treats a 2K3DES key with K1 = K2 as DES: the traces' 16-byte zero key yields an
    // 8-byte session key. Both sides must agree on that.
    std::size_t checked = 0;
    for (const auto& v : vectors().at("authenticate").as_array()) {
        if (str(v, "key_type").rfind("DES (", 0) != 0) {
            continue;
        }
        BOOST_TEST_CONTEXT("vector " << str(v, "id") << " as 2K3DES") {
            desfire::desfire_key k{key_type::tdes2, *gp::secret_key::from_hex(str(v, "key")), 0};
            run_host(v, k);
            run_card(v, k);
            desfire::host_authentication host(k, 0, unhex(str(v, "rnd_a")));
            (void)host.answer(unhex(str(v, "rnd_b_enc")));
            auto s = host.finish(unhex(str(v, "rnd_a_rot_enc")));
            BOOST_REQUIRE(s.has_value());
            BOOST_TEST(s->type() == key_type::des);
            ++checked;
        }
    }
    BOOST_TEST(checked == 2u);
}

BOOST_AUTO_TEST_CASE(host_and_card_agree_for_every_key_type) {
    const std::string r = unhex("0102030405060708090A0B0C0D0E0F10");
    const std::string q = unhex("F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF00");
    const std::string raw = unhex("0F1E2D3C4B5A69788796A5B4C3D2E1F00123456789ABCDEF");
    for (auto t : {key_type::des, key_type::tdes2, key_type::tdes3, key_type::aes}) {
        BOOST_TEST_CONTEXT(desfire::key_type_name(t)) {
            const auto n = desfire::challenge_length(t);
            desfire::desfire_key k{t, *gp::secret_key::from_bytes(raw.substr(0, desfire::key_length(t))), 0};
            desfire::host_authentication host(k, 3, r.substr(0, n));
            desfire::card_authentication card(k, q.substr(0, n));
            BOOST_TEST(host.command()[0] == (t == key_type::aes ? '\xAA' : '\x1A'));
            BOOST_TEST(host.command()[1] == '\x03');
            auto ch = card.challenge();
            BOOST_REQUIRE(ch.has_value());
            auto token = host.answer(*ch);
            BOOST_REQUIRE(token.has_value());
            BOOST_TEST(token->size() == 1 + 2 * n);
            BOOST_TEST(token->front() == '\xAF');
            auto answer = card.verify(token->substr(1));
            BOOST_REQUIRE(answer.has_value());
            auto s = host.finish(*answer);
            BOOST_REQUIRE(s.has_value());
            BOOST_REQUIRE(card.established().has_value());
            BOOST_TEST(s->type() == t);
            BOOST_TEST(to_hex(s->key().view()) == to_hex(card.established()->key().view()));
            BOOST_TEST(s->key().size() == desfire::key_length(t));
        }
    }
}

BOOST_AUTO_TEST_CASE(tampered_proofs_are_card_cryptogram_mismatch) {
    const auto& v = vectors().at("authenticate").as_array().at(0);
    const auto key = key_of(v);

    // Host: the card's final answer does not decrypt to rotl1(RndA).
    desfire::host_authentication host(key, 0, unhex(str(v, "rnd_a")));
    BOOST_REQUIRE(host.answer(unhex(str(v, "rnd_b_enc"))).has_value());
    std::string bad = unhex(str(v, "rnd_a_rot_enc"));
    bad[5] = static_cast<char>(bad[5] ^ 0x01);
    BOOST_TEST(host.finish(bad).error() == gp::errc::card_cryptogram_mismatch);

    // Card: the host's token does not carry rotl1(RndB).
    desfire::card_authentication card(key, unhex(str(v, "rnd_b")));
    BOOST_REQUIRE(card.challenge().has_value());
    std::string token = unhex(str(v, "token_enc"));
    token.back() = static_cast<char>(token.back() ^ 0x80);
    BOOST_TEST(card.verify(token).error() == gp::errc::card_cryptogram_mismatch);
    BOOST_TEST(!card.established().has_value());

    // Wrong key on the host side: the card's proof fails too.
    auto wrong = key;
    wrong.value = *gp::secret_key::from_hex("00000000000000000000000000000001");
    desfire::host_authentication other(wrong, 0, unhex(str(v, "rnd_a")));
    BOOST_REQUIRE(other.answer(unhex(str(v, "rnd_b_enc"))).has_value());
    BOOST_TEST(other.finish(unhex(str(v, "rnd_a_rot_enc"))).error() == gp::errc::card_cryptogram_mismatch);
}

BOOST_AUTO_TEST_CASE(wrong_lengths_and_order_are_refused) {
    const auto& v = vectors().at("authenticate").as_array().at(0);
    const auto key = key_of(v);
    desfire::host_authentication host(key, 0, unhex(str(v, "rnd_a")));
    BOOST_TEST(host.finish(unhex(str(v, "rnd_a_rot_enc"))).error() == gp::errc::not_authenticated);
    BOOST_TEST(host.answer(unhex("B969FDFE56FD91FC")).error() == gp::errc::bad_length);
    BOOST_REQUIRE(host.answer(unhex(str(v, "rnd_b_enc"))).has_value());
    BOOST_TEST(host.finish(unhex("800DB680BC146BD1")).error() == gp::errc::bad_length);

    desfire::host_authentication short_a(key, 0, unhex("0102"));
    BOOST_TEST(short_a.answer(unhex(str(v, "rnd_b_enc"))).error() == gp::errc::bad_length);

    desfire::desfire_key bad_key{key_type::aes, *gp::secret_key::from_hex("0011"), 0};
    desfire::host_authentication bad(bad_key, 0, unhex(str(v, "rnd_a")));
    BOOST_TEST(bad.answer(unhex(str(v, "rnd_b_enc"))).error() == gp::errc::bad_key_length);

    desfire::card_authentication card(key, unhex(str(v, "rnd_b")));
    BOOST_TEST(card.verify(unhex(str(v, "token_enc"))).error() == gp::errc::not_authenticated);
    BOOST_REQUIRE(card.challenge().has_value());
    BOOST_TEST(card.verify(unhex(str(v, "rnd_b_enc"))).error() == gp::errc::bad_length);
    desfire::card_authentication short_b(key, unhex("0102"));
    BOOST_TEST(short_b.challenge().error() == gp::errc::bad_length);
}

BOOST_AUTO_TEST_CASE(rotate_left_by_one_byte) {
    BOOST_TEST(to_hex(desfire::rotate_left(unhex("0102030405"))) == "0203040501");
    BOOST_TEST(desfire::rotate_left("").empty());
}

BOOST_AUTO_TEST_SUITE_END()
