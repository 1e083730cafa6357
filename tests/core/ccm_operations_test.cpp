// CCM operations driven against a scripted GlobalPlatform card written here (core tests must not
// link tools/sandbox_se): the card runs the host crypto in reverse — it computes the card
// cryptogram, checks the host cryptogram and EVERY C-MAC, decrypts C-DEC, and keeps a tiny
// registry — so a wrong MAC chain, counter or padding fails the test with 6982.
#include "tsm/core/cap/cap_file.hpp"
#include "tsm/core/ccm/apdus.hpp"
#include "tsm/core/ccm/operations.hpp"
#include "tsm/core/gp/command_apdu.hpp"
#include "tsm/core/gp/crypto.hpp"
#include "tsm/core/gp/key_diversification.hpp"
#include "tsm/core/gp/scp02.hpp"
#include "tsm/core/gp/scp03.hpp"
#include "tsm/core/hex.hpp"

#include "hex_literal.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>

using namespace tsm::core;
using namespace tsm::core::ccm;
namespace gp = tsm::core::gp;
using tsm::test::h;

namespace {

std::uint16_t sw_of(std::string_view r) {
    return static_cast<std::uint16_t>((static_cast<unsigned char>(r[r.size() - 2]) << 8) |
                                      static_cast<unsigned char>(r[r.size() - 1]));
}

gp::static_keys keys_from(std::string_view hex) {
    gp::static_keys k;
    k.enc = *gp::secret_key::from_hex(hex);
    k.mac = *gp::secret_key::from_hex(hex);
    k.dek = *gp::secret_key::from_hex(hex);
    return k;
}

const std::string_view test_key = "404142434445464748494A4B4C4D4E4F";
const std::string_view other_key = "00112233445566778899AABBCCDDEEFF";
const bytes isd_aid = from_hex("A000000151000000").value();
const bytes host_challenge = from_hex("0102030405060708").value();

cap::cap_file load_cap(std::string_view name) {
    std::ifstream in(std::string(TSM_TEST_DATA_DIR) + "/cap/" + std::string(name), std::ios::binary);
    BOOST_REQUIRE(in.good());
    std::ostringstream ss;
    ss << in.rdbuf();
    auto parsed = cap::parse_cap(ss.str());
    BOOST_REQUIRE(parsed.ok());
    return std::move(parsed).value();
}

// ----------------------------------------------------------------------------- scripted card

class fake_card {
public:
    scp_protocol protocol = scp_protocol::scp03;
    gp::static_keys keys = keys_from(test_key);
    std::uint8_t scp03_i = 0x70;     // pseudo-random challenge, R-MAC, R-ENC
    std::uint8_t scp02_i = 0x55;
    bytes fci = h("6F108408A000000151000000A5049F6501FF");
    std::uint16_t already_loaded_sw = 0x6985;
    bool corrupt_rmac = false;
    /// Answers a command (plain, after unwrapping) instead of the card logic when it returns a value.
    std::function<std::optional<bytes>(const gp::command_apdu&)> hook;

    std::map<bytes, bytes> load_files;                 // ELF AID -> LFDB
    std::map<bytes, bytes> instances;                  // instance AID -> ELF AID
    std::map<bytes, bytes> install_params;             // instance AID -> install params field
    std::map<bytes, bytes> personalized;               // instance AID -> STORE DATA payload
    std::vector<std::uint8_t> store_data_p1;
    std::vector<bytes> wire;                           // every command as received
    std::vector<bytes> plain;                          // commands after secure messaging removed

    bytes transmit(const bytes& raw) {
        wire.push_back(raw);
        auto parsed = gp::parse_command_apdu(raw);
        if (!parsed) {
            return h("6700");
        }
        gp::command_apdu a = *parsed;
        if (a.ins == 0xA4 && (a.cla & 0x04) == 0) {
            return select(a);
        }
        if (a.ins == 0x50) {
            return initialize_update(a);
        }
        if (a.ins == 0x82) {
            return external_authenticate(a);
        }
        if (!authenticated_ || (a.cla & 0x04) == 0) {
            return h("6982");
        }
        auto p = unwrap(a);
        if (!p) {
            authenticated_ = false;
            return h("6982");
        }
        plain.push_back(*gp::encode_command_apdu(*p));
        bytes r;
        if (hook) {
            if (auto o = hook(*p)) {
                r = *o;
            }
        }
        if (r.empty()) {
            r = process(*p);
        }
        return wrap_response(r);
    }

private:
    bool authenticated_ = false;
    bytes hc_, cc_, seq_;
    std::uint8_t level_ = 0;
    bytes mcv_;
    std::uint32_t counter_ = 0;
    gp::secret_key s_enc_, s_mac_, s_rmac_;
    bytes last_mac_;
    // LOAD reassembly
    bytes loading_elf_;
    bytes load_buffer_;
    int next_block_ = 0;
    bytes perso_target_;

    bytes select(const gp::command_apdu& a) {
        authenticated_ = false;
        if (a.data == isd_aid) {
            return fci + h("9000");
        }
        return h("6A82");
    }

    bytes initialize_update(const gp::command_apdu& a) {
        authenticated_ = false;
        hc_ = a.data;
        if (hook) {
            if (auto o = hook(a)) {
                return *o;
            }
        }
        const bytes kdd = h("00010203040506070809");
        if (protocol == scp_protocol::scp03) {
            cc_ = h("A1A2A3A4A5A6A7A8");
            auto k = gp::derive_scp03_session_keys(keys, hc_, cc_);
            s_enc_ = k->s_enc;
            s_mac_ = k->s_mac;
            s_rmac_ = k->s_rmac;
            auto crypt = gp::scp03_card_cryptogram(s_mac_, hc_, cc_);
            bytes r = kdd + bytes{0x30, 0x03, static_cast<char>(scp03_i)} + cc_ + *crypt;
            if (scp03_i & 0x10) {
                r += h("000001");
            }
            return r + h("9000");
        }
        seq_ = h("0021");
        cc_ = h("B1B2B3B4B5B6");
        auto k = gp::derive_scp02_session_keys(keys, seq_);
        s_enc_ = k->s_enc;
        s_mac_ = k->s_mac;
        auto crypt = gp::scp02_card_cryptogram(s_enc_, hc_, seq_, cc_);
        return kdd + bytes{0x30, 0x02} + seq_ + cc_ + *crypt + h("9000");
    }

    bytes external_authenticate(const gp::command_apdu& a) {
        if (hook) {
            if (auto o = hook(a)) {
                return *o;
            }
        }
        if (a.data.size() != 16) {
            return h("6700");
        }
        const bytes host = a.data.substr(0, 8);
        const bytes mac = a.data.substr(8);
        bytes header{'\x84', '\x82', static_cast<char>(a.p1), '\x00', '\x10'};
        if (protocol == scp_protocol::scp03) {
            auto expected = gp::scp03_host_cryptogram(s_mac_, hc_, cc_);
            auto m = gp::aes_cmac(s_mac_, bytes(16, '\0') + header + host);
            if (*expected != host || m->substr(0, 8) != mac) {
                return h("6300");
            }
            mcv_ = *m;
            counter_ = 0;
        } else {
            auto expected = gp::scp02_host_cryptogram(s_enc_, hc_, seq_, cc_);
            auto m = gp::retail_mac(s_mac_, bytes(8, '\0'), header + host);
            if (*expected != host || *m != mac) {
                return h("6300");
            }
            last_mac_ = *m;
        }
        level_ = a.p1;
        authenticated_ = true;
        return h("9000");
    }

    static bytes counter_block(std::uint32_t c, bool response) {
        bytes b(16, '\0');
        b[0] = response ? '\x80' : '\0';
        for (int i = 0; i < 4; ++i) {
            b[15 - i] = static_cast<char>((c >> (8 * i)) & 0xFF);
        }
        return b;
    }

    std::optional<gp::command_apdu> unwrap(gp::command_apdu a) {
        if (a.data.size() < 8) {
            return std::nullopt;
        }
        const bytes mac = a.data.substr(a.data.size() - 8);
        bytes body = a.data.substr(0, a.data.size() - 8);
        const bytes header{static_cast<char>((a.cla & 0xFC) | 0x04), static_cast<char>(a.ins),
                           static_cast<char>(a.p1), static_cast<char>(a.p2)};
        if (protocol == scp_protocol::scp03) {
            auto m = gp::aes_cmac(s_mac_, mcv_ + header + static_cast<char>(a.data.size()) + body);
            if (m->substr(0, 8) != mac) {
                return std::nullopt;
            }
            mcv_ = *m;
            if (level_ & 0x02) {
                ++counter_;
                if (!body.empty()) {
                    auto icv = gp::aes_ecb_encrypt(s_enc_, counter_block(counter_, false));
                    auto dec = gp::aes_cbc_decrypt(s_enc_, *icv, body);
                    if (!dec) {
                        return std::nullopt;
                    }
                    auto unpadded = gp::unpad80(*dec);
                    if (!unpadded) {
                        return std::nullopt;
                    }
                    body = *unpadded;
                }
            }
        } else {
            if ((level_ & 0x02) && !body.empty()) {
                auto dec = gp::des3_cbc_decrypt(s_enc_, bytes(8, '\0'), body);
                if (!dec) {
                    return std::nullopt;
                }
                auto unpadded = gp::unpad80(*dec);
                if (!unpadded) {
                    return std::nullopt;
                }
                body = *unpadded;
            }
            const bytes icv = (scp02_i & 0x10) ? *gp::des_ecb_encrypt(s_mac_, last_mac_) : last_mac_;
            auto m = gp::retail_mac(s_mac_, icv, header + static_cast<char>(body.size() + 8) + body);
            if (*m != mac) {
                return std::nullopt;
            }
            last_mac_ = *m;
        }
        a.cla = static_cast<std::uint8_t>(a.cla & ~0x04);
        a.data = body;
        return a;
    }

    bytes wrap_response(const bytes& r) {
        const std::uint16_t sw = sw_of(r);
        const bool success = sw == 0x9000 || (sw >> 8) == 0x62 || (sw >> 8) == 0x63;
        if (protocol != scp_protocol::scp03 || !(level_ & 0x10) || !success) {
            return r;
        }
        const bytes data = r.substr(0, r.size() - 2);
        const bytes swb = r.substr(r.size() - 2);
        auto m = gp::aes_cmac(s_rmac_, mcv_ + data + swb);
        bytes rmac = m->substr(0, 8);
        if (corrupt_rmac) {
            rmac[0] ^= 1;
        }
        return data + rmac + swb;
    }

    static bool read_lv(std::string_view& in, bytes& out) {
        if (in.empty() || static_cast<unsigned char>(in[0]) + 1u > in.size()) {
            return false;
        }
        const std::size_t n = static_cast<unsigned char>(in[0]);
        out = bytes(in.substr(1, n));
        in.remove_prefix(1 + n);
        return true;
    }

    bytes process(const gp::command_apdu& a) {
        std::string_view in(a.data);
        switch (a.ins) {
        case 0xE6: { // INSTALL
            if (a.p1 == 0x02) {
                bytes elf, sd;
                if (!read_lv(in, elf) || !read_lv(in, sd)) {
                    return h("6A80");
                }
                if (load_files.count(elf)) {
                    return bytes{static_cast<char>(already_loaded_sw >> 8), static_cast<char>(already_loaded_sw & 0xFF)};
                }
                loading_elf_ = elf;
                load_buffer_.clear();
                next_block_ = 0;
                return h("009000");
            }
            if (a.p1 == 0x0C) {
                bytes elf, module, inst, priv, params;
                if (!read_lv(in, elf) || !read_lv(in, module) || !read_lv(in, inst) || !read_lv(in, priv) ||
                    !read_lv(in, params) || params.size() < 2 || params[0] != '\xC9') {
                    return h("6A80");
                }
                if (!load_files.count(elf)) {
                    return h("6A88");
                }
                if (instances.count(inst)) {
                    return h("6A89");
                }
                instances[inst] = elf;
                install_params[inst] = params;
                return h("009000");
            }
            if (a.p1 == 0x20) {
                in.remove_prefix(2);
                bytes inst;
                if (!read_lv(in, inst) || !instances.count(inst)) {
                    return h("6A88");
                }
                perso_target_ = inst;
                return h("009000");
            }
            return h("6A86");
        }
        case 0xE8: { // LOAD
            if (loading_elf_.empty() || a.p2 != next_block_) {
                return h("6A86");
            }
            ++next_block_;
            load_buffer_ += a.data;
            if (a.p1 & 0x80) {
                // C4 <BER len> LFDB
                std::size_t pos = 1, len = static_cast<unsigned char>(load_buffer_[1]);
                if (len & 0x80) {
                    const std::size_t n = len & 0x7F;
                    len = 0;
                    for (std::size_t i = 0; i < n; ++i) {
                        len = (len << 8) | static_cast<unsigned char>(load_buffer_[2 + i]);
                    }
                    pos += n;
                }
                ++pos;
                if (load_buffer_[0] != '\xC4' || load_buffer_.size() != pos + len) {
                    return h("6A80");
                }
                load_files[loading_elf_] = load_buffer_.substr(pos);
                loading_elf_.clear();
            }
            return h("009000");
        }
        case 0xF2: { // GET STATUS
            bytes aid;
            in.remove_prefix(1);
            if (!read_lv(in, aid)) {
                return h("6A80");
            }
            if (a.p1 == 0x20 && load_files.count(aid)) {
                return h("E3") + static_cast<char>(aid.size() + 2 + 4) + h("4F") + static_cast<char>(aid.size()) +
                       aid + h("9F7001019000");
            }
            return h("6A88");
        }
        case 0xE4: { // DELETE
            bytes aid;
            in.remove_prefix(1);
            if (!read_lv(in, aid)) {
                return h("6A80");
            }
            if (instances.erase(aid)) {
                return h("009000");
            }
            if (load_files.count(aid)) {
                if (a.p2 != 0x80) {
                    for (const auto& [i, e] : instances) {
                        if (e == aid) {
                            return h("6985");
                        }
                    }
                }
                std::erase_if(instances, [&](const auto& kv) { return kv.second == aid; });
                load_files.erase(aid);
                return h("009000");
            }
            return h("6A88");
        }
        case 0xE2: // STORE DATA
            if (perso_target_.empty()) {
                return h("6985");
            }
            personalized[perso_target_] += a.data;
            store_data_p1.push_back(a.p1);
            return h("9000");
        default: return h("6D00");
        }
    }
};

// ----------------------------------------------------------------------------- driver

struct run_result {
    operation_outcome outcome;
    std::vector<apdu_batch> batches;
};

/// Plays the touch point: stopOnError stops at the first SW other than 9000/61xx.
/// `max_answers` > 0 simulates a touch point that answers only part of each batch.
run_result run(operation& op, fake_card& card, std::size_t max_answers = 0) {
    run_result out;
    operation_step step = op.start();
    while (step.batch) {
        BOOST_REQUIRE(out.batches.size() < 100);
        out.batches.push_back(*step.batch);
        std::vector<bytes> responses;
        for (const auto& c : step.batch->commands) {
            if (max_answers != 0 && responses.size() == max_answers) {
                break;
            }
            responses.push_back(card.transmit(c));
            const std::uint16_t sw = sw_of(responses.back());
            if (step.batch->stop_on_error && sw != 0x9000 && (sw >> 8) != 0x61) {
                break;
            }
        }
        step = op.on_responses(std::move(responses));
    }
    BOOST_REQUIRE(step.outcome.has_value());
    out.outcome = *step.outcome;
    return out;
}

card_context context(scp_protocol p = scp_protocol::scp03, std::string_view key = test_key) {
    card_context c;
    c.isd_aid = isd_aid;
    c.protocol = p;
    c.kvn = 0x30;
    c.keys = keys_from(key);
    c.host_challenge = [] { return host_challenge; };
    return c;
}

install_request install_of(const cap::cap_file& cap, std::string_view instance_hex = "") {
    install_request r;
    r.elf_aid = cap.package_aid();
    r.lfdb = cap.load_file_data_block();
    r.module_aid = cap.applets().at(0).aid;
    r.instance_aid = instance_hex.empty() ? r.module_aid : h(instance_hex);
    return r;
}

std::size_t lc_of(const bytes& apdu) {
    return apdu.size() > 5 ? static_cast<unsigned char>(apdu[4]) : 0;
}

void check_success(const run_result& r) {
    BOOST_TEST(r.outcome.status_code == 200);
    BOOST_TEST(r.outcome.error_code == "", r.outcome.error_message);
}

} // namespace

BOOST_AUTO_TEST_SUITE(ccm_operations)

BOOST_AUTO_TEST_CASE(install_with_load_is_two_round_trips_scp03) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    fake_card card;
    const auto req = install_of(cap);
    auto op = make_install(context(), req);
    const auto r = run(*op, card);
    check_success(r);
    BOOST_REQUIRE_EQUAL(r.batches.size(), 2u);

    // Round 1: SELECT ISD + INITIALIZE UPDATE, byte for byte.
    BOOST_TEST(r.batches[0].stop_on_error);
    BOOST_REQUIRE_EQUAL(r.batches[0].commands.size(), 2u);
    BOOST_TEST(to_hex(r.batches[0].commands[0]) == "00A4040008A00000015100000000");
    BOOST_TEST(to_hex(r.batches[0].commands[1]) == "8050300008010203040506070800");

    // Round 2: EXT AUTH, INSTALL [for load], LOAD x 2 (343-byte LFDB + C4820157: 239 + 108),
    // INSTALL [for install and make selectable].
    BOOST_TEST(r.batches[1].stop_on_error);
    BOOST_REQUIRE_EQUAL(r.batches[1].commands.size(), 5u);
    BOOST_TEST(to_hex(r.batches[1].commands[0].substr(0, 5)) == "8482030010");
    BOOST_REQUIRE_EQUAL(card.plain.size(), 4u);
    BOOST_TEST(card.plain[0] == apdu::install_for_load(req.elf_aid, isd_aid));
    BOOST_TEST(to_hex(card.plain[1].substr(0, 5)) == "80E80000EF");
    BOOST_TEST(to_hex(card.plain[2].substr(0, 5)) == "80E880016C");
    BOOST_TEST(card.plain[3] == apdu::install_for_install(req.elf_aid, req.module_aid, req.instance_aid,
                                                          bytes(1, '\0'), ""));
    for (std::size_t i = 1; i < r.batches[1].commands.size(); ++i) {
        BOOST_TEST(static_cast<unsigned char>(r.batches[1].commands[i][0]) == 0x84u);
    }
    // The card got exactly the LFDB, and the instance exists with C9 00.
    BOOST_TEST(card.load_files.at(req.elf_aid) == req.lfdb);
    BOOST_TEST(card.instances.at(req.instance_aid) == req.elf_aid);
    BOOST_TEST(to_hex(card.install_params.at(req.instance_aid)) == "C900");
    // Responses: the unwrapped answers of the 4 CCM commands.
    BOOST_REQUIRE_EQUAL(r.outcome.responses.size(), 4u);
    for (const auto& resp : r.outcome.responses) {
        BOOST_TEST(to_hex(resp) == "009000");
    }
}

BOOST_AUTO_TEST_CASE(install_with_params_privileges_and_r_mac) {
    const auto cap = load_cap("gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap");
    fake_card card;
    auto ctx = context();
    ctx.security_level = 0x13; // C-MAC + C-DEC + R-MAC
    auto req = install_of(cap, "01020304050607080A");
    req.params = h("CAFE");
    req.privileges = h("000000");
    auto op = make_install(std::move(ctx), req);
    const auto r = run(*op, card);
    check_success(r);
    BOOST_TEST(r.batches.size() == 2u);
    BOOST_TEST(to_hex(r.batches[1].commands[0].substr(0, 5)) == "8482130010");
    BOOST_TEST(to_hex(card.install_params.at(req.instance_aid)) == "C902CAFE");
    BOOST_REQUIRE(!r.outcome.responses.empty());
    BOOST_TEST(to_hex(r.outcome.responses.back()) == "009000"); // R-MAC verified and stripped
}

BOOST_AUTO_TEST_CASE(r_mac_mismatch_is_a_secure_channel_error) {
    const auto cap = load_cap("gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap");
    fake_card card;
    card.corrupt_rmac = true;
    auto ctx = context();
    ctx.security_level = 0x13;
    auto op = make_install(std::move(ctx), install_of(cap));
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.status_code != 200);
    BOOST_TEST(r.outcome.error_code == "secure-channel-error");
    BOOST_TEST(r.outcome.error_message.find("INSTALL [for load]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(card_cryptogram_mismatch_fails_before_external_authenticate) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    for (auto p : {scp_protocol::scp03, scp_protocol::scp02}) {
        fake_card card;
        card.protocol = p;
        card.keys = keys_from(other_key); // the card holds other keys than the registry
        auto op = make_install(context(p), install_of(cap));
        const auto r = run(*op, card);
        BOOST_TEST(r.outcome.status_code == status_auth_failed);
        BOOST_TEST(r.outcome.error_code == "authentication-failed");
        BOOST_TEST(r.outcome.error_message.find("cryptogram") != std::string::npos);
        BOOST_TEST(r.batches.size() == 1u);   // no further batch
        BOOST_TEST(card.wire.size() == 2u);   // SELECT + INITIALIZE UPDATE only: no EXTERNAL AUTHENTICATE
        BOOST_TEST(r.outcome.responses.empty());
    }
}

BOOST_AUTO_TEST_CASE(install_for_install_6a80_names_command_and_sw) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    fake_card card;
    card.hook = [](const gp::command_apdu& a) -> std::optional<bytes> {
        if (a.ins == 0xE6 && a.p1 == 0x0C) {
            return h("6A80");
        }
        return std::nullopt;
    };
    auto op = make_install(context(), install_of(cap));
    const auto r = run(*op, card);
    BOOST_TEST(r.batches.size() == 2u);
    BOOST_TEST(r.outcome.status_code == status_card_error);
    BOOST_TEST(r.outcome.error_code == "card-error");
    BOOST_TEST(r.outcome.error_command == "INSTALL [for install]");
    BOOST_TEST(r.outcome.error_sw == "6A80");
    BOOST_TEST(r.outcome.error_message.find("6A80") != std::string::npos);
    BOOST_TEST(r.outcome.error_message.find("wrong data") != std::string::npos);
    BOOST_TEST(r.outcome.error_message.find("C9") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(load_failure_names_the_block) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    fake_card card;
    card.hook = [](const gp::command_apdu& a) -> std::optional<bytes> {
        if (a.ins == 0xE8 && a.p2 == 1) {
            return h("6A84");
        }
        return std::nullopt;
    };
    auto op = make_install(context(), install_of(cap));
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.error_command == "LOAD");
    BOOST_TEST(r.outcome.error_sw == "6A84");
    BOOST_TEST(r.outcome.error_message.find("block 2 of 2") != std::string::npos);
    BOOST_TEST(r.outcome.error_message.find("memory") != std::string::npos);
    BOOST_TEST(card.plain.size() == 3u); // stopped there: no INSTALL [for install]
}

BOOST_AUTO_TEST_CASE(already_loaded_takes_a_third_round_that_only_installs) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    for (std::uint16_t sw : {std::uint16_t(0x6985), std::uint16_t(0x6A80)}) {
        for (auto p : {scp_protocol::scp03, scp_protocol::scp02}) {
            BOOST_TEST_CONTEXT("already-loaded SW " << std::hex << sw << " scp0" << int(p)) {
                fake_card card;
                card.protocol = p;
                card.already_loaded_sw = sw;
                const auto req = install_of(cap);
                card.load_files[req.elf_aid] = req.lfdb;
                auto op = make_install(context(p), req);
                const auto r = run(*op, card);
                check_success(r);
                BOOST_REQUIRE_EQUAL(r.batches.size(), 3u);
                // Round 3 = GET STATUS + INSTALL, MACed in the chain the card followed
                // (the LOADs of round 2 were never sent: the host resynchronised).
                BOOST_REQUIRE_EQUAL(r.batches[2].commands.size(), 2u);
                BOOST_TEST(r.batches[2].stop_on_error);
                BOOST_REQUIRE_EQUAL(card.plain.size(), 3u);
                BOOST_TEST(card.plain[1] == apdu::get_status_load_file(req.elf_aid));
                BOOST_TEST(static_cast<unsigned char>(card.plain[2][2]) == 0x0Cu);
                BOOST_TEST(card.instances.count(req.instance_aid) == 1u);
                BOOST_TEST(r.outcome.responses.size() == 3u);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(install_for_load_error_stands_when_the_load_file_is_absent) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    fake_card card;
    card.hook = [](const gp::command_apdu& a) -> std::optional<bytes> {
        if (a.ins == 0xE6 && a.p1 == 0x02) {
            return h("6985");
        }
        return std::nullopt;
    };
    auto op = make_install(context(), install_of(cap));
    const auto r = run(*op, card);
    BOOST_TEST(r.batches.size() == 3u);
    BOOST_TEST(r.outcome.error_code == "card-error");
    BOOST_TEST(r.outcome.error_command == "INSTALL [for load]");
    BOOST_TEST(r.outcome.error_sw == "6985");
    BOOST_TEST(r.outcome.error_message.find("GET STATUS") != std::string::npos);
    BOOST_TEST(card.instances.empty());
}

BOOST_AUTO_TEST_CASE(install_without_load_file_is_two_round_trips) {
    const auto cap = load_cap("gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap");
    fake_card card;
    auto req = install_of(cap);
    card.load_files[req.elf_aid] = req.lfdb;
    req.lfdb.clear();
    auto op = make_install(context(), req);
    const auto r = run(*op, card);
    check_success(r);
    BOOST_REQUIRE_EQUAL(r.batches.size(), 2u);
    BOOST_TEST(r.batches[1].commands.size() == 2u); // EXT AUTH + INSTALL
    BOOST_TEST(card.instances.count(req.instance_aid) == 1u);
}

BOOST_AUTO_TEST_CASE(load_blocks_fit_the_maximum_command_length_after_wrapping) {
    for (const char* file : {"kaoh-helloworld.cap", "gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap"}) {
        const auto cap = load_cap(file);
        for (auto p : {scp_protocol::scp03, scp_protocol::scp02}) {
            for (std::uint8_t level : {std::uint8_t(0x01), std::uint8_t(0x03)}) {
                for (std::size_t max : {255u, 200u, 128u, 100u, 64u}) {
                    BOOST_TEST_CONTEXT(file << " scp0" << int(p) << " level " << int(level) << " max " << max) {
                        fake_card card;
                        card.protocol = p;
                        auto ctx = context(p);
                        ctx.security_level = level;
                        ctx.max_command_data = max;
                        const auto req = install_of(cap);
                        auto op = make_install(std::move(ctx), req);
                        const auto r = run(*op, card);
                        check_success(r);
                        BOOST_TEST(r.batches.size() == 2u);
                        std::size_t largest = 0;
                        for (const auto& c : r.batches[1].commands) {
                            BOOST_TEST(lc_of(c) <= max);
                            if (static_cast<unsigned char>(c[1]) == 0xE8) {
                                largest = std::max(largest, lc_of(c));
                            }
                        }
                        BOOST_TEST(largest > max - 24); // blocks are not needlessly small
                        BOOST_TEST(card.load_files.at(req.elf_aid) == req.lfdb);
                    }
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(isd_fci_9f65_lowers_the_block_size) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    fake_card card;
    card.fci = h("6F108408A000000151000000A5049F650180"); // 128 bytes
    auto op = make_install(context(), install_of(cap));
    const auto r = run(*op, card);
    check_success(r);
    for (const auto& c : r.batches[1].commands) {
        BOOST_TEST(lc_of(c) <= 128u);
    }
    BOOST_TEST(to_hex(card.plain[1].substr(0, 5)) == "80E800006F"); // 111 plain bytes
}

BOOST_AUTO_TEST_CASE(partial_answers_are_continued_in_the_secure_channel) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    fake_card card;
    const auto req = install_of(cap);
    auto op = make_install(context(), req);
    const auto r = run(*op, card, 2); // the touch point answers 2 commands per batch
    check_success(r);
    BOOST_TEST(r.batches.size() == 4u); // [SEL, IU] [EA, IFL, L0, L1, IFI]->2 [L0, L1, IFI]->2 [IFI]
    BOOST_TEST(card.load_files.at(req.elf_aid) == req.lfdb);
    BOOST_TEST(card.instances.count(req.instance_aid) == 1u);
    BOOST_TEST(r.outcome.responses.size() == 4u);
}

BOOST_AUTO_TEST_CASE(select_and_initialize_update_errors) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    {
        fake_card card;
        auto ctx = context();
        ctx.isd_aid = h("A000000003000000");
        auto op = make_install(std::move(ctx), install_of(cap));
        const auto r = run(*op, card);
        BOOST_TEST(r.outcome.error_command == "SELECT");
        BOOST_TEST(r.outcome.error_sw == "6A82");
        BOOST_TEST(r.batches.size() == 1u);
    }
    {
        fake_card card;
        card.hook = [](const gp::command_apdu& a) -> std::optional<bytes> {
            return a.ins == 0x50 ? std::optional<bytes>(h("6A88")) : std::nullopt;
        };
        auto op = make_install(context(), install_of(cap));
        const auto r = run(*op, card);
        BOOST_TEST(r.outcome.error_command == "INITIALIZE UPDATE");
        BOOST_TEST(r.outcome.error_sw == "6A88");
        BOOST_TEST(r.outcome.error_message.find("key") != std::string::npos);
    }
    {
        fake_card card;
        card.hook = [](const gp::command_apdu& a) -> std::optional<bytes> {
            return a.ins == 0x82 ? std::optional<bytes>(h("6300")) : std::nullopt;
        };
        auto op = make_install(context(), install_of(cap));
        const auto r = run(*op, card);
        BOOST_TEST(r.outcome.error_command == "EXTERNAL AUTHENTICATE");
        BOOST_TEST(r.outcome.error_sw == "6300");
        BOOST_TEST(card.plain.empty());
    }
    {
        fake_card card;
        card.protocol = scp_protocol::scp02; // the registry says SCP03
        auto op = make_install(context(), install_of(cap));
        const auto r = run(*op, card);
        BOOST_TEST(r.outcome.error_code == "secure-channel-error");
        BOOST_TEST(r.batches.size() == 1u);
    }
}

BOOST_AUTO_TEST_CASE(invalid_requests_are_refused_before_any_batch) {
    auto req = install_request{};
    req.elf_aid = h("0102");
    auto op = make_install(context(), req);
    const auto step = op->start();
    BOOST_REQUIRE(step.outcome.has_value());
    BOOST_TEST(!step.batch.has_value());
    BOOST_TEST(step.outcome->status_code == status_bad_request);
    BOOST_TEST(step.outcome->error_code == "bad-request");
}

BOOST_AUTO_TEST_CASE(too_large_load_file_is_refused_after_round_one) {
    fake_card card;
    install_request req;
    req.elf_aid = h("0102030405");
    req.module_aid = h("010203040501");
    req.instance_aid = h("010203040501");
    req.lfdb = bytes(256 * 239 + 1, '\x01');
    auto op = make_install(context(), req);
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.status_code == status_too_large);
    BOOST_TEST(r.outcome.error_code == "load-file-too-large");
    BOOST_TEST(card.wire.size() == 2u);
}

BOOST_AUTO_TEST_CASE(delete_is_two_round_trips) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    for (auto p : {scp_protocol::scp03, scp_protocol::scp02}) {
        fake_card card;
        card.protocol = p;
        const auto req = install_of(cap);
        card.load_files[req.elf_aid] = req.lfdb;
        card.instances[req.instance_aid] = req.elf_aid;
        auto op = make_delete(context(p), delete_request{req.elf_aid, true});
        const auto r = run(*op, card);
        check_success(r);
        BOOST_REQUIRE_EQUAL(r.batches.size(), 2u);
        BOOST_TEST(r.batches[1].stop_on_error);
        BOOST_TEST(r.batches[1].commands.size() == 2u);
        BOOST_REQUIRE_EQUAL(card.plain.size(), 1u);
        BOOST_TEST(card.plain[0] == apdu::delete_object(req.elf_aid, true));
        BOOST_TEST(card.load_files.empty());
        BOOST_TEST(card.instances.empty());
        BOOST_REQUIRE_EQUAL(r.outcome.responses.size(), 1u);
        BOOST_TEST(to_hex(r.outcome.responses[0]) == "009000");
    }
}

BOOST_AUTO_TEST_CASE(delete_errors_are_card_errors) {
    fake_card card;
    auto op = make_delete(context(), delete_request{h("D0D1D2D3D4D501"), false});
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.error_code == "card-error");
    BOOST_TEST(r.outcome.error_command == "DELETE");
    BOOST_TEST(r.outcome.error_sw == "6A88");
    BOOST_TEST(r.outcome.error_message.find("not found") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(storedata_is_encrypted_on_the_wire_and_two_round_trips) {
    for (auto p : {scp_protocol::scp03, scp_protocol::scp02}) {
        for (tag_type t : {tag_type::dgi, tag_type::ber}) {
            BOOST_TEST_CONTEXT("scp0" << int(p) << " type " << int(t)) {
                fake_card card;
                card.protocol = p;
                const bytes inst = h("D0D1D2D3D4D50101");
                card.instances[inst] = h("D0D1D2D3D4D501");
                bytes secret(600, '\0');
                for (std::size_t i = 0; i < secret.size(); ++i) {
                    secret[i] = static_cast<char>("PERSO-SECRET-"[i % 13]);
                }
                auto op = make_storedata(context(p), storedata_request{inst, t, secret});
                const auto r = run(*op, card);
                check_success(r);
                BOOST_REQUIRE_EQUAL(r.batches.size(), 2u);
                BOOST_TEST(r.batches[1].commands.size() == 1u + 1u + 3u); // EA, INSTALL perso, 3 blocks
                BOOST_TEST(card.personalized.at(inst) == secret);
                const std::uint8_t f = t == tag_type::dgi ? 0x08 : 0x10;
                BOOST_TEST((card.store_data_p1 == std::vector<std::uint8_t>{f, f, std::uint8_t(f | 0x80)}));
                // No 8-byte window of the plaintext crosses the touch point.
                for (const auto& batch : r.batches) {
                    for (const auto& c : batch.commands) {
                        for (std::size_t off = 0; off + 8 <= 26; ++off) {
                            BOOST_TEST(c.find(secret.substr(off, 8)) == bytes::npos);
                        }
                        BOOST_TEST(c.find("PERSO") == bytes::npos);
                    }
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(storedata_refuses_a_level_without_c_dec) {
    auto ctx = context();
    ctx.security_level = 0x01;
    auto op = make_storedata(std::move(ctx), storedata_request{h("D0D1D2D3D4D50101"), tag_type::dgi, "secret"});
    const auto step = op->start();
    BOOST_REQUIRE(step.outcome.has_value());
    BOOST_TEST(!step.batch.has_value());
    BOOST_TEST(step.outcome->error_code == "insecure-channel");
}

BOOST_AUTO_TEST_CASE(storedata_to_a_missing_application) {
    fake_card card;
    auto op = make_storedata(context(), storedata_request{h("D0D1D2D3D4D50101"), tag_type::ber, "x"});
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.error_command == "INSTALL [for personalization]");
    BOOST_TEST(r.outcome.error_sw == "6A88");
}

BOOST_AUTO_TEST_CASE(scp02_install_end_to_end) {
    const auto cap = load_cap("gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap");
    for (std::uint8_t i : {std::uint8_t(0x55), std::uint8_t(0x15)}) {
        fake_card card;
        card.protocol = scp_protocol::scp02;
        card.scp02_i = i;
        auto ctx = context(scp_protocol::scp02);
        ctx.scp02_i = i;
        const auto req = install_of(cap);
        auto op = make_install(std::move(ctx), req);
        const auto r = run(*op, card);
        check_success(r);
        BOOST_TEST(r.batches.size() == 2u);
        BOOST_TEST(card.load_files.at(req.elf_aid) == req.lfdb);
        BOOST_TEST(card.instances.count(req.instance_aid) == 1u);
        BOOST_TEST(r.outcome.responses.size() == 4u); // IFL, 2 x LOAD (283 + 4 bytes), IFI
    }
}

BOOST_AUTO_TEST_CASE(master_key_cards_are_diversified_from_the_kdd) {
    const auto cap = load_cap("gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap");
    const auto master = *gp::secret_key::from_hex(other_key);
    const bytes kdd = h("00010203040506070809"); // what fake_card answers
    struct tc {
        scp_protocol p;
        gp::diversification method;
    };
    for (const tc& c : {tc{scp_protocol::scp03, gp::diversification::kdf3},
                        tc{scp_protocol::scp02, gp::diversification::emv},
                        tc{scp_protocol::scp02, gp::diversification::visa2}}) {
        fake_card card;
        card.protocol = c.p;
        card.keys = *gp::diversify_keys(master, c.method, kdd);
        auto ctx = context(c.p, test_key); // `keys` is ignored once diversify is set
        bytes seen;
        ctx.diversify = [&, method = c.method](std::string_view k) {
            seen = bytes(k);
            return gp::diversify_keys(master, method, k);
        };
        const auto req = install_of(cap);
        auto op = make_install(std::move(ctx), req);
        const auto r = run(*op, card);
        check_success(r);
        BOOST_TEST(seen == kdd);
        BOOST_TEST(r.batches.size() == 2u);
        BOOST_TEST(card.instances.count(req.instance_aid) == 1u);
    }
    // A master key that does not suit the method: a clear error, nothing after round 1.
    fake_card card;
    auto ctx = context();
    ctx.diversify = [](std::string_view k) {
        return gp::diversify_keys(*gp::secret_key::from_hex("0011"), gp::diversification::kdf3, k);
    };
    auto op = make_delete(std::move(ctx), delete_request{h("0102030405"), true});
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.error_code == "secure-channel-error");
    BOOST_TEST(card.wire.size() == 2u);
}

BOOST_AUTO_TEST_CASE(random_host_challenge_by_default) {
    auto ctx = context();
    ctx.host_challenge = nullptr;
    auto a = make_delete(ctx, delete_request{h("D0D1D2D3D4D501"), false});
    auto b = make_delete(ctx, delete_request{h("D0D1D2D3D4D501"), false});
    const auto sa = a->start();
    const auto sb = b->start();
    BOOST_REQUIRE(sa.batch && sb.batch);
    BOOST_TEST(sa.batch->commands[1].size() == 14u);
    BOOST_TEST(sa.batch->commands[1] != sb.batch->commands[1]);
}

BOOST_AUTO_TEST_SUITE_END()
