#include "tsm/core/desfire/secure_messaging.hpp"

#include "tsm/core/desfire/crypto.hpp"
#include "tsm/core/desfire/key_type.hpp"
#include "tsm/core/gp/secret_key.hpp"
#include "tsm/core/hex.hpp"

#include "desfire_vectors.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace desfire = tsm::core::desfire;
namespace gp = tsm::core::gp;
using desfire::key_type;
using tsm::core::to_hex;
using namespace desfire_vectors;

namespace {

// A session key from a vector: its length and the block size of the IV give the type
// (an 8-byte key is a DES session, 16 bytes with an 8-byte IV a 2K3DES one).
desfire::session session_of(const std::string& key_hex, std::size_t block) {
    const auto k = *gp::secret_key::from_hex(key_hex);
    key_type t = key_type::aes;
    if (block == 8) {
        t = k.size() == 8 ? key_type::des : k.size() == 16 ? key_type::tdes2 : key_type::tdes3;
    }
    BOOST_REQUIRE(k.size() == desfire::key_length(t));
    return desfire::session(t, k);
}

// The new/old key of a ChangeKey vector: AES when it carries an AES version byte.
desfire::desfire_key change_key_of(const boost::json::value& v, const char* field) {
    const auto k = *gp::secret_key::from_hex(str(v, field));
    desfire::desfire_key out;
    out.value = k;
    if (has(v, "aes_key_version")) {
        out.type = key_type::aes;
        out.version = byte_of(str(v, "aes_key_version"));
    } else {
        out.type = k.size() == 24 ? key_type::tdes3 : key_type::tdes2;
    }
    return out;
}

// One TX/RX step of a CMAC chain, host and card in lockstep.
void run_step(desfire::session& host, desfire::session& card, const boost::json::value& step,
              const std::string& rx_data) {
    const auto native = unhex(str(step, "tx_native"));
    const auto status = byte_of(str(step, "rx_status"));
    if (has(step, "tx_apdu")) {
        BOOST_TEST(wrap(native) == str(step, "tx_apdu"));
    }
    BOOST_REQUIRE(host.mac_command(native).has_value());
    BOOST_REQUIRE(card.mac_command(native).has_value());
    if (has(step, "iv_after_command")) {
        BOOST_TEST(to_hex(host.iv()) == str(step, "iv_after_command"));
    }
    BOOST_TEST(host.iv() == card.iv());

    auto mac = card.mac_response(rx_data, status);
    BOOST_REQUIRE(mac.has_value());
    BOOST_TEST(to_hex(*mac) == str(step, "rx_cmac_8"));
    if (has(step, "rx_apdu")) {
        BOOST_TEST(to_hex(rx_data) + str(step, "rx_cmac_8") + "91" + str(step, "rx_status")
                   == str(step, "rx_apdu"));
    }
    auto payload = host.verify_response(rx_data + unhex(str(step, "rx_cmac_8")), status);
    BOOST_REQUIRE_MESSAGE(payload.has_value(), "verify_response: " << payload.error().message());
    BOOST_TEST(to_hex(*payload) == to_hex(rx_data));
    if (has(step, "iv_after_response")) {
        BOOST_TEST(to_hex(host.iv()) == str(step, "iv_after_response"));
    }
    BOOST_TEST(host.iv() == card.iv());
}

// The data parts of GetVersion's three frames, as the trace note lists them
// ("9060000000 -> 04010101001A05 91AF; 90AF000000 -> ... 91AF; ... -> <data>+CMAC 9100").
std::vector<std::string> frames_in_note(std::string_view note) {
    std::vector<std::string> out;
    for (auto pos = note.find("-> "); pos != std::string_view::npos; pos = note.find("-> ", pos)) {
        pos += 3;
        const auto end = note.find_first_of(" +", pos);
        out.push_back(unhex(std::string(note.substr(pos, end - pos))));
    }
    return out;
}

std::size_t run_chain(const boost::json::value& chain, std::size_t block) {
    auto host = session_of(str(chain, "session_key"), block);
    auto card = session_of(str(chain, "session_key"), block);
    BOOST_TEST(host.iv() == std::string(block, '\0'));
    std::size_t steps = 0;
    for (const auto& step : chain.at("sequence").as_array()) {
        BOOST_TEST_CONTEXT("step " << steps << " (" << str(step, "tx_native") << ")") {
            const std::string rx_data = unhex(str(step, "rx_data"));
            if (has(step, "note") && str(step, "tx_native") == "60") {
                // Multi-frame: the CMAC covers all frames' data joined, no AF bytes.
                const auto frames = frames_in_note(str(step, "note"));
                BOOST_TEST(frames.size() == 3u);
                std::string joined;
                for (const auto& f : frames) {
                    joined += f;
                }
                BOOST_TEST(to_hex(joined) == to_hex(rx_data));
            }
            run_step(host, card, step, rx_data);
            ++steps;
        }
    }
    return steps;
}

} // namespace

BOOST_AUTO_TEST_SUITE(desfire_secure_messaging)

BOOST_AUTO_TEST_CASE(cmac_chain_aes_files) {
    BOOST_TEST(run_chain(vectors().at("cmac_chain_aes_files"), 16) == 8u);
}

BOOST_AUTO_TEST_CASE(cmac_chain_iso_des_picc_with_multi_frame_get_version) {
    BOOST_TEST(run_chain(vectors().at("cmac_chain_iso_des_picc"), 8) == 9u);
}

BOOST_AUTO_TEST_CASE(change_key_settings_enciphered_with_the_running_iv) {
    const auto& v = vectors().at("change_key_settings");
    auto host = session_of(str(v, "session_key"), 8);
    auto card = session_of(str(v, "session_key"), 8);
    std::size_t steps = 0;
    for (const auto& step : v.at("sequence").as_array()) {
        BOOST_TEST_CONTEXT("step " << steps) {
            const auto native = unhex(str(step, "tx_native"));
            const auto status = byte_of(str(step, "rx_status"));
            if (has(step, "plain_settings_and_crc")) {
                // 54 || E(settings || CRC32(54 || settings) || zero pad).
                const auto plain = unhex(str(step, "plain_settings_and_crc"));
                const std::string header = native.substr(0, 1);
                const std::string settings = plain.substr(0, 1);
                BOOST_TEST(to_hex(desfire::crc32(header + settings)) == to_hex(plain.substr(1, 4)));
                auto ct = host.encipher(header, settings);
                BOOST_REQUIRE(ct.has_value());
                BOOST_TEST(to_hex(header + *ct) == str(step, "tx_native"));
                auto opened = card.decipher_command(header, native.substr(1), settings.size());
                BOOST_REQUIRE_MESSAGE(opened.has_value(), "decipher_command: " << opened.error().message());
                BOOST_TEST(to_hex(*opened) == to_hex(settings));
            } else {
                BOOST_REQUIRE(host.mac_command(native).has_value());
                BOOST_REQUIRE(card.mac_command(native).has_value());
            }
            BOOST_TEST(host.iv() == card.iv());
            const auto rx = unhex(str(step, "rx_data"));
            auto mac = card.mac_response(rx, status);
            BOOST_REQUIRE(mac.has_value());
            BOOST_TEST(to_hex(*mac) == str(step, "rx_cmac_8"));
            auto payload = host.verify_response(rx + *mac, status);
            BOOST_REQUIRE(payload.has_value());
            BOOST_TEST(to_hex(*payload) == str(step, "rx_data"));
            ++steps;
        }
    }
    BOOST_TEST(steps == 3u);
}

BOOST_AUTO_TEST_CASE(change_key_cryptograms_and_response_cmacs) {
    std::size_t checked = 0;
    std::size_t with_response = 0;
    for (const auto& v : vectors().at("change_key").as_array()) {
        BOOST_TEST_CONTEXT("vector " << str(v, "id")) {
            const std::size_t block = unhex(str(v, "session_iv_before")).size();
            auto host = session_of(str(v, "session_key"), block);
            auto card = session_of(str(v, "session_key"), block);
            BOOST_TEST(to_hex(host.iv()) == str(v, "session_iv_before"));
            const auto key_no = byte_of(str(v, "key_no_byte"));
            const bool own = (key_no & 0x0F) == (byte_of(str(v, "authenticated_key_no")) & 0x0F);
            const auto new_key = change_key_of(v, "new_key");
            const auto old_key = change_key_of(v, "old_key");

            // The vector's plain cryptogram is what its ciphertext decrypts to.
            auto plain =
                desfire::cbc_decrypt(host.type(), host.key(), host.iv(), unhex(str(v, "enc_cryptogram")));
            BOOST_REQUIRE(plain.has_value());
            BOOST_TEST(to_hex(*plain) == str(v, "plain_cryptogram"));

            auto ct = host.change_key_cryptogram(key_no, new_key, own ? nullptr : &old_key);
            BOOST_REQUIRE_MESSAGE(ct.has_value(), "change_key_cryptogram: " << ct.error().message());
            BOOST_TEST(to_hex(*ct) == str(v, "enc_cryptogram"));
            BOOST_TEST(wrap(std::string{'\xC4', static_cast<char>(key_no)} + *ct) == str(v, "apdu"));
            BOOST_TEST(host.iv() == ct->substr(ct->size() - block));

            // Card side: the same cryptogram opens to the new key (and AES version).
            std::uint8_t version = 0xFF;
            auto opened =
                card.open_change_key(key_no, *ct, new_key.type, own ? nullptr : &old_key.value, &version);
            BOOST_REQUIRE_MESSAGE(opened.has_value(), "open_change_key: " << opened.error().message());
            BOOST_TEST(to_hex(opened->view()) == str(v, "new_key"));
            if (new_key.type == key_type::aes) {
                BOOST_TEST(version == new_key.version);
            }
            BOOST_TEST(host.iv() == card.iv());

            if (has(v, "response")) {
                // Changing another key: the card answers with a CMAC over the status from the
                // last ciphertext block.
                const auto rsp = unhex(str(v, "response"));
                const auto data = rsp.substr(0, rsp.size() - 2);
                const auto status = static_cast<std::uint8_t>(rsp.back());
                auto mac = card.mac_response("", status);
                BOOST_REQUIRE(mac.has_value());
                BOOST_TEST(to_hex(*mac) == to_hex(data));
                auto payload = host.verify_response(data, status);
                BOOST_REQUIRE_MESSAGE(payload.has_value(), "verify_response: " << payload.error().message());
                BOOST_TEST(payload->empty());
                ++with_response;
            }
            ++checked;
        }
    }
    BOOST_TEST(checked == 6u);
    BOOST_TEST(with_response == 2u);
}

BOOST_AUTO_TEST_CASE(tampered_or_missing_response_cmac) {
    const auto& chain = vectors().at("cmac_chain_aes_files");
    const auto& step = chain.at("sequence").as_array().at(1);
    const auto& first = chain.at("sequence").as_array().at(0);
    auto host = session_of(str(chain, "session_key"), 16);
    BOOST_REQUIRE(host.mac_command(unhex(str(first, "tx_native"))).has_value());
    BOOST_REQUIRE(host.verify_response(unhex(str(first, "rx_cmac_8")), 0x00).has_value());
    BOOST_REQUIRE(host.mac_command(unhex(str(step, "tx_native"))).has_value());
    const auto before = host.iv();
    std::string rsp = unhex(str(step, "rx_data")) + unhex(str(step, "rx_cmac_8"));
    rsp.back() = static_cast<char>(rsp.back() ^ 0x01);
    BOOST_TEST(host.verify_response(rsp, 0x00).error() == gp::errc::rmac_mismatch);
    BOOST_TEST(host.iv() == before); // a failed check does not move the chain
    BOOST_TEST(host.verify_response(unhex("2D5FF67FFEC9D2"), 0x00).error() == gp::errc::rmac_missing);
    BOOST_TEST(host.verify_response("", 0x00).error() == gp::errc::rmac_missing);
    // The right CMAC under a different status byte does not verify either.
    rsp.back() = static_cast<char>(rsp.back() ^ 0x01);
    BOOST_TEST(host.verify_response(rsp, 0xAF).error() == gp::errc::rmac_mismatch);
    auto ok = host.verify_response(rsp, 0x00);
    BOOST_REQUIRE(ok.has_value());
    BOOST_TEST(to_hex(host.iv()) == str(step, "iv_after_response"));
}

BOOST_AUTO_TEST_CASE(enciphered_data_round_trips_and_rejects_bad_crc_or_padding) {
    for (auto t : {key_type::des, key_type::tdes2, key_type::tdes3, key_type::aes}) {
        BOOST_TEST_CONTEXT(desfire::key_type_name(t)) {
            const auto k = *gp::secret_key::from_bytes(
                unhex("0F1E2D3C4B5A69788796A5B4C3D2E1F00123456789ABCDEF").substr(0, desfire::key_length(t)));
            desfire::session host(t, k);
            desfire::session card(t, k);
            const std::string header = unhex("3D0500000007000000");
            const std::string data = unhex("0102030405060708090A0B0C0D0E"); // 14 + 4 CRC: 13..15 pad alike
            const std::size_t b = desfire::block_size(t);

            // Command: host enciphers, card opens.
            auto ct = host.encipher(header, data);
            BOOST_REQUIRE(ct.has_value());
            BOOST_TEST(ct->size() % b == 0u);
            auto opened = card.decipher_command(header, *ct, data.size());
            BOOST_REQUIRE(opened.has_value());
            BOOST_TEST(to_hex(*opened) == to_hex(data));
            BOOST_TEST(host.iv() == card.iv());

            // Response: card enciphers, host opens.
            auto rct = card.encipher_response(data, 0x00);
            BOOST_REQUIRE(rct.has_value());
            auto ropened = host.decipher_response(*rct, 0x00, data.size());
            BOOST_REQUIRE(ropened.has_value());
            BOOST_TEST(to_hex(*ropened) == to_hex(data));
            BOOST_TEST(host.iv() == card.iv());

            // A different header (CRC input) or status -> bad_padding.
            desfire::session h2(t, k);
            desfire::session c2(t, k);
            auto ct2 = h2.encipher(header, data);
            BOOST_REQUIRE(ct2.has_value());
            BOOST_TEST(c2.decipher_command(unhex("3D06"), *ct2, data.size()).error()
                       == gp::errc::bad_padding);
            desfire::session h3(t, k);
            desfire::session c3(t, k);
            auto rct3 = c3.encipher_response(data, 0x00);
            BOOST_REQUIRE(rct3.has_value());
            BOOST_TEST(h3.decipher_response(*rct3, 0xAF, data.size()).error() == gp::errc::bad_padding);

            // A plain length one short (same block count) puts the CRC in the wrong place.
            desfire::session h4(t, k);
            desfire::session c4(t, k);
            auto ct4 = h4.encipher(header, data);
            BOOST_REQUIRE(ct4.has_value());
            BOOST_TEST(c4.decipher_command(header, *ct4, data.size() - 1).error() == gp::errc::bad_padding);
            // One too long is NOT detectable: without a final XOR, CRC(M || r0) = r1 r2 r3 00
            // for CRC(M) = r0 r1 r2 r3, and the next byte is zero padding. Lengths must come from
            // the command layout, never from the CRC.
            desfire::session c5(t, k);
            auto longer = c5.decipher_command(header, *ct4, data.size() + 1);
            BOOST_REQUIRE(longer.has_value());
            BOOST_TEST(to_hex(longer->substr(0, data.size())) == to_hex(data));

            // Lengths that do not match the block layout.
            desfire::session s(t, k);
            BOOST_TEST(s.decipher_command(header, ct->substr(0, b), data.size()).error()
                       == gp::errc::bad_length);
            BOOST_TEST(s.decipher_response(ct->substr(1), 0x00, data.size()).error() == gp::errc::bad_length);
        }
    }
}

BOOST_AUTO_TEST_CASE(bad_crc_in_the_change_key_settings_trace_is_bad_padding) {
    // Encrypt a settings block whose CRC is wrong, under the trace's session key and IV.
    const auto& v = vectors().at("change_key_settings");
    auto host = session_of(str(v, "session_key"), 8);
    auto card = session_of(str(v, "session_key"), 8);
    std::string plain = unhex(str(v.at("sequence").as_array().at(1), "plain_settings_and_crc"));
    plain[2] = static_cast<char>(plain[2] ^ 0x10);
    auto ct = desfire::cbc_encrypt(host.type(), host.key(), host.iv(), plain);
    BOOST_REQUIRE(ct.has_value());
    BOOST_TEST(card.decipher_command(unhex("54"), *ct, 1).error() == gp::errc::bad_padding);
    // Non-zero padding after a good CRC is refused as well.
    desfire::session card2 = session_of(str(v, "session_key"), 8);
    plain = unhex(str(v.at("sequence").as_array().at(1), "plain_settings_and_crc"));
    plain.back() = '\x01';
    ct = desfire::cbc_encrypt(host.type(), host.key(), host.iv(), plain);
    BOOST_REQUIRE(ct.has_value());
    BOOST_TEST(card2.decipher_command(unhex("54"), *ct, 1).error() == gp::errc::bad_padding);
}

BOOST_AUTO_TEST_CASE(change_key_refuses_bad_keys_and_tampered_cryptograms) {
    const auto& v = vectors().at("change_key").as_array().at(2); // aes_change_other_key
    auto host = session_of(str(v, "session_key"), 16);
    auto new_key = change_key_of(v, "new_key");
    auto old_key = change_key_of(v, "old_key");
    auto short_key = new_key;
    short_key.value = *gp::secret_key::from_hex("0011223344556677");
    BOOST_TEST(host.change_key_cryptogram(0x01, short_key, &old_key).error() == gp::errc::bad_key_length);
    BOOST_TEST(host.change_key_cryptogram(0x01, new_key, &short_key).error() == gp::errc::bad_key_length);

    std::string ct = unhex(str(v, "enc_cryptogram"));
    auto card = session_of(str(v, "session_key"), 16);
    ct[20] = static_cast<char>(ct[20] ^ 0x04);
    BOOST_TEST(card.open_change_key(0x01, ct, key_type::aes, &old_key.value, nullptr).error()
               == gp::errc::bad_padding);
    // The right cryptogram with the wrong old key fails the CRC over the new key.
    auto card2 = session_of(str(v, "session_key"), 16);
    const auto wrong_old = *gp::secret_key::from_hex("00000000000000000000000000000001");
    BOOST_TEST(
        card2.open_change_key(0x01, unhex(str(v, "enc_cryptogram")), key_type::aes, &wrong_old, nullptr)
            .error()
        == gp::errc::bad_padding);
    // Or another key number (part of the CRC).
    auto card3 = session_of(str(v, "session_key"), 16);
    BOOST_TEST(
        card3.open_change_key(0x02, unhex(str(v, "enc_cryptogram")), key_type::aes, &old_key.value, nullptr)
            .error()
        == gp::errc::bad_padding);
    auto card4 = session_of(str(v, "session_key"), 16);
    BOOST_TEST(card4
                   .open_change_key(0x01, unhex(str(v, "enc_cryptogram")).substr(16), key_type::aes,
                                    &old_key.value, nullptr)
                   .error()
               == gp::errc::bad_length);
}

BOOST_AUTO_TEST_CASE(change_key_to_a_des_key_sends_it_as_k_k) {
    // DES keys travel as 16 bytes K|K; the card gets the 8-byte key back and its version from
    // the LSBs.
    const auto sk = *gp::secret_key::from_hex("00112233445566778899AABBCCDDEEFF");
    desfire::session host(key_type::aes, sk);
    desfire::session card(key_type::aes, sk);
    desfire::desfire_key des{key_type::des, *gp::secret_key::from_hex("0123456689ABCCEE"), 0};
    desfire::desfire_key old{key_type::des, *gp::secret_key::from_hex("0000000000000000"), 0};
    auto ct = host.change_key_cryptogram(0x01, des, &old);
    BOOST_REQUIRE(ct.has_value());
    BOOST_TEST(ct->size() == 32u); // 16 key + 4 + 4 CRC, padded
    auto plain = desfire::cbc_decrypt(key_type::aes, sk, std::string(16, '\0'), *ct);
    BOOST_REQUIRE(plain.has_value());
    BOOST_TEST(to_hex(plain->substr(0, 16)) == "0123456689ABCCEE0123456689ABCCEE");
    std::uint8_t version = 0;
    auto opened = card.open_change_key(0x01, *ct, key_type::des, &old.value, &version);
    BOOST_REQUIRE(opened.has_value());
    BOOST_TEST(to_hex(opened->view()) == "0123456689ABCCEE");
    BOOST_TEST(version == 0xEC); // LSBs 1,1,1,0,1,1,0,0
}

BOOST_AUTO_TEST_SUITE_END()
