// DESFire operations driven against a scripted EV1 card written here (core tests must not link
// tools/sandbox_se). The card runs the card side of the core primitives: it authenticates with
// card_authentication, keeps its own CMAC chain with session (every plain command moves its IV,
// its answers carry mac_response), opens ChangeKey cryptograms with open_change_key, drops the
// authentication on every error, and checks frame sizes. A host chain that is off by one
// command fails the host's CMAC check; a wrong cryptogram fails with 1E.
#include "tsm/core/desfire/operations.hpp"
#include "tsm/core/desfire/authentication.hpp"
#include "tsm/core/desfire/secure_messaging.hpp"
#include "tsm/core/hex.hpp"

#include "desfire_vectors.hpp"
#include "hex_literal.hpp"

#include <boost/test/unit_test.hpp>

#include <deque>
#include <functional>
#include <map>
#include <optional>

using namespace tsm::core;
using namespace tsm::core::desfire;
namespace gp = tsm::core::gp;
using desfire_vectors::wrap_native;
using tsm::test::h;

namespace {

desfire_key make_key(key_type t, std::string_view hex, std::uint8_t version = 0) {
    auto k = gp::secret_key::from_hex(hex);
    BOOST_REQUIRE(k.has_value());
    return desfire_key{t, *k, version};
}

const std::string_view aes_picc = "00112233445566778899AABBCCDDEEFF";

std::uint8_t u8(char c) { return static_cast<std::uint8_t>(c); }

std::uint32_t le(std::string_view b) {
    std::uint32_t v = 0;
    for (std::size_t i = b.size(); i-- > 0;) {
        v = (v << 8) | u8(b[i]);
    }
    return v;
}

// ------------------------------------------------------------------------------ scripted card

struct card_app {
    std::uint8_t ks1 = 0;
    std::uint8_t ks2 = 0;
    bytes iso_fid;
    bytes df_name;
    std::vector<desfire_key> keys;
    std::map<std::uint8_t, bytes> files;
};

class fake_card {
public:
    desfire_key picc_key = make_key(key_type::aes, aes_picc);
    std::map<application_id, card_app> apps;
    /// How a ChangeKey in a crypto-00 application is read (the wire carries 16 bytes either way).
    key_type des_family_new_type = key_type::tdes2;
    /// 1-based index of the response CMAC to corrupt (0 = none).
    int corrupt_mac = 0;
    bool no_desfire = false;

    std::vector<bytes> natives;        ///< every native frame received (INS || data)
    std::vector<std::size_t> batches;  ///< size of each batch received

    std::vector<bytes> run(const apdu_batch& b) {
        batches.push_back(b.commands.size());
        std::vector<bytes> out;
        for (const auto& c : b.commands) {
            out.push_back(process(c));
        }
        return out;
    }

    bool sent(std::uint8_t ins) const {
        for (const auto& n : natives) {
            if (u8(n[0]) == ins) {
                return true;
            }
        }
        return false;
    }

private:
    bytes process(const bytes& apdu) {
        if (apdu == h("00A4040007D276000085010000")) {
            if (no_desfire) {
                return h("6A82");
            }
            reset_level(0);
            return h("9000");
        }
        if (apdu.size() < 5 || u8(apdu[0]) != 0x90 || apdu[2] != 0 || apdu[3] != 0) {
            return h("6E00");
        }
        bytes data;
        if (apdu.size() > 5) {
            const std::size_t lc = u8(apdu[4]);
            if (apdu.size() != 6 + lc || apdu.back() != 0) {
                return h("6700");
            }
            data = apdu.substr(5, lc);
        } else if (apdu[4] != 0) {
            return h("6700");
        }
        const std::uint8_t ins = u8(apdu[1]);
        natives.push_back(bytes(1, static_cast<char>(ins)) + data);
        if (data.size() > 59) {
            return fail(0x7E); // longer than one DESFire frame
        }
        if (ins == 0xAF) {
            return more(data);
        }
        pending_auth_.reset();
        receiving_.reset();
        sending_.clear();
        return command(ins, data);
    }

    bytes more(const bytes& data) {
        if (pending_auth_) {
            auto proof = pending_auth_->verify(data);
            auto established = pending_auth_->established();
            pending_auth_.reset();
            if (!proof || !established) {
                return fail(0xAE);
            }
            session_.emplace(*established);
            auth_key_no_ = pending_key_no_;
            return *proof + h("9100");
        }
        if (receiving_) {
            receiving_->data += data;
            if (receiving_->data.size() < receiving_->total) {
                return h("91AF");
            }
            auto r = std::move(*receiving_);
            receiving_.reset();
            return write_data(r.data);
        }
        if (!sending_.empty()) {
            return next_frame();
        }
        return fail(0x1C);
    }

    bytes command(std::uint8_t ins, const bytes& data) {
        const bytes native = bytes(1, static_cast<char>(ins)) + data;
        switch (ins) {
        case 0x5A: {
            if (data.size() != 3) {
                return fail(0x7E);
            }
            const application_id aid = le(data);
            if (aid != 0 && !apps.count(aid)) {
                return fail(0xA0);
            }
            reset_level(aid);
            return h("9100");
        }
        case 0xAA:
        case 0x1A: {
            session_.reset();
            if (data.size() != 1) {
                return fail(0x7E);
            }
            const std::uint8_t key_no = u8(data[0]);
            const desfire_key* key = nullptr;
            if (level_ == 0) {
                key = key_no == 0 ? &picc_key : nullptr;
            } else if (key_no < apps[level_].keys.size()) {
                key = &apps[level_].keys[key_no];
            }
            if (key == nullptr) {
                return fail(0x40);
            }
            if ((ins == 0xAA) != (key->type == key_type::aes)) {
                return fail(0xAE);
            }
            bytes rnd_b(challenge_length(key->type), '\0');
            for (std::size_t i = 0; i < rnd_b.size(); ++i) {
                rnd_b[i] = static_cast<char>(0xB0 + i + 16 * ++challenges_);
            }
            pending_auth_.emplace(*key, rnd_b);
            pending_key_no_ = key_no;
            auto ek = pending_auth_->challenge();
            BOOST_REQUIRE(ek.has_value());
            return *ek + h("91AF");
        }
        case 0xCA: return create_application(native, data);
        case 0xDA: {
            if (level_ != 0 || !session_) {
                return fail(0xAE);
            }
            BOOST_REQUIRE(session_->mac_command(native).has_value());
            if (data.size() != 3) {
                return fail(0x7E);
            }
            if (apps.erase(le(data)) == 0) {
                return fail(0xA0);
            }
            return ok_mac({});
        }
        case 0xC4: return change_key(data);
        case 0x60:
            sending_ = {h("04010101000F05"), h("04010101040F05"), h("04112233445566BA34999990521314")};
            return next_frame();
        case 0x6F: {
            if (level_ == 0) {
                return fail(0x1C);
            }
            bytes ids;
            for (const auto& [no, content] : apps[level_].files) {
                ids.push_back(static_cast<char>(no));
            }
            return ids + h("9100");
        }
        case 0xCD: {
            if (level_ == 0) {
                return fail(0x1C);
            }
            if (data.size() != 7) {
                return fail(0x7E);
            }
            auto& files = apps[level_].files;
            if (files.count(u8(data[0]))) {
                return fail(0xDE);
            }
            files[u8(data[0])] = bytes(le(std::string_view(data).substr(4, 3)), '\0');
            return h("9100");
        }
        case 0x3D: {
            if (data.size() < 7) {
                return fail(0x7E);
            }
            const std::size_t total = 7 + le(std::string_view(data).substr(4, 3));
            if (data.size() < total) {
                receiving_ = receiving{data, total};
                return h("91AF");
            }
            return write_data(data);
        }
        case 0xBD: {
            if (level_ == 0 || data.size() != 7) {
                return fail(0x7E);
            }
            auto it = apps[level_].files.find(u8(data[0]));
            if (it == apps[level_].files.end()) {
                return fail(0xF0);
            }
            const std::size_t offset = le(std::string_view(data).substr(1, 3));
            std::size_t length = le(std::string_view(data).substr(4, 3));
            if (length == 0 && offset <= it->second.size()) {
                length = it->second.size() - offset;
            }
            if (offset + length > it->second.size()) {
                return fail(0xBE);
            }
            const bytes content = it->second.substr(offset, length);
            for (std::size_t at = 0; at < content.size(); at += 59) {
                sending_.push_back(content.substr(at, 59));
            }
            if (sending_.empty()) {
                sending_.push_back({});
            }
            return next_frame();
        }
        default: return fail(0x1C);
        }
    }

    bytes create_application(const bytes& native, const bytes& data) {
        if (level_ != 0 || !session_) {
            return fail(0xAE);
        }
        BOOST_REQUIRE(session_->mac_command(native).has_value());
        if (data.size() < 5) {
            return fail(0x7E);
        }
        card_app app;
        app.ks1 = u8(data[3]);
        app.ks2 = u8(data[4]);
        std::size_t at = 5;
        if (app.ks2 & 0x20) {
            if (data.size() < 7) {
                return fail(0x7E);
            }
            app.iso_fid = data.substr(5, 2);
            app.df_name = data.substr(7);
            at = data.size();
        }
        if (at != data.size()) {
            return fail(0x7E);
        }
        const std::size_t n = app.ks2 & 0x0F;
        if (n < 1 || n > 14) {
            return fail(0x9E);
        }
        const key_type t = (app.ks2 & 0xC0) == 0x80   ? key_type::aes
                           : (app.ks2 & 0xC0) == 0x40 ? key_type::tdes3
                                                      : key_type::tdes2; // DES: the zero key, K|K
        for (std::size_t i = 0; i < n; ++i) {
            app.keys.push_back(desfire_key{t, *gp::secret_key::from_bytes(bytes(key_length(t), '\0')), 0});
        }
        const application_id aid = le(data.substr(0, 3));
        if (apps.count(aid)) {
            return fail(0xDE);
        }
        apps[aid] = std::move(app);
        return ok_mac({});
    }

    bytes change_key(const bytes& data) {
        if (level_ == 0 || !session_ || data.size() < 2) {
            return fail(0xAE);
        }
        card_app& app = apps[level_];
        const std::uint8_t key_no = u8(data[0]);
        if (key_no >= app.keys.size()) {
            return fail(0x40);
        }
        if ((app.ks1 >> 4) != 0 && key_no != auth_key_no_) {
            return fail(0x9D);
        }
        const key_type t = (app.ks2 & 0xC0) == 0x80   ? key_type::aes
                           : (app.ks2 & 0xC0) == 0x40 ? key_type::tdes3
                                                      : des_family_new_type;
        const bool same = key_no == auth_key_no_;
        std::uint8_t version = 0;
        auto key = session_->open_change_key(key_no, data.substr(1), t, same ? nullptr : &app.keys[key_no].value,
                                             &version);
        if (!key) {
            return fail(0x1E);
        }
        app.keys[key_no] = desfire_key{t, *key, version};
        if (same) {
            session_.reset(); // the authenticated key changed: no CMAC, session over
            return h("9100");
        }
        return ok_mac({});
    }

    bytes write_data(const bytes& data) {
        if (level_ == 0) {
            return fail(0x1C);
        }
        auto it = apps[level_].files.find(u8(data[0]));
        if (it == apps[level_].files.end()) {
            return fail(0xF0);
        }
        const std::size_t offset = le(std::string_view(data).substr(1, 3));
        const bytes content = data.substr(7);
        if (offset + content.size() > it->second.size()) {
            return fail(0xBE);
        }
        it->second.replace(offset, content.size(), content);
        return h("9100");
    }

    bytes next_frame() {
        bytes frame = sending_.front();
        sending_.pop_front();
        return frame + (sending_.empty() ? h("9100") : h("91AF"));
    }

    bytes ok_mac(const bytes& data) {
        BOOST_REQUIRE(session_.has_value());
        auto mac = session_->mac_response(data, 0x00);
        BOOST_REQUIRE(mac.has_value());
        if (++macs_ == corrupt_mac) {
            (*mac)[3] = static_cast<char>((*mac)[3] ^ 0x01);
        }
        return data + *mac + h("9100");
    }

    bytes fail(std::uint8_t status) {
        session_.reset(); // every error drops the authentication
        auth_key_no_ = -1;
        pending_auth_.reset();
        receiving_.reset();
        sending_.clear();
        return bytes{'\x91', static_cast<char>(status)};
    }

    void reset_level(application_id aid) {
        level_ = aid;
        session_.reset();
        auth_key_no_ = -1;
    }

    struct receiving {
        bytes data;
        std::size_t total;
    };

    application_id level_ = 0;
    std::optional<card_authentication> pending_auth_;
    std::uint8_t pending_key_no_ = 0;
    std::optional<session> session_;
    int auth_key_no_ = -1;
    std::optional<receiving> receiving_;
    std::deque<bytes> sending_;
    int challenges_ = 0;
    int macs_ = 0;
};

// -------------------------------------------------------------------------------------- runner

struct run_result {
    operation_outcome outcome;
    int rounds = 0;
};

using tamper_fn = std::function<void(int round, std::vector<bytes>& responses)>;

run_result run(operation& op, fake_card& card, const tamper_fn& tamper = {}) {
    run_result r;
    operation_step step = op.start();
    while (step.batch) {
        ++r.rounds;
        BOOST_REQUIRE(r.rounds < 100);
        BOOST_TEST(!step.batch->stop_on_error);
        auto responses = card.run(*step.batch);
        if (tamper) {
            tamper(r.rounds, responses);
        }
        step = op.on_responses(std::move(responses));
    }
    BOOST_REQUIRE(step.outcome.has_value());
    r.outcome = *step.outcome;
    return r;
}

card_context context_for(const desfire_key& picc) {
    card_context ctx;
    ctx.picc_master = picc;
    ctx.random = [n = 0](std::size_t len) mutable {
        bytes out(len, '\0');
        ++n;
        for (std::size_t i = 0; i < len; ++i) {
            out[i] = static_cast<char>(0xA0 + 7 * i + 13 * n);
        }
        return out;
    };
    return ctx;
}

create_app_request app_request(application_id aid, key_type t, std::uint8_t n) {
    create_app_request r;
    r.aid = aid;
    r.key_settings = 0x0F;
    r.number_of_keys = n;
    r.keys_type = t;
    return r;
}

bytes distinct_key(key_type t, std::size_t i) {
    bytes k(key_length(t), '\0');
    for (std::size_t j = 0; j < k.size(); ++j) {
        k[j] = static_cast<char>(0x10 * (i + 1) + j * 3 + 1);
    }
    return k;
}

/// Runs an ISO/AES authentication against the card's APDU interface with the host primitives.
bool authenticates(fake_card& card, application_id aid, std::uint8_t key_no, const desfire_key& key) {
    host_authentication host(key, key_no, bytes(challenge_length(key.type), '\x5C'));
    const bytes select_app{'\x5A', static_cast<char>(aid), static_cast<char>(aid >> 8), static_cast<char>(aid >> 16)};
    auto first = card.run(apdu_batch{{h("00A4040007D276000085010000"), wrap_native(select_app), wrap_native(host.command())}, false});
    const bytes& challenge = first[2];
    if (challenge.size() < 2 || challenge.substr(challenge.size() - 2) != h("91AF")) {
        return false;
    }
    auto token = host.answer(challenge.substr(0, challenge.size() - 2));
    if (!token) {
        return false;
    }
    auto second = card.run(apdu_batch{{wrap_native(*token)}, false});
    const bytes& proof = second[0];
    if (proof.size() < 2 || proof.substr(proof.size() - 2) != h("9100")) {
        return false;
    }
    return host.finish(proof.substr(0, proof.size() - 2)).has_value();
}

void require_success(const run_result& r) {
    BOOST_TEST_INFO(r.outcome.error_code << ": " << r.outcome.error_message << " (" << r.outcome.error_command << " "
                                         << r.outcome.error_sw << ")");
    BOOST_REQUIRE(r.outcome.status_code == 200);
}

} // namespace

BOOST_AUTO_TEST_SUITE(desfire_operations)

BOOST_AUTO_TEST_CASE(create_app_without_keys_takes_three_round_trips) {
    fake_card card;
    auto req = app_request(0xF1A2B3, key_type::aes, 2);
    req.iso_file_id = 0xE110;
    req.iso_df_name = h("D2760000850101");
    auto op = make_create_app(context_for(card.picc_key), req);
    const auto r = run(*op, card);
    require_success(r);
    BOOST_TEST(r.rounds == 3);
    BOOST_TEST((card.batches == std::vector<std::size_t>{3, 1, 1}));
    BOOST_TEST(r.outcome.responses.empty());
    BOOST_REQUIRE(card.apps.count(0xF1A2B3));
    const auto& app = card.apps[0xF1A2B3];
    BOOST_TEST(app.ks1 == 0x0F);
    BOOST_TEST(app.ks2 == 0xA2); // AES | ISO file id | 2 keys
    BOOST_TEST(to_hex(app.iso_fid) == "10E1");
    BOOST_TEST(to_hex(app.df_name) == "D2760000850101");
    // Native commands as the card saw them: AID and ISO FID LSB first.
    BOOST_TEST(to_hex(card.natives[0]) == "5A000000");
    BOOST_TEST(to_hex(card.natives[1]) == "AA00");
    BOOST_TEST(to_hex(card.natives[3]) == "CAB3A2F10FA210E1D2760000850101");
}

BOOST_AUTO_TEST_CASE(create_app_with_aes_keys_sets_them_in_five_round_trips) {
    fake_card card;
    auto req = app_request(0x00DE16, key_type::aes, 2);
    req.keys = {distinct_key(key_type::aes, 0), distinct_key(key_type::aes, 1)};
    req.keys_version = 0x17;
    auto op = make_create_app(context_for(card.picc_key), req);
    const auto r = run(*op, card);
    require_success(r);
    BOOST_TEST(r.rounds == 5);
    BOOST_TEST((card.batches == std::vector<std::size_t>{3, 1, 3, 1, 2}));
    const auto& app = card.apps.at(0x00DE16);
    BOOST_TEST(app.ks2 == 0x82);
    for (std::size_t i = 0; i < 2; ++i) {
        BOOST_TEST((app.keys[i].type == key_type::aes));
        BOOST_TEST(to_hex(app.keys[i].value.view()) == to_hex(req.keys[i]));
        BOOST_TEST(app.keys[i].version == 0x17);
    }
    // Key 1 first (needs key 0's session), key 0 last.
    BOOST_TEST(to_hex(card.natives[card.natives.size() - 2].substr(0, 2)) == "C401");
    BOOST_TEST(to_hex(card.natives.back().substr(0, 2)) == "C400");

    // The card now authenticates both new keys, and no longer the default key.
    BOOST_TEST(authenticates(card, 0x00DE16, 1, desfire_key{key_type::aes, *gp::secret_key::from_bytes(req.keys[1]), 0}));
    BOOST_TEST(authenticates(card, 0x00DE16, 0, desfire_key{key_type::aes, *gp::secret_key::from_bytes(req.keys[0]), 0}));
    BOOST_TEST(!authenticates(card, 0x00DE16, 0, desfire_key{key_type::aes, *gp::secret_key::from_bytes(bytes(16, '\0')), 0}));
}

BOOST_AUTO_TEST_CASE(create_app_with_3k3des_keys) {
    fake_card card;
    auto req = app_request(0x00DE24, key_type::tdes3, 3);
    for (std::size_t i = 0; i < 3; ++i) {
        req.keys.push_back(distinct_key(key_type::tdes3, i));
    }
    auto op = make_create_app(context_for(card.picc_key), req);
    const auto r = run(*op, card);
    require_success(r);
    BOOST_TEST(r.rounds == 5);
    const auto& app = card.apps.at(0x00DE24);
    BOOST_TEST(app.ks2 == 0x43);
    BOOST_TEST(to_hex(card.natives[5]) == "1A00"); // ISO authentication with the default key
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST((app.keys[i].type == key_type::tdes3));
        BOOST_TEST(to_hex(app.keys[i].value.view()) == to_hex(req.keys[i]));
    }
    for (std::uint8_t i = 0; i < 3; ++i) {
        BOOST_TEST(authenticates(card, 0x00DE24, i, desfire_key{key_type::tdes3, *gp::secret_key::from_bytes(req.keys[i]), 0}));
    }
}

BOOST_AUTO_TEST_CASE(create_app_with_2k3des_and_des_keys) {
    {
        fake_card card;
        card.des_family_new_type = key_type::tdes2;
        auto req = app_request(0x00DE16, key_type::tdes2, 2);
        req.keys = {distinct_key(key_type::tdes2, 0), distinct_key(key_type::tdes2, 1)};
        auto op = make_create_app(context_for(card.picc_key), req);
        const auto r = run(*op, card);
        require_success(r);
        BOOST_TEST(r.rounds == 5);
        const auto& app = card.apps.at(0x00DE16);
        BOOST_TEST(app.ks2 == 0x02);
        for (std::size_t i = 0; i < 2; ++i) {
            BOOST_TEST(to_hex(app.keys[i].value.view()) == to_hex(req.keys[i]));
        }
        BOOST_TEST(authenticates(card, 0x00DE16, 1, desfire_key{key_type::tdes2, *gp::secret_key::from_bytes(req.keys[1]), 0}));
    }
    {
        fake_card card;
        card.des_family_new_type = key_type::des;
        auto req = app_request(0x00DE17, key_type::des, 2);
        req.keys = {h("0102030405060708"), h("1112131415161718")};
        auto op = make_create_app(context_for(card.picc_key), req);
        const auto r = run(*op, card);
        require_success(r);
        const auto& app = card.apps.at(0x00DE17);
        BOOST_TEST(app.ks2 == 0x02);
        for (std::size_t i = 0; i < 2; ++i) {
            BOOST_TEST((app.keys[i].type == key_type::des));
            BOOST_TEST(to_hex(app.keys[i].value.view()) == to_hex(req.keys[i]));
        }
        BOOST_TEST(authenticates(card, 0x00DE17, 0, desfire_key{key_type::des, *gp::secret_key::from_bytes(req.keys[0]), 0}));
    }
}

BOOST_AUTO_TEST_CASE(picc_master_key_of_every_type) {
    const std::vector<std::pair<desfire_key, std::string>> keys = {
        {make_key(key_type::des, "0011223344556677"), "1A"},
        {make_key(key_type::des, "0000000000000000"), "1A"}, // the factory key
        {make_key(key_type::tdes2, "00112233445566778899AABBCCDDEEFF"), "1A"},
        {make_key(key_type::tdes3, "00112233445566778899AABBCCDDEEFF0123456789ABCDEF"), "1A"},
        {make_key(key_type::aes, aes_picc), "AA"},
    };
    for (const auto& [key, ins] : keys) {
        BOOST_TEST_INFO(key_type_name(key.type) << " " << to_hex(key.value.view()));
        fake_card card;
        card.picc_key = key;
        auto req = app_request(0x123456, key_type::aes, 1);
        req.keys = {distinct_key(key_type::aes, 4)};
        auto op = make_create_app(context_for(key), req);
        const auto r = run(*op, card);
        require_success(r);
        BOOST_TEST(to_hex(card.natives[1].substr(0, 1)) == ins);
        BOOST_TEST(card.apps.count(0x123456) == 1u);

        auto del = make_delete_app(context_for(key), delete_app_request{0x123456});
        const auto d = run(*del, card);
        require_success(d);
        BOOST_TEST(d.rounds == 3);
        BOOST_TEST(card.apps.count(0x123456) == 0u);
    }
}

BOOST_AUTO_TEST_CASE(wrong_picc_key_fails_authentication_and_sends_nothing_more) {
    fake_card card;
    auto ctx = context_for(make_key(key_type::aes, "FFEEDDCCBBAA99887766554433221100"));
    auto op = make_create_app(std::move(ctx), app_request(0x00DE16, key_type::aes, 1));
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.status_code == 500);
    BOOST_TEST(r.outcome.error_code == "authentication-failed");
    BOOST_TEST(r.rounds == 2);
    BOOST_TEST(!card.sent(0xCA));
    BOOST_TEST(card.apps.empty());

    // A key of the wrong type: the card refuses the Authenticate itself (AE).
    fake_card card2;
    auto op2 = make_create_app(context_for(make_key(key_type::des, "0000000000000000")),
                               app_request(0x00DE16, key_type::aes, 1));
    const auto r2 = run(*op2, card2);
    BOOST_TEST(r2.outcome.error_code == "authentication-failed");
    BOOST_TEST(r2.rounds == 1);
    BOOST_TEST(!card2.sent(0xCA));

    // deleteApp likewise.
    fake_card card3;
    card3.apps[0x00DE16] = card_app{};
    auto del = make_delete_app(context_for(make_key(key_type::aes, "FFEEDDCCBBAA99887766554433221100")),
                               delete_app_request{0x00DE16});
    const auto d = run(*del, card3);
    BOOST_TEST(d.outcome.error_code == "authentication-failed");
    BOOST_TEST(!card3.sent(0xDA));
    BOOST_TEST(card3.apps.count(0x00DE16) == 1u);
}

BOOST_AUTO_TEST_CASE(duplicate_application_is_a_desfire_error_naming_create_application) {
    for (bool with_keys : {false, true}) {
        fake_card card;
        card.apps[0x00DE16] = card_app{};
        auto req = app_request(0x00DE16, key_type::aes, 1);
        if (with_keys) {
            req.keys = {distinct_key(key_type::aes, 0)};
        }
        auto op = make_create_app(context_for(card.picc_key), req);
        const auto r = run(*op, card);
        BOOST_TEST(r.outcome.status_code == 500);
        BOOST_TEST(r.outcome.error_code == "desfire-error");
        BOOST_TEST(r.outcome.error_command == "CreateApplication");
        BOOST_TEST(r.outcome.error_sw == "DE");
        BOOST_TEST(r.outcome.error_message == "duplicate application");
        BOOST_TEST(r.rounds == 3);
        BOOST_TEST(!card.sent(0xC4));
    }
}

BOOST_AUTO_TEST_CASE(commands_follow_frames_in_both_directions) {
    fake_card card;
    card.apps[0x00DE16] = card_app{};
    const bytes payload = [] {
        bytes p;
        for (int i = 0; i < 150; ++i) {
            p.push_back(static_cast<char>(i));
        }
        return p;
    }();
    commands_request req;
    req.aid = 0x00DE16;
    req.commands = {
        h("CD010000EEEE960000"),                  // CreateStdDataFile 1, 150 bytes
        h("3D01000000960000") + payload,          // WriteData: 158 bytes -> 3 frames
        h("BD01000000000000"),                    // ReadData all: 150 bytes -> 3 answer frames
        h("60"),                                  // GetVersion: 3 answer frames, asked up front
        h("6F"),                                  // GetFileIDs
    };
    // CreateStdDataFile needs 7 data bytes: file, comm, access rights (2), size (3).
    req.commands[0] = h("CD0100EEEE960000");
    auto op = make_commands(req);
    const auto r = run(*op, card);
    require_success(r);
    BOOST_REQUIRE(r.outcome.responses.size() == 5u);
    BOOST_TEST(to_hex(r.outcome.responses[0]) == "9100");
    BOOST_TEST(to_hex(r.outcome.responses[1]) == "9100");
    BOOST_TEST(to_hex(r.outcome.responses[2]) == to_hex(payload + h("9100")));
    BOOST_TEST(to_hex(r.outcome.responses[3]) ==
               "04010101000F0504010101040F0504112233445566BA349999905213149100");
    BOOST_TEST(to_hex(r.outcome.responses[4]) == "019100");
    BOOST_TEST(card.apps[0x00DE16].files[1] == payload);
    // Round trips: [SELECT, 5A, CD] [3D x3, BD] [AF] [AF] [60, AF, AF, 6F].
    BOOST_TEST(r.rounds == 5);
    BOOST_TEST((card.batches == std::vector<std::size_t>{3, 4, 1, 1, 4}));
    // The write went out as 55-byte native frames and continuations.
    BOOST_TEST(card.natives[2].size() == 55u);
    BOOST_TEST(u8(card.natives[3][0]) == 0xAF);
    BOOST_TEST(card.natives[3].size() == 55u);
    BOOST_TEST(card.natives[4].size() == 1u + 158u - 55u - 54u);
}

BOOST_AUTO_TEST_CASE(commands_reads_ride_along_and_an_error_stops_the_writes) {
    fake_card card;
    card.apps[0x00DE16] = card_app{};
    card.apps[0x00DE16].files[1] = bytes(4, '\x11');
    commands_request req;
    req.aid = 0x00DE16;
    req.commands = {h("6F"), h("BD01000000040000"), h("CD0100EEEE100000"), h("CD0200EEEE100000")};
    auto op = make_commands(req);
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.status_code == 500);
    BOOST_TEST(r.outcome.error_code == "desfire-error");
    BOOST_TEST(r.outcome.error_command == "CreateStdDataFile");
    BOOST_TEST(r.outcome.error_sw == "DE");
    BOOST_TEST(r.outcome.error_message == "duplicate application");
    BOOST_REQUIRE(r.outcome.responses.size() == 3u);
    BOOST_TEST(to_hex(r.outcome.responses[0]) == "019100");
    BOOST_TEST(to_hex(r.outcome.responses[1]) == "111111119100");
    BOOST_TEST(to_hex(r.outcome.responses[2]) == "91DE");
    BOOST_TEST(r.rounds == 2); // [SELECT, 5A, 6F, BD] [CD 1]
    BOOST_TEST(card.apps[0x00DE16].files.count(2) == 0u);

    // A missing application: nothing after SelectApplication counts.
    fake_card empty;
    auto op2 = make_commands(commands_request{0x00AB12, {h("6F")}});
    const auto r2 = run(*op2, empty);
    BOOST_TEST(r2.outcome.error_code == "desfire-error");
    BOOST_TEST(r2.outcome.error_command == "SelectApplication");
    BOOST_TEST(r2.outcome.error_sw == "A0");
    BOOST_TEST(r2.outcome.error_message == "application not found");

    // Not a DESFire card.
    fake_card other;
    other.no_desfire = true;
    auto op3 = make_commands(commands_request{0x00DE16, {h("6F")}});
    const auto r3 = run(*op3, other);
    BOOST_TEST(r3.outcome.error_code == "card-error");
    BOOST_TEST(r3.outcome.error_command == "SELECT");
    BOOST_TEST(r3.outcome.error_sw == "6A82");
}

BOOST_AUTO_TEST_CASE(commands_one_write_per_round_trip) {
    fake_card card;
    card.apps[0x00DE16] = card_app{};
    commands_request req;
    req.aid = 0x00DE16;
    req.commands = {h("CD0100EEEE100000"), h("CD0200EEEE100000"), h("6F")};
    auto op = make_commands(req);
    const auto r = run(*op, card);
    require_success(r);
    BOOST_TEST((card.batches == std::vector<std::size_t>{3, 2}));
    BOOST_TEST(to_hex(r.outcome.responses[2]) == "01029100");
}

BOOST_AUTO_TEST_CASE(commands_answer_without_end_is_cut_off) {
    fake_card card;
    card.apps[0x00DE16] = card_app{};
    auto op = make_commands(commands_request{0x00DE16, {h("BD01000000000000")}});
    int rounds = 0;
    operation_step step = op->start();
    while (step.batch && ++rounds < 5000) {
        std::vector<bytes> answers(step.batch->commands.size(), h("9100"));
        if (rounds == 1) {
            answers[0] = h("9000"); // SELECT
        }
        answers.back() = h("91AF"); // the read never ends, without data
        step = op->on_responses(std::move(answers));
    }
    BOOST_REQUIRE(step.outcome.has_value());
    BOOST_TEST(step.outcome->error_code == "desfire-error");
    BOOST_TEST(step.outcome->error_command == "ReadData");
    BOOST_TEST(step.outcome->error_sw == "AF");
}

BOOST_AUTO_TEST_CASE(delete_app_and_missing_application) {
    fake_card card;
    card.apps[0x00DE16] = card_app{};
    auto op = make_delete_app(context_for(card.picc_key), delete_app_request{0x00DE16});
    const auto r = run(*op, card);
    require_success(r);
    BOOST_TEST(r.rounds == 3);
    BOOST_TEST((card.batches == std::vector<std::size_t>{3, 1, 1}));
    BOOST_TEST(card.apps.empty());
    BOOST_TEST(to_hex(card.natives.back()) == "DA16DE00");

    auto again = make_delete_app(context_for(card.picc_key), delete_app_request{0x00DE16});
    const auto r2 = run(*again, card);
    BOOST_TEST(r2.outcome.error_code == "desfire-error");
    BOOST_TEST(r2.outcome.error_command == "DeleteApplication");
    BOOST_TEST(r2.outcome.error_sw == "A0");
    BOOST_TEST(r2.outcome.error_message == "application not found");
}

BOOST_AUTO_TEST_CASE(tampered_response_cmac_is_a_secure_messaging_error) {
    // 1 = CreateApplication's CMAC, 2 = ChangeKey 1's.
    for (int which : {1, 2}) {
        fake_card card;
        card.corrupt_mac = which;
        auto req = app_request(0x00DE16, key_type::aes, 2);
        req.keys = {distinct_key(key_type::aes, 0), distinct_key(key_type::aes, 1)};
        auto op = make_create_app(context_for(card.picc_key), req);
        const auto r = run(*op, card);
        BOOST_TEST(r.outcome.status_code == 500);
        BOOST_TEST(r.outcome.error_code == "secure-messaging-error");
        BOOST_TEST(r.outcome.error_message.find(which == 1 ? "CreateApplication" : "ChangeKey (key 1)") !=
                   std::string::npos);
    }
    fake_card card;
    card.apps[0x00DE16] = card_app{};
    card.corrupt_mac = 1;
    auto del = make_delete_app(context_for(card.picc_key), delete_app_request{0x00DE16});
    BOOST_TEST(run(*del, card).outcome.error_code == "secure-messaging-error");

    // A response with its CMAC cut off.
    fake_card cut;
    auto op = make_create_app(context_for(cut.picc_key), app_request(0x00DE16, key_type::aes, 1));
    const auto r = run(*op, cut, [](int round, std::vector<bytes>& responses) {
        if (round == 3) {
            responses[0] = h("9100");
        }
    });
    BOOST_TEST(r.outcome.error_code == "secure-messaging-error");
}

BOOST_AUTO_TEST_CASE(missing_responses_are_a_touch_point_error) {
    for (int round : {1, 2, 3, 5}) {
        fake_card card;
        auto req = app_request(0x00DE16, key_type::aes, 2);
        req.keys = {distinct_key(key_type::aes, 0), distinct_key(key_type::aes, 1)};
        auto op = make_create_app(context_for(card.picc_key), req);
        const auto r = run(*op, card, [round](int n, std::vector<bytes>& responses) {
            if (n == round) {
                responses.pop_back();
            }
        });
        BOOST_TEST_INFO("round " << round);
        BOOST_TEST(r.outcome.error_code == "touch-point-error");
        BOOST_TEST(r.outcome.status_code == 500);
        BOOST_TEST(r.rounds == round);
    }
    fake_card card;
    card.apps[0x00DE16] = card_app{};
    auto op = make_commands(commands_request{0x00DE16, {h("6F"), h("60")}});
    const auto r = run(*op, card, [](int, std::vector<bytes>& responses) { responses.clear(); });
    BOOST_TEST(r.outcome.error_code == "touch-point-error");
}

BOOST_AUTO_TEST_CASE(invalid_requests_are_refused_before_anything_is_sent) {
    fake_card card;
    auto op = make_create_app(context_for(card.picc_key), app_request(0, key_type::aes, 1));
    auto step = op->start();
    BOOST_REQUIRE(step.outcome.has_value());
    BOOST_TEST(step.outcome->status_code == 400);
    BOOST_TEST(step.outcome->error_code == "bad-request");

    auto ctx = context_for(card.picc_key);
    ctx.picc_master.type = key_type::tdes3; // 16 bytes given for a 24-byte key
    auto op2 = make_create_app(std::move(ctx), app_request(0x00DE16, key_type::aes, 1));
    auto step2 = op2->start();
    BOOST_REQUIRE(step2.outcome.has_value());
    BOOST_TEST(step2.outcome->status_code == 400);

    auto op3 = make_commands(commands_request{0x00DE16, {h("5A000000")}});
    auto step3 = op3->start();
    BOOST_REQUIRE(step3.outcome.has_value());
    BOOST_TEST(step3.outcome->error_code == "bad-request");

    auto op4 = make_delete_app(context_for(card.picc_key), delete_app_request{0x1000000});
    BOOST_TEST(op4->start().outcome.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
