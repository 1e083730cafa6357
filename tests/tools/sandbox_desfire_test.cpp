// The sandbox secure element's DESFire EV1 emulation, driven through secure_element::transceive
// with the host side of tsm::core::desfire (host_authentication, session): real-card traces
// replayed byte for byte (Elmue, tests/data/vectors/desfire-vectors.json), authentication per
// key type, applications, key settings, ChangeKey, data files in the three communication modes
// with AF frames, and the error statuses a real card gives.
#include "desfire_wrap.hpp"
#include "hex_literal.hpp"
#include "tsm/sandbox/secure_element.hpp"

#include "tsm/core/desfire/authentication.hpp"
#include "tsm/core/desfire/operations.hpp"
#include "tsm/core/desfire/secure_messaging.hpp"
#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace df = tsm::core::desfire;
namespace gp = tsm::core::gp;
using tsm::core::bytes;
using tsm::core::from_hex;
using tsm::core::to_hex;
using namespace tsm::sandbox;
using tsm::test::h;
using tsm::test::wrap;

namespace {

std::string hx(std::uint8_t b) {
    return to_hex(bytes(1, static_cast<char>(b)));
}

df::desfire_key key(df::key_type t, std::string_view hex, std::uint8_t version = 0) {
    df::desfire_key k;
    k.type = t;
    k.value = *gp::secret_key::from_hex(hex);
    k.version = version;
    return k;
}

const std::string zero8 = "0000000000000000";
const std::string zero16 = zero8 + zero8;
const std::string zero24 = zero16 + zero8;
const df::desfire_key des_zero = key(df::key_type::des, zero8);
const df::desfire_key aes_zero = key(df::key_type::aes, zero16);
const df::desfire_key tdes3_zero = key(df::key_type::tdes3, zero24);
const bytes select_desfire = h("00A4040007D276000085010000");

// The card's RndB: queued values first, then a counter pattern.
struct rnd_source {
    std::shared_ptr<std::deque<bytes>> queue = std::make_shared<std::deque<bytes>>();
    std::function<bytes(std::size_t)> fn() const {
        auto q = queue;
        auto counter = std::make_shared<unsigned>(0);
        return [q, counter](std::size_t n) {
            if (!q->empty()) {
                bytes b = q->front();
                q->pop_front();
                return b;
            }
            bytes b(n, '\0');
            for (auto& c : b) {
                c = static_cast<char>(++*counter * 29);
            }
            return b;
        };
    }
};

struct reply {
    bytes data;
    std::uint8_t status = 0;
    std::string st() const { return hx(status); }
};

// The host (reader / TSM) side: frames, AF continuation, the EV1 session.
struct host {
    explicit host(secure_element& card) : se(card) {}

    secure_element& se;
    std::optional<df::session> s;
    std::vector<std::size_t> frames; // data sizes of the last answer's frames

    reply frame(std::string_view native) {
        const bytes r = se.transceive(wrap(native));
        BOOST_REQUIRE_GE(r.size(), 2u);
        BOOST_REQUIRE_MESSAGE(r[r.size() - 2] == '\x91', "not a DESFire answer: " << to_hex(r));
        return {r.substr(0, r.size() - 2), static_cast<std::uint8_t>(r.back())};
    }

    // The whole command in frames of at most 54 data bytes (AF between), then AF requests while
    // the answer continues; the answer data of all frames joined.
    reply exchange(std::string_view native) {
        std::string_view rest = native.substr(1);
        bytes first(1, native[0]);
        first.append(rest.substr(0, std::min<std::size_t>(54, rest.size())));
        rest.remove_prefix(std::min<std::size_t>(54, rest.size()));
        reply r = frame(first);
        while (!rest.empty() && r.status == 0xAF) {
            BOOST_REQUIRE(r.data.empty());
            bytes next("\xAF");
            next.append(rest.substr(0, std::min<std::size_t>(54, rest.size())));
            rest.remove_prefix(std::min<std::size_t>(54, rest.size()));
            r = frame(next);
        }
        frames = {r.data.size()};
        bytes all = r.data;
        while (r.status == 0xAF) {
            r = frame("\xAF");
            frames.push_back(r.data.size());
            all += r.data;
        }
        r.data = std::move(all);
        return r;
    }

    // A plain command: in a session the command CMAC moves the IV and the answer's CMAC is
    // checked and removed. Any error ends the session.
    reply command(const bytes& native) {
        if (s) {
            BOOST_REQUIRE(s->mac_command(native));
        }
        reply r = exchange(native);
        finish(r);
        return r;
    }
    reply command(const char* hex) { return command(h(hex)); }

    // SelectApplication ends the session (its answer carries no CMAC).
    reply select_app(std::string_view aid_le_hex) {
        s.reset();
        return command(h("5A" + std::string(aid_le_hex)));
    }

    void finish(reply& r) {
        if (r.status != 0) {
            s.reset();
            return;
        }
        if (s) {
            auto p = s->verify_response(r.data, 0x00);
            BOOST_REQUIRE_MESSAGE(p, "answer CMAC does not verify: " << to_hex(r.data));
            r.data = *p;
        }
    }

    // ISO / AES authentication; the status of the step that ended it.
    std::uint8_t authenticate(const df::desfire_key& k, std::uint8_t key_no) {
        s.reset();
        df::host_authentication a(k, key_no, bytes(df::challenge_length(k.type), '\x5C'));
        reply r1 = frame(a.command());
        if (r1.status != 0xAF) {
            return r1.status;
        }
        auto token = a.answer(r1.data);
        BOOST_REQUIRE(token);
        reply r2 = frame(*token);
        if (r2.status != 0x00) {
            return r2.status;
        }
        auto sess = a.finish(r2.data);
        BOOST_REQUIRE_MESSAGE(sess, "card proof does not verify");
        s.emplace(std::move(*sess));
        return 0x00;
    }

    // Enciphered command: INS || plain params || E(data || CRC || pad); answer CMAC checked.
    reply enciphered(std::string_view header, std::string_view data) {
        auto ct = s->encipher(header, data);
        BOOST_REQUIRE(ct);
        reply r = exchange(bytes(header) + *ct);
        finish(r);
        return r;
    }

    reply change_key(std::uint8_t key_no_byte, const df::desfire_key& new_key,
                     const df::desfire_key* old_key) {
        auto ct = s->change_key_cryptogram(key_no_byte, new_key, old_key);
        BOOST_REQUIRE(ct);
        reply r = exchange(bytes{'\xC4', static_cast<char>(key_no_byte)} + *ct);
        if (old_key == nullptr) {
            s.reset(); // the session ends with its key; the answer has no CMAC
            return r;
        }
        finish(r);
        return r;
    }
};

std::string send_hex(secure_element& se, std::string_view apdu_hex) {
    return to_hex(se.transceive(h(apdu_hex)));
}

secure_element card(rnd_source& rnd) {
    secure_element_config c = secure_element_config::with_test_keys();
    c.random = rnd.fn();
    return secure_element(std::move(c));
}

void select(secure_element& se) {
    BOOST_REQUIRE_EQUAL(to_hex(se.transceive(select_desfire)), "9000");
}

// CreateApplication without authentication (default PICC settings 0F allow it).
void create_app(host& hs, const std::string& aid_le, std::uint8_t ks1, std::uint8_t ks2) {
    reply r = hs.command(h("CA" + aid_le) + bytes{static_cast<char>(ks1), static_cast<char>(ks2)});
    BOOST_REQUIRE_EQUAL(r.st(), "00");
}

// Runs a core operation against the card: every batch fully (stop_on_error is off for DESFire).
tsm::core::operation_outcome run(secure_element& se, tsm::core::operation& op) {
    auto step = op.start();
    for (int round = 0; round < 16 && step.batch; ++round) {
        std::vector<bytes> responses;
        for (const auto& c : step.batch->commands) {
            responses.push_back(se.transceive(c));
        }
        step = op.on_responses(std::move(responses));
    }
    BOOST_REQUIRE(step.outcome.has_value());
    return *step.outcome;
}

} // namespace

BOOST_AUTO_TEST_SUITE(sandbox_desfire)

BOOST_AUTO_TEST_CASE(select_routes_native_commands_until_another_select) {
    rnd_source rnd;
    secure_element se = card(rnd);
    BOOST_TEST(send_hex(se, "9060000000") == "6E00"); // the ISD does not speak DESFire
    select(se);
    BOOST_TEST(se.selected() == h("D2760000850100"));
    BOOST_TEST(send_hex(se, "9060000000") == "04010101001A0591AF");
    BOOST_TEST(send_hex(se, "90AF000000") == "04010101041A0591AF");
    BOOST_TEST(send_hex(se, "90AF000000") == "045A3D72212C80BA4519E32012269100");
    BOOST_TEST(send_hex(se, "00CA004200") == "6D00");   // ISO commands stay with the ISD
    BOOST_TEST(send_hex(se, "9060010000") == "6A86");   // P1/P2 must be 00
    BOOST_TEST(send_hex(se, "90AF000000") == "911C");   // nothing to continue
    BOOST_TEST(send_hex(se, "9099000000") == "911C");   // unknown native command
    BOOST_TEST(send_hex(se, "900A00000100") == "911C"); // legacy authentication not offered
    BOOST_TEST(send_hex(se, "00A4040008A00000015100000000").substr(0, 2) == "6F");
    BOOST_TEST(send_hex(se, "9060000000") == "6E00");
    BOOST_REQUIRE(se.desfire().has_value());
    BOOST_TEST((se.desfire()->picc_master_key.type == df::key_type::des));
    BOOST_TEST(se.desfire()->picc_master_key.value.view() == bytes(8, '\0'));
}

BOOST_AUTO_TEST_CASE(disabled_emulation_is_not_selectable) {
    secure_element_config c = secure_element_config::with_test_keys();
    c.desfire.enabled = false;
    secure_element se(std::move(c));
    BOOST_TEST(send_hex(se, "00A4040007D276000085010000") == "6A82");
    BOOST_TEST(!se.desfire().has_value());
}

// Elmue's PICC-level trace after AuthenticateISO with the DES zero key (8-byte CMAC chain).
BOOST_AUTO_TEST_CASE(replays_the_iso_des_picc_trace_byte_for_byte) {
    rnd_source rnd;
    rnd.queue->push_back(h("4FD1B75942A8B8E1"));
    secure_element_config c = secure_element_config::with_test_keys();
    c.random = rnd.fn();
    c.desfire.uid = h("04063F72633480");
    c.desfire.batch_number = h("BA4519E320");
    c.desfire.production_week = 0x49;
    c.desfire.production_year = 0x13;
    secure_element se(std::move(c));
    select(se);
    BOOST_TEST(send_hex(se, "901A0000010000") == "5D994CE085F2408991AF");
    BOOST_TEST(send_hex(se, "90AF00001021D0AD5F2FD97454A746CC80567F1B1C00") == "913C6DED84221C419100");
    BOOST_TEST(send_hex(se, "9060000000") == "04010101001A0591AF");
    BOOST_TEST(send_hex(se, "90AF000000") == "04010101041A0591AF");
    BOOST_TEST(send_hex(se, "90AF000000") == "04063F72633480BA4519E3204913CDC810BAFA4017599100");
    const std::pair<const char*, const char*> trace[] = {
        {"90FC000000", "9C2C813A065C45F79100"},
        {"90CA00000516DE000F0200", "0A1379B01D85AD479100"},
        {"90CA00000524DE000F4200", "5D73AE5287A1BBE49100"},
        {"90CA00000516AE000F8200", "3B68D72A3BE0D20C9100"},
        {"90CA000005CCBBAA0F0100", "F11AC0738EF838789100"},
        {"906A000000", "16DE0024DE0016AE00CCBBAA2739154E2630D6509100"},
        {"90DA000003CCBBAA00", "A9AF19052292F6629100"},
        {"906A000000", "16DE0024DE0016AE00520E51E00AF06D5E9100"},
    };
    for (const auto& [tx, rx] : trace) {
        BOOST_TEST(send_hex(se, tx) == rx, tx);
    }
    auto app = se.desfire_application(0x00AE16);
    BOOST_REQUIRE(app.has_value());
    BOOST_TEST(app->keys.size() == 2u);
    BOOST_TEST((app->keys[0].type == df::key_type::aes));
    BOOST_TEST(se.desfire_application(0xAABBCC).has_value() == false);
}

// ChangeKeySettings trace: application 00DE16 (2 DES keys), AuthenticateISO key 0.
BOOST_AUTO_TEST_CASE(replays_the_change_key_settings_trace) {
    rnd_source rnd;
    secure_element se = card(rnd);
    select(se);
    host hs{se};
    create_app(hs, "16DE00", 0x0F, 0x02);
    BOOST_TEST(send_hex(se, "905A00000316DE0000") == "9100");
    rnd.queue->push_back(h("3B3DFE628164BFDA"));
    BOOST_TEST(send_hex(se, "901A0000010000") == "8476D1CF3024B7C791AF");
    BOOST_TEST(send_hex(se, "90AF000010DAC67AB743763DC9FAF8A0AE504E80C500") == "13E9E4FA4388BF169100");
    BOOST_TEST(send_hex(se, "9045000000") == "0F0225DD8D7731B1CFD59100");
    BOOST_TEST(send_hex(se, "905400000827882805FC3FD49D00") == "A628378374270ACD9100");
    BOOST_TEST(send_hex(se, "9045000000") == "0D02613FB2D3F453D2E49100");
    BOOST_TEST(se.desfire_application(0x00DE16)->key_settings == 0x0D);
}

// Elmue's AES file trace: key 0 = 1018..88 set by ChangeKey, then CreateStdDataFile,
// GetFileIDs, GetFileSettings, WriteData x2, ReadData x2, DeleteFile with the running CMAC.
BOOST_AUTO_TEST_CASE(replays_the_aes_file_trace) {
    rnd_source rnd;
    secure_element se = card(rnd);
    select(se);
    host hs{se};
    create_app(hs, "16AE00", 0x0F, 0x82);
    BOOST_TEST(hs.select_app("16AE00").st() == "00");
    BOOST_REQUIRE_EQUAL(hs.authenticate(aes_zero, 0), 0x00);
    const auto k1018 = key(df::key_type::aes, "10182028303840485058606870788088", 0x10);
    BOOST_TEST(hs.change_key(0x00, k1018, nullptr).st() == "00");
    BOOST_TEST(se.desfire_application(0x00AE16)->keys[0].value.view() == k1018.value.view());
    rnd.queue->push_back(h("626FFBD45CAF334ACCA45599304F5B17"));
    BOOST_TEST(send_hex(se, "90AA0000010000") == "B351CB2465D4F33AC627FD6E87A168F291AF");
    BOOST_TEST(send_hex(se, "90AF000020044B6CAC343A0865895149649CA8DDE1F5AC4EC67BD208900AF02F049E05F0B000")
               == "A2EE144B1012FBEB7B2F11132D95A4549100");
    bytes data;
    for (int i = 0; i < 0x50; ++i) {
        data.push_back(static_cast<char>(i));
    }
    const std::pair<std::string, std::string> trace[] = {
        {"90CD0000070500110050000000", "A75316AD1596B9539100"},
        {"906F000000", "052D5FF67FFEC9D2D39100"},
        {"90F50000010500", "000011005000002AAC7517024E09DC9100"},
        {"903D00003B05000000340000" + to_hex(data.substr(0, 0x34)) + "00", "765C9DAA50ECB62F9100"},
        {"903D000023053400001C0000" + to_hex(data.substr(0x34, 0x1C)) + "00", "3E0AED986B8B0F379100"},
        {"90BD0000070500000030000000", to_hex(data.substr(0, 0x30)) + "4C65F1F842262BAC9100"},
        {"90BD0000070530000020000000", to_hex(data.substr(0x30, 0x20)) + "F02205CF913C03C99100"},
        {"90DF0000010500", "1BEF0D32B6D1D7F99100"},
    };
    for (const auto& [tx, rx] : trace) {
        BOOST_TEST(send_hex(se, tx) == rx, tx);
    }
}

BOOST_AUTO_TEST_CASE(aes_authentication_and_wrong_keys) {
    rnd_source rnd;
    secure_element se = card(rnd);
    select(se);
    host hs{se};
    create_app(hs, "010000", 0x0F, 0x82); // AES, 2 keys
    BOOST_TEST(hs.select_app("010000").st() == "00");
    BOOST_TEST(hx(hs.authenticate(aes_zero, 0)) == "00");
    BOOST_TEST((se.desfire()->authenticated_key == std::optional<std::uint8_t>(0)));
    BOOST_TEST(hs.command("6401").data == h("00"));

    const auto before = se.desfire_application(0x000001);
    BOOST_TEST(hx(hs.authenticate(key(df::key_type::aes, "11" + zero16.substr(2)), 1)) == "AE");
    BOOST_TEST(!se.desfire()->authenticated_key.has_value()); // the failure ends the session
    BOOST_TEST(se.desfire_application(0x000001)->keys[1].value.view() == before->keys[1].value.view());
    BOOST_TEST(hx(hs.authenticate(tdes3_zero, 0)) == "AE"); // 1A on an AES key
    BOOST_TEST(hx(hs.authenticate(aes_zero, 2)) == "40");   // no key 2
    BOOST_TEST(send_hex(se, "90AA0000010000").substr(32) == "91AF");
    BOOST_TEST(send_hex(se, "90AF00000401020304"
                            "00")
               == "917E");                                // token of the wrong length
    BOOST_TEST(hx(hs.authenticate(des_zero, 0)) == "AE"); // 1A on the AES key 0
    BOOST_TEST(hx(hs.authenticate(aes_zero, 1)) == "00");
    BOOST_TEST((se.desfire()->authenticated_key == std::optional<std::uint8_t>(1)));
    BOOST_TEST(hs.select_app("000000").st() == "00");
    BOOST_TEST(!se.desfire()->authenticated_key.has_value());
    BOOST_TEST(se.desfire()->selected_application == 0u);
}

BOOST_AUTO_TEST_CASE(iso_authentication_with_des_2k3des_and_3k3des_keys) {
    rnd_source rnd;
    secure_element se = card(rnd);
    select(se);
    host hs{se};
    // PICC master key: DES 00 x 8.
    BOOST_TEST(hx(hs.authenticate(des_zero, 0)) == "00");
    BOOST_TEST((hs.s->type() == df::key_type::des));
    BOOST_TEST(hs.command("45").data == h("0F01"));
    create_app(hs, "020000", 0x0F, 0x02); // DES / 2K3DES keys
    create_app(hs, "030000", 0x0F, 0x42); // 3K3DES keys

    BOOST_TEST(hs.select_app("020000").st() == "00");
    BOOST_TEST(hx(hs.authenticate(des_zero, 0)) == "00");
    const auto k2 = key(df::key_type::tdes2, "00102031405060708090A0B0B0A09080");
    BOOST_TEST(hs.change_key(0x00, k2, nullptr).st() == "00");
    BOOST_TEST((se.desfire_application(0x000002)->keys[0].type == df::key_type::tdes2));
    BOOST_TEST(hx(hs.authenticate(des_zero, 0)) == "AE");
    BOOST_TEST(hx(hs.authenticate(k2, 0)) == "00");
    BOOST_TEST((hs.s->type() == df::key_type::tdes2));
    BOOST_TEST(hs.command("45").data == h("0F02"));
    BOOST_TEST(hs.command("6400").data == h("10")); // version in the LSBs: 00 10 20 31 ...
    // A 2K3DES key with equal halves goes back to DES.
    const auto kd = key(df::key_type::des, "0011223344556677");
    BOOST_TEST(hs.change_key(0x00, kd, nullptr).st() == "00");
    BOOST_TEST((se.desfire_application(0x000002)->keys[0].type == df::key_type::des));
    BOOST_TEST(hx(hs.authenticate(kd, 0)) == "00");
    BOOST_TEST(hs.command("45").st() == "00");

    BOOST_TEST(hs.select_app("030000").st() == "00");
    BOOST_TEST(hx(hs.authenticate(tdes3_zero, 0)) == "00");
    BOOST_TEST((hs.s->type() == df::key_type::tdes3));
    BOOST_TEST(hs.command("45").data == h("0F42"));
    const auto k3 = key(df::key_type::tdes3, "00102031405060708090A0B0B0A090807060504030201000");
    BOOST_TEST(hs.change_key(0x00, k3, nullptr).st() == "00");
    BOOST_TEST(hx(hs.authenticate(k3, 0)) == "00");
    BOOST_TEST(hs.command("6A").st() == "00"); // free listing from an application too
}

BOOST_AUTO_TEST_CASE(applications_create_list_delete) {
    rnd_source rnd;
    secure_element se = card(rnd);
    select(se);
    host hs{se};
    BOOST_TEST(hx(hs.authenticate(des_zero, 0)) == "00");
    BOOST_TEST(hs.command("CA563412"
                          "0F"
                          "81")
                   .st()
               == "00");
    BOOST_TEST(hs.command("CA010000"
                          "0B"
                          "A3"
                          "E110"
                          "D2760000850101")
                   .st()
               == "00");
    BOOST_TEST(hs.command("6A").data == h("563412010000"));
    BOOST_TEST(hs.command("CA563412"
                          "0F"
                          "81")
                   .st()
               == "DE"); // duplicate AID
    BOOST_TEST(!se.desfire()->authenticated_key.has_value());
    BOOST_TEST(hs.command("CA020000"
                          "0F"
                          "A1"
                          "E110")
                   .st()
               == "DE"); // duplicate ISO FID
    BOOST_TEST(hs.command("CA020000"
                          "0F"
                          "80")
                   .st()
               == "9E"); // no keys
    BOOST_TEST(hs.command("CA020000"
                          "0F"
                          "8F")
                   .st()
               == "9E"); // 15 keys
    BOOST_TEST(hs.command("CA020000"
                          "0F"
                          "C1")
                   .st()
               == "9E"); // crypto 11
    BOOST_TEST(hs.command("CA000000"
                          "0F"
                          "81")
                   .st()
               == "9E"); // AID 000000
    BOOST_TEST(hs.command("CA020000"
                          "0F")
                   .st()
               == "7E");
    BOOST_TEST(hs.command("CA020000"
                          "0F"
                          "81"
                          "0000")
                   .st()
               == "7E"); // FID without the ISO bit

    auto app = se.desfire_application(0x000001);
    BOOST_REQUIRE(app.has_value());
    BOOST_TEST(app->key_settings == 0x0B);
    BOOST_TEST(app->keys.size() == 3u);
    BOOST_TEST((app->iso_file_id == std::optional<std::uint16_t>(0x10E1)));
    BOOST_TEST(app->iso_df_name == h("D2760000850101"));

    // Deleting needs the PICC master key.
    BOOST_TEST(hs.command("DA563412").st() == "AE");
    BOOST_TEST(hx(hs.authenticate(des_zero, 0)) == "00");
    BOOST_TEST(hs.command("DA563412").st() == "00");
    BOOST_TEST(hs.command("DA563412").st() == "A0");
    BOOST_TEST(hx(hs.authenticate(des_zero, 0)) == "00");
    BOOST_TEST(hs.command("6A").data == h("010000"));
    BOOST_TEST(hs.select_app("563412").st() == "A0");

    // Fill the PICC: 28 applications, then 0E; the list comes in two frames.
    for (std::uint32_t aid = 0x10; se.desfire()->applications.size() < 28; ++aid) {
        const bytes create{'\xCA', static_cast<char>(aid), '\0', '\0', '\x0F', '\x01'};
        BOOST_REQUIRE_EQUAL(hs.command(create).st(), "00");
    }
    BOOST_TEST(hs.command("CA990000"
                          "0F"
                          "01")
                   .st()
               == "0E");
    BOOST_TEST(hx(hs.authenticate(des_zero, 0)) == "00");
    reply ids = hs.command("6A");
    BOOST_TEST(ids.st() == "00");
    BOOST_TEST(ids.data.size() == 28u * 3);
    BOOST_TEST(hs.frames.size() == 2u); // 19 AIDs, then 9 AIDs and the CMAC
    BOOST_TEST(hs.frames[0] == 57u);
    BOOST_TEST(ids.data.substr(0, 3) == h("010000"));
    hs.select_app("000000");
    reply plain = hs.command("6A"); // free listing, no session: no CMAC
    BOOST_TEST(plain.data == ids.data);
    BOOST_TEST(hs.frames.size() == 2u);

    // FormatPICC needs the PICC master key and removes every application.
    BOOST_TEST(hs.command("FC").st() == "AE");
    BOOST_TEST(hx(hs.authenticate(des_zero, 0)) == "00");
    BOOST_TEST(hs.command("FC").st() == "00");
    BOOST_TEST(se.desfire()->applications.empty());
    BOOST_TEST(hs.command("6E").data == h("002000")); // 8192 free
}

BOOST_AUTO_TEST_CASE(key_settings_are_enforced) {
    rnd_source rnd;
    secure_element se = card(rnd);
    select(se);
    host hs{se};
    // PICC settings 0F -> 09: no free listing, no CreateApplication without the master key.
    BOOST_TEST(hx(hs.authenticate(des_zero, 0)) == "00");
    BOOST_TEST(hs.enciphered("\x54", "\x09").st() == "00");
    BOOST_TEST(se.desfire()->picc_key_settings == 0x09);
    hs.select_app("000000"); // ends the session
    BOOST_TEST(send_hex(se, "90CA000005010000"
                            "0F"
                            "8200")
               == "91AE");
    BOOST_TEST(send_hex(se, "906A000000") == "91AE");
    BOOST_TEST(send_hex(se, "9045000000") == "91AE");
    BOOST_TEST(se.desfire()->applications.empty());
    BOOST_TEST(hx(hs.authenticate(des_zero, 0)) == "00");
    BOOST_TEST(hs.command("CA010000"
                          "F1"
                          "83")
                   .st()
               == "00"); // KS1 F1: other keys frozen
    BOOST_TEST(hs.command("CA020000"
                          "EF"
                          "82")
                   .st()
               == "00"); // keys change themselves
    BOOST_TEST(hs.command("6A").data == h("010000020000"));

    // Application 01 (KS1 F1): files need the master key, settings frozen, keys 1.. frozen.
    BOOST_TEST(hs.select_app("010000").st() == "00");
    BOOST_TEST(hs.command("CD01"
                          "00"
                          "EEEE"
                          "100000")
                   .st()
               == "AE");
    BOOST_TEST(hs.command("6F").st() == "AE");
    BOOST_TEST(hs.command("45").st() == "AE");
    BOOST_TEST(hx(hs.authenticate(aes_zero, 0)) == "00");
    BOOST_TEST(hs.command("45").data == h("F183"));
    BOOST_TEST(hs.command("CD01"
                          "00"
                          "EEEE"
                          "100000")
                   .st()
               == "00");
    BOOST_TEST(hs.command("6F").data == h("01"));
    BOOST_TEST(hs.enciphered("\x54", "\x0F").st() == "9D");
    BOOST_TEST(hx(hs.authenticate(aes_zero, 0)) == "00");
    const auto k = key(df::key_type::aes, "000102030405060708090A0B0C0D0E0F");
    BOOST_TEST(hs.change_key(0x01, k, &aes_zero).st() == "9D");
    BOOST_TEST(se.desfire_application(0x000001)->keys[1].value.view() == aes_zero.value.view());

    // Application 02 (KS1 EF): key 1 changes only with key 1.
    BOOST_TEST(hs.select_app("020000").st() == "00");
    BOOST_TEST(hx(hs.authenticate(aes_zero, 0)) == "00");
    BOOST_TEST(hs.change_key(0x01, k, &aes_zero).st() == "AE");
    BOOST_TEST(hx(hs.authenticate(aes_zero, 1)) == "00");
    BOOST_TEST(hs.change_key(0x01, k, nullptr).st() == "00");
    BOOST_TEST(hx(hs.authenticate(k, 1)) == "00");
    BOOST_TEST(hs.change_key(0x81, k, nullptr).st() == "9E"); // type flags only at PICC level
    // ChangeKey without a session.
    BOOST_TEST(send_hex(se, "90C4000011"
                            "00"
                            "000102030405060708090A0B0C0D0E0F"
                            "00")
               == "91AE");
    // Wrong ChangeKeySettings CRC: integrity error, nothing changes.
    BOOST_TEST(hx(hs.authenticate(aes_zero, 0)) == "00");
    auto ct = hs.s->encipher(h("5455"), "\x0F"); // CRC over another header
    BOOST_REQUIRE(ct);
    BOOST_TEST(hs.exchange("\x54" + *ct).st() == "1E");
    BOOST_TEST(se.desfire_application(0x000002)->key_settings == 0xEF);
}

BOOST_AUTO_TEST_CASE(change_key_of_another_key_and_of_the_picc_master_key) {
    rnd_source rnd;
    secure_element se = card(rnd);
    select(se);
    host hs{se};
    create_app(hs, "ABCDEF", 0x0F, 0x83);
    BOOST_TEST(hs.select_app("ABCDEF").st() == "00");
    BOOST_TEST(hx(hs.authenticate(aes_zero, 0)) == "00");
    const auto k2 = key(df::key_type::aes, "00102030405060708090A0B0B0A09080", 0x10);
    reply r = hs.change_key(0x02, k2, &aes_zero); // answer CMAC checked by the host
    BOOST_TEST(r.st() == "00");
    BOOST_TEST((se.desfire()->authenticated_key == std::optional<std::uint8_t>(0))); // session goes on
    BOOST_TEST(hs.command("6402").data == h("10"));
    BOOST_TEST(hs.command("6401").data == h("00"));
    // Wrong old key in the XOR: the CRC over the new key fails.
    const auto wrong_old = key(df::key_type::aes, "FF" + zero16.substr(2));
    BOOST_TEST(hs.change_key(0x01, k2, &wrong_old).st() == "1E");
    BOOST_TEST(se.desfire_application(0xEFCDAB)->keys[1].value.view() == aes_zero.value.view());
    BOOST_TEST(hx(hs.authenticate(aes_zero, 2)) == "AE");
    BOOST_TEST(hx(hs.authenticate(k2, 2)) == "00");
    BOOST_TEST(se.desfire_application(0xEFCDAB)->keys[2].version == 0x10);

    // PICC master key DES -> AES (flag 80): no CMAC, the session ends.
    BOOST_TEST(hs.select_app("000000").st() == "00");
    BOOST_TEST(hx(hs.authenticate(des_zero, 0)) == "00");
    const auto picc_aes = key(df::key_type::aes, "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF", 0x01);
    reply own = hs.change_key(0x80, picc_aes, nullptr);
    BOOST_TEST(own.st() == "00");
    BOOST_TEST(own.data.empty());
    BOOST_TEST(!se.desfire()->authenticated_key.has_value());
    BOOST_TEST((se.desfire()->picc_master_key.type == df::key_type::aes));
    BOOST_TEST(hx(hs.authenticate(des_zero, 0)) == "AE");
    BOOST_TEST(hx(hs.authenticate(picc_aes, 0)) == "00");
    BOOST_TEST(hs.command("45").data == h("0F81"));
    BOOST_TEST(hs.command("6400").data == h("01"));
    // And back to 3K3DES (flag 40).
    BOOST_TEST(hs.change_key(0x40, tdes3_zero, nullptr).st() == "00");
    BOOST_TEST(hx(hs.authenticate(tdes3_zero, 0)) == "00");
    BOOST_TEST(hs.command("45").data == h("0F41"));
}

BOOST_AUTO_TEST_CASE(data_files_in_every_communication_mode) {
    for (auto kt : {df::key_type::aes, df::key_type::tdes3, df::key_type::des}) {
        BOOST_TEST_CONTEXT("keys " << df::key_type_name(kt)) {
            rnd_source rnd;
            secure_element se = card(rnd);
            select(se);
            host hs{se};
            const auto k0 = kt == df::key_type::aes     ? aes_zero
                            : kt == df::key_type::tdes3 ? tdes3_zero
                                                        : des_zero;
            create_app(hs, "112233", 0x0F, static_cast<std::uint8_t>(df::crypto_bits(kt) | 0x03));
            BOOST_TEST(hs.select_app("112233").st() == "00");
            // 1: plain, read free, write key 1; 2: MACed, rw key 1; 3: enciphered, read 2 write 1.
            BOOST_TEST(hs.command("CD01"
                                  "00"
                                  "00E1"
                                  "200000")
                           .st()
                       == "00");
            BOOST_TEST(hs.command("CD02"
                                  "01"
                                  "10FF"
                                  "640000")
                           .st()
                       == "00");
            BOOST_TEST(hs.command("CD03"
                                  "03"
                                  "FF21"
                                  "460000")
                           .st()
                       == "00");
            BOOST_TEST(hs.command("CD03"
                                  "00"
                                  "EEEE"
                                  "010000")
                           .st()
                       == "DE");
            BOOST_TEST(hs.command("CD20"
                                  "00"
                                  "EEEE"
                                  "010000")
                           .st()
                       == "9E");
            BOOST_TEST(hs.command("6F").data == h("010203"));
            BOOST_TEST(hs.command("F502").data == h("000110FF640000"));
            BOOST_TEST(hs.command("F504").st() == "F0");

            bytes content;
            for (int i = 0; i < 100; ++i) {
                content.push_back(static_cast<char>(0xA0 + i));
            }
            // Without a session: free read of file 1 is plain; the rest needs keys.
            BOOST_TEST(hs.command("BD01000000000000").data == bytes(32, '\0'));
            BOOST_TEST(hs.command("3D01000000040000"
                                  "01020304")
                           .st()
                       == "AE");
            BOOST_TEST(hs.command("BD02000000000000").st() == "AE");

            BOOST_TEST(hx(hs.authenticate(k0, 1)) == "00");
            // Plain write with the session's CMAC (not sent), read back free with the answer CMAC.
            BOOST_TEST(hs.command("3D01040000040000"
                                  "01020304")
                           .st()
                       == "00");
            BOOST_TEST(hs.command("BD01030000060000").data == h("000102030400"));
            BOOST_TEST(hs.command("BD011F0000020000").st() == "BE"); // beyond the file
            BOOST_TEST(hx(hs.authenticate(k0, 1)) == "00");

            // MACed write of 100 bytes in two frames, read back in two answer frames.
            const bytes header2 = h("3D02000000640000");
            auto mac = hs.s->mac_command(header2 + content);
            BOOST_REQUIRE(mac);
            reply w = hs.exchange(header2 + content + *mac);
            hs.finish(w);
            BOOST_TEST(w.st() == "00");
            BOOST_TEST(se.desfire_application(0x332211)->files[1].data == content);
            reply rd = hs.command("BD02000000000000");
            BOOST_TEST(rd.data == content);
            BOOST_TEST(hs.frames.size() == 2u); // 108 bytes: 59 + 49
            BOOST_TEST(hs.frames[0] == 59u);
            // A tampered MAC: 1E, nothing written, session gone.
            const bytes header2b = h("3D02000000040000");
            auto mac2 = hs.s->mac_command(header2b + "WXYZ");
            BOOST_REQUIRE(mac2);
            bytes tampered = *mac2;
            tampered[0] = static_cast<char>(tampered[0] ^ 1);
            BOOST_TEST(hs.exchange(header2b + "WXYZ" + tampered).st() == "1E");
            BOOST_TEST(se.desfire_application(0x332211)->files[1].data == content);
            BOOST_TEST(!se.desfire()->authenticated_key.has_value());

            // Enciphered write (key 1) of 70 bytes, multi-frame; read needs key 2.
            BOOST_TEST(hx(hs.authenticate(k0, 1)) == "00");
            const bytes header3 = h("3D03000000460000");
            reply we = hs.enciphered(header3, std::string_view(content).substr(0, 70));
            BOOST_TEST(we.st() == "00");
            BOOST_TEST(se.desfire_application(0x332211)->files[2].data == content.substr(0, 70));
            BOOST_TEST(hs.command("BD03000000000000").st() == "AE"); // key 1 may not read it
            BOOST_TEST(hx(hs.authenticate(k0, 2)) == "00");
            BOOST_REQUIRE(hs.s->mac_command(h("BD03050000400000")));
            reply re = hs.exchange(h("BD03050000400000"));
            BOOST_TEST(re.st() == "00");
            BOOST_TEST(hs.frames.size() == 2u);
            auto plain = hs.s->decipher_response(re.data, 0x00, 0x40);
            BOOST_REQUIRE(plain);
            BOOST_TEST(*plain == content.substr(5, 0x40));
            BOOST_TEST(hs.command("3D03000000010000"
                                  "00")
                           .st()
                       == "AE"); // key 2 may not write
        }
    }
}

BOOST_AUTO_TEST_CASE(get_version_frames_and_aborted_exchanges) {
    rnd_source rnd;
    secure_element se = card(rnd);
    select(se);
    host hs{se};
    reply v = hs.command("60");
    BOOST_TEST(v.st() == "00");
    BOOST_TEST((hs.frames == (std::vector<std::size_t>{7, 7, 14})));
    BOOST_TEST(to_hex(v.data) == "04010101001A0504010101041A05045A3D72212C80BA4519E3201226");
    // In a session the CMAC rides on the third frame.
    BOOST_TEST(hx(hs.authenticate(des_zero, 0)) == "00");
    reply vm = hs.command("60");
    BOOST_TEST(vm.data == v.data);
    BOOST_TEST((hs.frames == (std::vector<std::size_t>{7, 7, 22})));
    // A new command while frames are pending: CA, and the session is gone.
    BOOST_TEST(send_hex(se, "9060000000") == "04010101001A0591AF");
    BOOST_TEST(send_hex(se, "906E000000") == "91CA");
    BOOST_TEST(!se.desfire()->authenticated_key.has_value());
    BOOST_TEST(send_hex(se, "906E000000") == "0020009100");
    // An authentication left half-way is abandoned by a new one.
    BOOST_TEST(send_hex(se, "901A0000010000").substr(16) == "91AF");
    BOOST_TEST(hx(hs.authenticate(des_zero, 0)) == "00");
    // GetCardUID comes enciphered.
    BOOST_REQUIRE(hs.s->mac_command("\x51"));
    reply uid = hs.exchange("\x51");
    BOOST_TEST(uid.st() == "00");
    auto u = hs.s->decipher_response(uid.data, 0x00, 7);
    BOOST_REQUIRE(u);
    BOOST_TEST(*u == h("045A3D72212C80"));
    // SELECT of another AID and back: PICC level, no session.
    BOOST_TEST(send_hex(se, "00A4040008A00000015100000000").substr(0, 2) == "6F");
    select(se);
    BOOST_TEST(!se.desfire()->authenticated_key.has_value());
    BOOST_TEST(send_hex(se, "9051000000") == "91AE");
}

BOOST_AUTO_TEST_CASE(reset_drops_the_session_and_keeps_the_applications) {
    rnd_source rnd;
    secure_element se = card(rnd);
    select(se);
    host hs{se};
    create_app(hs, "0A0B0C", 0x0F, 0x81);
    BOOST_TEST(hx(hs.authenticate(des_zero, 0)) == "00");
    se.reset();
    BOOST_TEST(se.selected() == h("A000000151000000"));
    BOOST_TEST(!se.desfire()->authenticated_key.has_value());
    BOOST_TEST(se.desfire()->applications.size() == 1u);
    BOOST_TEST(send_hex(se, "906A000000") == "6E00");
    select(se);
    BOOST_TEST(send_hex(se, "906A000000") == "0A0B0C9100");
}

// The TSM's own DESFire operations (tsm::core::desfire createApp / commands / deleteApp) against
// the emulation, as tsmd drives a `--card virtual` touch point.
BOOST_AUTO_TEST_CASE(core_desfire_operations_run_against_the_emulation) {
    rnd_source rnd;
    secure_element se = card(rnd);
    const df::card_context ctx{des_zero, 0, {}};
    df::create_app_request req;
    req.aid = 0xF1A2B3;
    req.key_settings = 0x0F;
    req.number_of_keys = 2;
    req.keys_type = df::key_type::aes;
    req.keys = {h("000102030405060708090A0B0C0D0E0F"), h("101112131415161718191A1B1C1D1E1F")};
    req.keys_version = 0x01;
    auto created = run(se, *df::make_create_app(ctx, req));
    BOOST_TEST(created.status_code == 200, created.error_code << " " << created.error_message);
    auto app = se.desfire_application(0xF1A2B3);
    BOOST_REQUIRE(app.has_value());
    BOOST_TEST(app->keys[0].value.view() == req.keys[0]);
    BOOST_TEST(app->keys[1].value.view() == req.keys[1]);
    BOOST_TEST(app->keys[1].version == 0x01);
    BOOST_TEST(!se.desfire()->authenticated_key.has_value()); // ChangeKey 0 came last
    auto dup = run(se, *df::make_create_app(ctx, req));
    BOOST_TEST(dup.error_code == "desfire-error");
    BOOST_TEST(dup.error_sw == "DE");

    bytes content;
    for (int i = 0; i < 70; ++i) {
        content.push_back(static_cast<char>(i));
    }
    df::commands_request cr;
    cr.aid = 0xF1A2B3;
    cr.commands = {h("CD01"
                     "00"
                     "EEEE"
                     "500000"),
                   h("3D01000000460000") + content, h("BD01000000000000"), h("60")};
    auto cmds = run(se, *df::make_commands(cr));
    BOOST_TEST(cmds.status_code == 200, cmds.error_code << " " << cmds.error_message);
    BOOST_REQUIRE_EQUAL(cmds.responses.size(), 4u);
    BOOST_TEST(to_hex(cmds.responses[2]) == to_hex(content + bytes(10, '\0')) + "9100");
    BOOST_TEST(cmds.responses[3].size() == 28u + 2);

    auto deleted = run(se, *df::make_delete_app(ctx, df::delete_app_request{0xF1A2B3}));
    BOOST_TEST(deleted.status_code == 200, deleted.error_code << " " << deleted.error_message);
    BOOST_TEST(!se.desfire_application(0xF1A2B3).has_value());
    auto again = run(se, *df::make_delete_app(ctx, df::delete_app_request{0xF1A2B3}));
    BOOST_TEST(again.error_sw == "A0");
    const df::card_context wrong{aes_zero, 0, {}};
    auto refused = run(se, *df::make_delete_app(wrong, df::delete_app_request{0xF1A2B3}));
    BOOST_TEST(refused.error_code == "authentication-failed");
}

BOOST_AUTO_TEST_SUITE_END()
