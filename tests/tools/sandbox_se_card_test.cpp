// The sandbox secure element driven by the real host-side secure channels of tsm::core::gp
// (scp03_session / scp02_session): full CCM scripts with the helloworld CAP, and the error
// paths a real card has (wrong cryptogram, tampered MAC, missing authentication, bad LOAD ...).
#include "hex_literal.hpp"
#include "tsm/sandbox/secure_element.hpp"

#include "tsm/core/cap/cap_file.hpp"
#include "tsm/core/cap/load_blocks.hpp"
#include "tsm/core/gp/initialize_update.hpp"
#include "tsm/core/gp/scp02_session.hpp"
#include "tsm/core/gp/scp03_session.hpp"
#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <sstream>

namespace gp = tsm::core::gp;
namespace cap = tsm::core::cap;
using tsm::core::bytes;
using tsm::core::from_hex;
using tsm::core::to_hex;
using namespace tsm::sandbox;
using tsm::test::h;

namespace {

std::string sw_of(const bytes& r) {
    return r.size() < 2 ? "??" : to_hex(r.substr(r.size() - 2));
}

const bytes isd_aid = h("A000000151000000");
const bytes elf_aid = h("D0D1D2D3D4D501");
const bytes module_aid = h("D0D1D2D3D4D50101");
const bytes instance_aid = h("D0D1D2D3D4D50102");

const cap::cap_file& helloworld() {
    static const cap::cap_file file = [] {
        std::ifstream in(SANDBOX_SE_TEST_DATA_DIR "/cap/kaoh-helloworld.cap", std::ios::binary);
        std::string zip((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto r = cap::parse_cap(zip);
        if (!r) {
            throw std::runtime_error("helloworld CAP: " + r.error().message);
        }
        return std::move(r).value();
    }();
    return file;
}

gp::static_keys keys_of(std::string_view hex) {
    auto k = *gp::secret_key::from_hex(hex);
    return {k, k, k};
}

const std::string key128 = "404142434445464748494A4B4C4D4E4F";
const std::string key256 = "404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F";

secure_element_config scp03_card(const std::string& key_hex, std::uint8_t i = 0x70) {
    secure_element_config c;
    scp03_key_set s;
    s.keys = keys_of(key_hex);
    s.i = i;
    c.scp03.push_back(s);
    scp02_key_set s2;
    s2.keys = keys_of(key128);
    c.scp02.push_back(s2);
    return c;
}

secure_element_config scp02_card(std::uint8_t i) {
    secure_element_config c;
    scp02_key_set s;
    s.kvn = 0x20;
    s.i = i;
    s.keys = keys_of(key128);
    c.scp02.push_back(s);
    return c;
}

// The host side of one session: the core session classes, wrap -> transceive -> unwrap.
struct host {
    secure_element& card;
    std::optional<gp::scp03_session> s3;
    std::optional<gp::scp02_session> s2;
    bytes last_wire; // last wrapped command sent

    bytes send(std::string_view plain) {
        if (s3) {
            auto w = s3->wrap(plain);
            BOOST_REQUIRE_MESSAGE(w.has_value(), "wrap failed: " << to_hex(plain));
            last_wire = w->apdu;
            auto r = card.transceive(w->apdu);
            auto u = s3->unwrap(r, w->response);
            BOOST_REQUIRE_MESSAGE(u.has_value(),
                                  "unwrap failed: " << to_hex(r) << " " << u.error().message());
            return *u;
        }
        auto w = s2->wrap(plain);
        BOOST_REQUIRE_MESSAGE(w.has_value(), "wrap failed: " << to_hex(plain));
        last_wire = *w;
        return card.transceive(*w);
    }
    bytes sendh(std::string_view hex) { return send(h(hex)); }
};

bytes select_isd(secure_element& card) {
    auto r = card.transceive(h("00A4040008A00000015100000000"));
    BOOST_REQUIRE_EQUAL(sw_of(r), "9000");
    return r;
}

const bytes host_challenge = h("0011223344556677");

// SELECT ISD, INITIALIZE UPDATE, EXTERNAL AUTHENTICATE with the given keys and level.
host open(secure_element& card, bool scp03, const gp::static_keys& keys, std::uint8_t level,
          std::uint8_t kvn = 0, std::uint8_t scp02_i = 0x55) {
    select_isd(card);
    auto iu = card.transceive(*gp::initialize_update_command(kvn, host_challenge));
    BOOST_REQUIRE_EQUAL(sw_of(iu), "9000");
    const std::string_view data = std::string_view(iu).substr(0, iu.size() - 2);
    host hst{card, std::nullopt, std::nullopt, {}};
    bytes ea;
    if (scp03) {
        auto parsed = gp::parse_scp03_init_response(data);
        BOOST_REQUIRE(parsed.has_value());
        auto s = gp::scp03_session::open(keys, host_challenge, *parsed, level);
        BOOST_REQUIRE_MESSAGE(s.has_value(), "card cryptogram rejected by the host");
        hst.s3.emplace(std::move(*s));
        ea = *hst.s3->external_authenticate();
    } else {
        auto parsed = gp::parse_scp02_init_response(data);
        BOOST_REQUIRE(parsed.has_value());
        auto s = gp::scp02_session::open(keys, host_challenge, *parsed, level, scp02_i);
        BOOST_REQUIRE_MESSAGE(s.has_value(), "card cryptogram rejected by the host");
        hst.s2.emplace(std::move(*s));
        ea = *hst.s2->external_authenticate();
    }
    BOOST_REQUIRE_EQUAL(sw_of(card.transceive(ea)), "9000");
    BOOST_REQUIRE(card.secure_channel_open());
    BOOST_REQUIRE_EQUAL(card.security_level(), level);
    return hst;
}

bytes lv(std::string_view v) {
    return bytes(1, static_cast<char>(v.size())) + bytes(v);
}

bytes apdu(std::string_view header_hex, std::string_view data, bool le = true) {
    bytes a = h(header_hex);
    a.push_back(static_cast<char>(data.size()));
    a += data;
    if (le) {
        a.push_back('\0');
    }
    return a;
}

bytes install_for_load(std::string_view elf) {
    return apdu("80E60200", lv(elf) + lv("") + lv("") + lv("") + lv(""));
}

bytes install_for_install(std::string_view elf, std::string_view module, std::string_view instance,
                          std::uint8_t p1 = 0x0C) {
    bytes hdr = h("80E60000");
    hdr[2] = static_cast<char>(p1);
    bytes data = lv(elf) + lv(module) + lv(instance) + lv(h("00")) + lv(h("C9020102")) + lv("");
    bytes a = hdr + bytes(1, static_cast<char>(data.size())) + data + bytes(1, '\0');
    return a;
}

// INSTALL [for load] + LOAD blocks of the helloworld LFDB, each answer 00 9000.
void load_helloworld(host& hst, std::size_t block_size) {
    BOOST_REQUIRE_EQUAL(to_hex(hst.send(install_for_load(elf_aid))), "009000");
    const auto& lfdb = helloworld().load_file_data_block();
    auto blocks = cap::build_load_blocks(lfdb, block_size);
    BOOST_REQUIRE_GE(blocks.size(), 2u);
    for (const auto& b : blocks) {
        bytes hdr = h("80E80000");
        hdr[2] = static_cast<char>(b.p1);
        hdr[3] = static_cast<char>(b.p2);
        BOOST_REQUIRE_EQUAL(to_hex(hst.send(hdr + bytes(1, static_cast<char>(b.data.size())) + b.data
                                            + bytes(1, '\0'))),
                            "009000");
    }
}

void full_script(secure_element& card, bool scp03, const gp::static_keys& keys, std::uint8_t level,
                 std::uint8_t scp02_i = 0x55) {
    const bool cdec = (level & 0x02) != 0;
    host hst = open(card, scp03, keys, level, 0, scp02_i);
    load_helloworld(hst, cdec ? 239 : 247);
    auto elf = card.find_load_file(elf_aid);
    BOOST_REQUIRE(elf.has_value());
    BOOST_REQUIRE_EQUAL(elf->modules.size(), 1u);
    BOOST_TEST(to_hex(elf->modules[0]) == to_hex(module_aid));
    BOOST_TEST(elf->load_file_data_block == helloworld().load_file_data_block());

    BOOST_REQUIRE_EQUAL(to_hex(hst.send(install_for_install(elf_aid, module_aid, instance_aid))), "009000");
    auto app = card.find_application(instance_aid);
    BOOST_REQUIRE(app.has_value());
    BOOST_TEST(app->life_cycle == life_cycle::selectable);
    BOOST_TEST(to_hex(app->install_parameters) == "0102");

    // GET STATUS (tagged format) shows the ELF with its module and the instance.
    auto st = hst.sendh("80F21002024F0000");
    BOOST_REQUIRE_EQUAL(sw_of(st), "9000");
    BOOST_TEST(to_hex(st)
               == "E3214F07D0D1D2D3D4D5019F700101CC08A000000151000000"
                  "8408D0D1D2D3D4D501019000");
    st = hst.sendh("80F24002024F0000");
    BOOST_TEST(to_hex(st)
               == "E3264F08D0D1D2D3D4D501029F700107C5030000"
                  "00C407D0D1D2D3D4D501CC08A0000001510000009000");

    // The instance answers SELECT (this ends the session with the ISD).
    BOOST_REQUIRE_EQUAL(to_hex(card.transceive(apdu("00A40400", instance_aid))), "9000");
    BOOST_TEST(to_hex(card.selected()) == to_hex(instance_aid));
    BOOST_TEST(!card.secure_channel_open());

    // Personalization under the same level: INSTALL [for personalization] + two STORE DATA.
    host p = open(card, scp03, keys, level, 0, scp02_i);
    BOOST_REQUIRE_EQUAL(to_hex(p.send(apdu("80E62000", h("0000") + lv(instance_aid) + h("000000")))),
                        "009000");
    const bytes dgi1 = h("0101"
                         "10"
                         "00112233445566778899AABBCCDDEEFF");
    const bytes dgi2 = h("0202"
                         "04"
                         "CAFEBABE");
    BOOST_REQUIRE_EQUAL(to_hex(p.send(apdu("80E20800", dgi1, false))), "9000");
    if (cdec) {
        BOOST_TEST(p.last_wire.find(dgi1.substr(3)) == bytes::npos); // never in clear on the wire
    }
    BOOST_REQUIRE_EQUAL(to_hex(p.send(apdu("80E28801", dgi2, false))), "9000");
    if (cdec) {
        BOOST_TEST(p.last_wire.find(dgi2) == bytes::npos);
    }
    auto perso = card.personalization_data(instance_aid);
    BOOST_REQUIRE(perso.has_value());
    BOOST_TEST(to_hex(*perso) == to_hex(dgi1 + dgi2));
    BOOST_TEST(card.find_application(instance_aid)->life_cycle == life_cycle::personalized);

    // DELETE the ELF with related objects: both go, GET STATUS finds nothing.
    BOOST_REQUIRE_EQUAL(to_hex(p.send(apdu("80E40080", h("4F07D0D1D2D3D4D501")))), "009000");
    BOOST_TEST(card.applications().empty());
    BOOST_TEST(card.load_files().empty());
    BOOST_TEST(!card.personalization_data(instance_aid).has_value());
    BOOST_TEST(to_hex(p.sendh("80F24002024F0000")) == "6A88");
    BOOST_TEST(to_hex(p.sendh("80F22002024F0000")) == "6A88");
    BOOST_TEST(card.secure_channel_open());
    BOOST_TEST(to_hex(card.transceive(apdu("00A40400", instance_aid))) == "6A82");
}

} // namespace

BOOST_AUTO_TEST_SUITE(sandbox_se)

BOOST_AUTO_TEST_CASE(select_isd_answers_fci) {
    secure_element card;
    auto r = select_isd(card);
    BOOST_TEST(to_hex(r).starts_with("6F"));
    BOOST_TEST(to_hex(r).find("8408A000000151000000") != std::string::npos);
    BOOST_TEST(to_hex(r).find("9F6501FF9000") != std::string::npos);
    // An empty SELECT selects the ISD too.
    BOOST_TEST(card.transceive(h("00A4040000")) == r);
    BOOST_TEST(card.transceive(h("00A40400")) == r);
    BOOST_TEST(to_hex(card.transceive(h("00A4040005A00000000100"))) == "6A82");
    BOOST_TEST(to_hex(card.transceive(h("00CA004500"))) == "45070E48800471400A9000");
}

BOOST_AUTO_TEST_CASE(scp03_aes128_levels) {
    for (std::uint8_t level : {0x01, 0x03, 0x33}) {
        BOOST_TEST_CONTEXT("level " << int(level)) {
            secure_element card(scp03_card(key128));
            full_script(card, true, keys_of(key128), level);
        }
    }
}

BOOST_AUTO_TEST_CASE(scp03_aes256_levels) {
    for (std::uint8_t level : {0x01, 0x03, 0x33}) {
        BOOST_TEST_CONTEXT("level " << int(level)) {
            secure_element card(scp03_card(key256));
            full_script(card, true, keys_of(key256), level);
        }
    }
}

BOOST_AUTO_TEST_CASE(scp03_random_challenge_and_rmac) {
    secure_element card(scp03_card(key128, 0x60)); // random challenge, no counter
    full_script(card, true, keys_of(key128), 0x13);
}

BOOST_AUTO_TEST_CASE(scp03_pseudo_random_counter_advances) {
    secure_element card(scp03_card(key128));
    select_isd(card);
    auto a = card.transceive(*gp::initialize_update_command(0, host_challenge));
    auto b = card.transceive(*gp::initialize_update_command(0x30, host_challenge));
    BOOST_REQUIRE_EQUAL(a.size(), 34u); // 32 data + SW
    BOOST_TEST(to_hex(a.substr(29, 3)) == "000001");
    BOOST_TEST(to_hex(b.substr(29, 3)) == "000002");
    BOOST_TEST(a.substr(13, 8) != b.substr(13, 8));
    auto expected = gp::scp03_pseudo_random_card_challenge(keys_of(key128).enc, h("000002"), isd_aid);
    BOOST_TEST(to_hex(b.substr(13, 8)) == to_hex(*expected));
}

BOOST_AUTO_TEST_CASE(scp02_i15_and_i55_levels) {
    for (std::uint8_t i : {0x15, 0x55}) {
        for (std::uint8_t level : {0x01, 0x03}) {
            BOOST_TEST_CONTEXT("i " << int(i) << " level " << int(level)) {
                secure_element card(scp02_card(i));
                full_script(card, false, keys_of(key128), level, i);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(scp02_chosen_by_kvn_on_a_dual_card) {
    secure_element card; // SCP03 kvn 30 (default) and SCP02 kvn 20
    host hst = open(card, false, keys_of(key128), 0x03, 0x20);
    load_helloworld(hst, 239);
    BOOST_TEST(card.load_files().size() == 1u);
    select_isd(card);
    BOOST_TEST(to_hex(card.transceive(*gp::initialize_update_command(0x31, host_challenge))) == "6A88");
}

BOOST_AUTO_TEST_CASE(wrong_host_cryptogram_gives_6300_and_installs_nothing) {
    secure_element card;
    select_isd(card);
    auto iu = card.transceive(*gp::initialize_update_command(0, host_challenge));
    auto parsed = gp::parse_scp03_init_response(std::string_view(iu).substr(0, iu.size() - 2));
    auto s = gp::scp03_session::open(keys_of(key128), host_challenge, *parsed, 0x03);
    BOOST_REQUIRE(s.has_value());
    bytes ea = *s->external_authenticate();
    ea[5] = static_cast<char>(ea[5] ^ 0x01); // first host cryptogram byte
    BOOST_TEST(to_hex(card.transceive(ea)) == "6300");
    BOOST_TEST(!card.secure_channel_open());
    auto w = s->wrap(install_for_load(elf_aid));
    BOOST_TEST(to_hex(card.transceive(w->apdu)) == "6982");
    BOOST_TEST(to_hex(card.transceive(install_for_load(elf_aid))) == "6982");
    BOOST_TEST(card.load_files().empty());
    // A second EXTERNAL AUTHENTICATE is out of order now.
    BOOST_TEST(to_hex(card.transceive(ea)) == "6985");
}

BOOST_AUTO_TEST_CASE(host_with_wrong_keys_rejects_the_card_cryptogram) {
    secure_element card;
    select_isd(card);
    auto iu = card.transceive(*gp::initialize_update_command(0, host_challenge));
    auto parsed = gp::parse_scp03_init_response(std::string_view(iu).substr(0, iu.size() - 2));
    auto s =
        gp::scp03_session::open(keys_of("000102030405060708090A0B0C0D0E0F"), host_challenge, *parsed, 0x01);
    BOOST_TEST(!s.has_value());
}

BOOST_AUTO_TEST_CASE(tampered_cmac_gives_6982_and_closes_the_channel) {
    for (bool scp03 : {true, false}) {
        secure_element card;
        host hst = open(card, scp03, keys_of(key128), 0x01, scp03 ? 0x30 : 0x20);
        bytes w =
            scp03 ? hst.s3->wrap(install_for_load(elf_aid))->apdu : *hst.s2->wrap(install_for_load(elf_aid));
        w[w.size() - 2] = static_cast<char>(w[w.size() - 2] ^ 0x80); // last MAC byte (before Le)
        BOOST_TEST(to_hex(card.transceive(w)) == "6982");
        BOOST_TEST(!card.secure_channel_open());
        // Even a correctly MACed command is refused now: the session is gone.
        BOOST_TEST(sw_of(hst.sendh("80F28002024F0000")) == "6982");
        BOOST_TEST(card.load_files().empty());
    }
}

BOOST_AUTO_TEST_CASE(commands_without_authentication) {
    secure_element card;
    select_isd(card);
    BOOST_TEST(to_hex(card.transceive(install_for_load(elf_aid))) == "6982");
    BOOST_TEST(to_hex(card.transceive(h("80F24002024F0000"))) == "6982");
    BOOST_TEST(to_hex(card.transceive(h("80E400000B4F09D0D1D2D3D4D5010100"))) == "6982");
    // EXTERNAL AUTHENTICATE without INITIALIZE UPDATE is out of order.
    BOOST_TEST(to_hex(card.transceive(h("848201001000112233445566770011223344556677"))) == "6985");
    // INITIALIZE UPDATE then INSTALL (no EXTERNAL AUTHENTICATE).
    BOOST_REQUIRE_EQUAL(sw_of(card.transceive(*gp::initialize_update_command(0, host_challenge))), "9000");
    BOOST_TEST(to_hex(card.transceive(install_for_load(elf_aid))) == "6982");
    // With C-MAC required, a plain command also loses the channel.
    host hst = open(card, true, keys_of(key128), 0x01);
    BOOST_TEST(to_hex(card.transceive(h("80F28002024F0000"))) == "6982");
    BOOST_TEST(!card.secure_channel_open());
}

BOOST_AUTO_TEST_CASE(security_level_zero_accepts_plain_commands) {
    secure_element card;
    host hst = open(card, true, keys_of(key128), 0x00);
    BOOST_TEST(sw_of(card.transceive(h("80F28002024F0000"))) == "9000");
}

BOOST_AUTO_TEST_CASE(load_errors) {
    secure_element card;
    host hst = open(card, true, keys_of(key128), 0x01);
    const auto blocks = cap::build_load_blocks(helloworld().load_file_data_block(), 200);
    auto load = [&](const cap::load_block& b, std::uint8_t p2) {
        bytes hdr = h("80E80000");
        hdr[2] = static_cast<char>(b.p1);
        hdr[3] = static_cast<char>(p2);
        return hst.send(hdr + bytes(1, static_cast<char>(b.data.size())) + b.data + bytes(1, '\0'));
    };
    // LOAD without INSTALL [for load].
    BOOST_TEST(to_hex(load(blocks[0], 0)) == "6985");
    // Out of sequence: block 1 first, then the load is abandoned.
    BOOST_REQUIRE_EQUAL(to_hex(hst.send(install_for_load(elf_aid))), "009000");
    BOOST_TEST(to_hex(load(blocks[1], 1)) == "6A86");
    BOOST_TEST(to_hex(load(blocks[0], 0)) == "6985");
    // Skipped block.
    BOOST_REQUIRE_EQUAL(to_hex(hst.send(install_for_load(elf_aid))), "009000");
    BOOST_TEST(to_hex(load(blocks[0], 0)) == "009000");
    BOOST_TEST(to_hex(load(blocks[1], 2)) == "6A86");
    // The header names another package than INSTALL [for load].
    BOOST_REQUIRE_EQUAL(to_hex(hst.send(install_for_load(h("D0D1D2D3D4D509")))), "009000");
    BOOST_TEST(to_hex(load(blocks[0], 0)) == "009000");
    BOOST_TEST(to_hex(load(blocks[1], 1)) == "6A80");
    // Truncated load file: C4 length larger than what arrives.
    BOOST_REQUIRE_EQUAL(to_hex(hst.send(install_for_load(elf_aid))), "009000");
    cap::load_block last = blocks[0];
    last.p1 = 0x80;
    BOOST_TEST(to_hex(load(last, 0)) == "6A80");
    // Not a CAP header (no DECAFFED).
    BOOST_REQUIRE_EQUAL(to_hex(hst.send(install_for_load(elf_aid))), "009000");
    BOOST_TEST(to_hex(hst.send(apdu("80E88000", h("C406010003010203")))) == "6A80");
    // Wrong hash in INSTALL [for load].
    bytes bad_hash = apdu("80E60200", lv(elf_aid) + lv("") + lv(bytes(20, '\x11')) + lv("") + lv(""));
    BOOST_REQUIRE_EQUAL(to_hex(hst.send(bad_hash)), "009000");
    BOOST_TEST(to_hex(load(blocks[0], 0)) == "009000");
    BOOST_TEST(to_hex(load(blocks[1], 1)) == "6A80");
    BOOST_TEST(card.load_files().empty());
    // The right SHA-256 is accepted.
    bytes good_hash = apdu("80E60200", lv(elf_aid) + lv("") + lv(helloworld().load_file_data_block_hash())
                                           + lv("") + lv(""));
    BOOST_REQUIRE_EQUAL(to_hex(hst.send(good_hash)), "009000");
    BOOST_TEST(to_hex(load(blocks[0], 0)) == "009000");
    BOOST_TEST(to_hex(load(blocks[1], 1)) == "009000");
    BOOST_TEST(card.load_files().size() == 1u);
    // Loading it again: the AID is taken.
    BOOST_TEST(to_hex(hst.send(install_for_load(elf_aid))) == "6985");
}

BOOST_AUTO_TEST_CASE(install_errors_and_delete_rules) {
    secure_element card;
    host hst = open(card, true, keys_of(key128), 0x03);
    // No such ELF / module.
    BOOST_TEST(to_hex(hst.send(install_for_install(elf_aid, module_aid, instance_aid))) == "6A88");
    load_helloworld(hst, 239);
    BOOST_TEST(to_hex(hst.send(install_for_install(elf_aid, h("D0D1D2D3D4D50109"), instance_aid))) == "6A88");
    // Missing C9 in the install parameters.
    bytes no_c9 = lv(elf_aid) + lv(module_aid) + lv(instance_aid) + lv(h("00")) + lv("") + lv("");
    BOOST_TEST(to_hex(hst.send(apdu("80E60C00", no_c9))) == "6A80");
    // Install only (04), then make selectable (08).
    BOOST_REQUIRE_EQUAL(to_hex(hst.send(install_for_install(elf_aid, module_aid, instance_aid, 0x04))),
                        "009000");
    BOOST_TEST(card.find_application(instance_aid)->life_cycle == life_cycle::installed);
    bytes sel = lv("") + lv("") + lv(instance_aid) + lv(h("00")) + lv("") + lv("");
    BOOST_REQUIRE_EQUAL(to_hex(hst.send(apdu("80E60800", sel))), "009000");
    BOOST_TEST(card.find_application(instance_aid)->life_cycle == life_cycle::selectable);
    BOOST_TEST(to_hex(hst.send(apdu("80E60800", sel))) == "6985");
    // Duplicate instance AID (also the ELF's or the ISD's AID).
    BOOST_TEST(to_hex(hst.send(install_for_install(elf_aid, module_aid, instance_aid))) == "6985");
    BOOST_TEST(to_hex(hst.send(install_for_install(elf_aid, module_aid, elf_aid))) == "6985");
    BOOST_TEST(to_hex(hst.send(install_for_install(elf_aid, module_aid, isd_aid))) == "6985");
    // A second instance of the same module.
    const bytes second = h("D0D1D2D3D4D50103");
    BOOST_REQUIRE_EQUAL(to_hex(hst.send(install_for_install(elf_aid, module_aid, second))), "009000");
    // INSTALL [for personalization] of an unknown application.
    BOOST_TEST(to_hex(hst.send(apdu("80E62000", h("0000") + lv(h("D0D1D2D3D4D50199")) + h("000000"))))
               == "6A88");
    // DELETE: the ELF still has instances; unknown AID; the ISD; one application alone.
    BOOST_TEST(to_hex(hst.send(apdu("80E40000", h("4F07D0D1D2D3D4D501")))) == "6985");
    BOOST_TEST(to_hex(hst.send(apdu("80E40000", h("4F07D0D1D2D3D4D599")))) == "6A88");
    BOOST_TEST(to_hex(hst.send(apdu("80E40000", h("4F08A000000151000000")))) == "6985");
    BOOST_TEST(to_hex(hst.send(apdu("80E40000", h("9F7000")))) == "6A80");
    BOOST_REQUIRE_EQUAL(to_hex(hst.send(apdu("80E40000", h("4F08") + second))), "009000");
    BOOST_TEST(card.applications().size() == 1u);
    BOOST_REQUIRE_EQUAL(to_hex(hst.send(apdu("80E40000", h("4F08") + instance_aid))), "009000");
    // Now the ELF has no instances: a plain DELETE removes it.
    BOOST_REQUIRE_EQUAL(to_hex(hst.send(apdu("80E40000", h("4F07D0D1D2D3D4D501")))), "009000");
    BOOST_TEST(card.load_files().empty());
    BOOST_TEST(card.secure_channel_open());
}

BOOST_AUTO_TEST_CASE(get_status_formats_and_continuation) {
    secure_element card;
    host hst = open(card, true, keys_of(key128), 0x33);
    BOOST_TEST(to_hex(hst.sendh("80F28002024F0000")) == "E3134F08A0000001510000009F70010FC5039EFE809000");
    BOOST_TEST(to_hex(hst.sendh("80F28000024F0000")) == "08A0000001510000000F9E9000");
    BOOST_TEST(to_hex(hst.sendh("80F24002024F0000")) == "6A88");
    BOOST_TEST(to_hex(hst.sendh("80F28102024F0000")) == "6A86");
    BOOST_TEST(to_hex(hst.sendh("80F2800200")) == "6A80"); // no search criterion
    load_helloworld(hst, 239);
    BOOST_TEST(to_hex(hst.sendh("80F21000024F0000"))
               == "07D0D1D2D3D4D501010001"
                  "08D0D1D2D3D4D501019000");
    BOOST_TEST(to_hex(hst.sendh("80F22000024F0000")) == "07D0D1D2D3D4D50101009000");
    // 12 instances do not fit in one answer: 6310, then P2=03 for the rest.
    for (int k = 0; k < 12; ++k) {
        bytes inst = h("D0D1D2D3D4D501A0");
        inst.back() = static_cast<char>(0xA0 + k);
        BOOST_REQUIRE_EQUAL(to_hex(hst.send(install_for_install(elf_aid, module_aid, inst))), "009000");
    }
    auto first = hst.sendh("80F24002024F0000");
    BOOST_REQUIRE_EQUAL(sw_of(first), "6310");
    std::size_t total = first.size() - 2;
    int answers = 1;
    for (;;) {
        auto next = hst.sendh("80F24003024F0000");
        total += next.size() - 2;
        ++answers;
        if (sw_of(next) == "9000") {
            break;
        }
        BOOST_REQUIRE_EQUAL(sw_of(next), "6310");
        BOOST_REQUIRE_LT(answers, 10);
    }
    const std::size_t entry = 2 + 0x26;
    BOOST_TEST(total == 12 * entry);
    BOOST_TEST(answers == 3);                                    // 5 entries (200 bytes) per answer
    BOOST_TEST(to_hex(hst.sendh("80F24003024F0000")) == "6A86"); // nothing pending any more
    // Search by AID prefix.
    auto one = hst.sendh("80F24002094F07D0D1D2D3D4D50100");
    BOOST_TEST(sw_of(one) == "6310");
    auto exact = hst.sendh("80F240020A4F08D0D1D2D3D4D501A500");
    BOOST_TEST(to_hex(exact).starts_with("E3264F08D0D1D2D3D4D501A5"));
    BOOST_TEST(sw_of(exact) == "9000");
}

BOOST_AUTO_TEST_CASE(garbage_apdus) {
    secure_element card;
    BOOST_TEST(to_hex(card.transceive("")) == "6700");
    BOOST_TEST(to_hex(card.transceive(h("00"))) == "6700");
    BOOST_TEST(to_hex(card.transceive(h("00A404"))) == "6700");
    BOOST_TEST(to_hex(card.transceive(h("00A4040008A000"))) == "6700"); // Lc 8, 2 bytes
    BOOST_TEST(to_hex(card.transceive(h("805000000811"))) == "6700");
    BOOST_TEST(to_hex(card.transceive(h("8050000004112233440000"))) == "6700");
    BOOST_TEST(to_hex(card.transceive(h("805000000411223344"))) == "6700"); // not 8 bytes
    BOOST_TEST(to_hex(card.transceive(h("80FF0000"))) == "6D00");
    BOOST_TEST(to_hex(card.transceive(h("00B0000000"))) == "6D00");
    BOOST_TEST(to_hex(card.transceive(h("40A4040000"))) == "6E00");
    BOOST_TEST(to_hex(card.transceive(h("FFA4040000"))) == "6E00");
    BOOST_TEST(to_hex(card.transceive(h("80A4040000"))) == "6E00");                 // SELECT is ISO
    BOOST_TEST(to_hex(card.transceive(h("00500000081122334455667788"))) == "6E00"); // IU is GP
    BOOST_TEST(to_hex(card.transceive(h("01A4040000"))) == "6881");
    BOOST_TEST(to_hex(card.transceive(h("00A4000000"))) == "6A86");
    BOOST_TEST(to_hex(card.transceive(h("00CA00FF00"))) == "6A88");
    BOOST_TEST(to_hex(card.transceive(h("80500100081122334455667788"
                                        "00")))
               == "6A88"); // kvn 01
    // Extended APDUs are off by default.
    BOOST_TEST(to_hex(card.transceive(h("00A40400000008A000000151000000"))) == "6700");
    // Random bytes never crash the card and always answer a status word.
    std::mt19937 rng(42);
    for (int k = 0; k < 3000; ++k) {
        bytes a(rng() % 40, '\0');
        for (auto& c : a) {
            c = static_cast<char>(rng());
        }
        if (a.size() >= 2 && (k % 3) == 0) {
            a[0] = static_cast<char>(k % 2 ? 0x80 : 0x84);
            a[1] = static_cast<char>("\x50\x82\xE6\xE8\xE4\xF2\xE2\xA4\xCA"[k % 9]);
        }
        BOOST_REQUIRE_GE(card.transceive(a).size(), 2u);
    }
    select_isd(card);
}

BOOST_AUTO_TEST_CASE(extended_apdus_when_enabled) {
    auto cfg = secure_element_config::with_test_keys();
    cfg.extended_apdus = true;
    cfg.max_command_data = 1024;
    secure_element card(cfg);
    auto r = card.transceive(h("00A40400000008A0000001510000000000"));
    BOOST_TEST(sw_of(r) == "9000");
    BOOST_TEST(to_hex(r).find("9F65020400") != std::string::npos);
    host hst = open(card, true, keys_of(key128), 0x03);
    BOOST_REQUIRE_EQUAL(to_hex(hst.send(install_for_load(elf_aid))), "009000");
    const auto& lfdb = helloworld().load_file_data_block();
    auto blocks = cap::build_load_blocks(lfdb, 1000);
    BOOST_REQUIRE_EQUAL(blocks.size(), 1u);
    bytes cmd = h("80E8800000");
    cmd.push_back(static_cast<char>(blocks[0].data.size() >> 8));
    cmd.push_back(static_cast<char>(blocks[0].data.size() & 0xFF));
    cmd += blocks[0].data;
    BOOST_TEST(to_hex(hst.send(cmd)) == "009000");
    BOOST_TEST(card.load_files().size() == 1u);
}

BOOST_AUTO_TEST_CASE(reset_closes_the_channel_and_keeps_the_registry) {
    secure_element card;
    host hst = open(card, true, keys_of(key128), 0x01);
    load_helloworld(hst, 247);
    card.reset();
    BOOST_TEST(!card.secure_channel_open());
    BOOST_TEST(card.load_files().size() == 1u);
    BOOST_TEST(to_hex(card.selected()) == to_hex(isd_aid));
}

BOOST_AUTO_TEST_SUITE_END()
