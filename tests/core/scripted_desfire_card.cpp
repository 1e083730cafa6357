#include "scripted_desfire_card.hpp"

#include <boost/test/unit_test.hpp>

namespace scripted_desfire_card {

namespace {

std::uint32_t le(std::string_view b) {
    std::uint32_t v = 0;
    for (std::size_t i = b.size(); i-- > 0;) {
        v = (v << 8) | u8(b[i]);
    }
    return v;
}

} // namespace

desfire_key make_key(key_type t, std::string_view hex, std::uint8_t version) {
    auto k = gp::secret_key::from_hex(hex);
    BOOST_REQUIRE(k.has_value());
    return desfire_key{t, *k, version};
}

std::vector<bytes> fake_card::run(const apdu_batch& b) {
    batches.push_back(b.commands.size());
    std::vector<bytes> out;
    for (const auto& c : b.commands) {
        out.push_back(process(c));
    }
    return out;
}

bool fake_card::sent(std::uint8_t ins) const {
    for (const auto& n : natives) {
        if (u8(n[0]) == ins) {
            return true;
        }
    }
    return false;
}

bytes fake_card::process(const bytes& apdu) {
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

bytes fake_card::more(const bytes& data) {
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

bytes fake_card::command(std::uint8_t ins, const bytes& data) {
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

bytes fake_card::create_application(const bytes& native, const bytes& data) {
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

bytes fake_card::change_key(const bytes& data) {
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

bytes fake_card::write_data(const bytes& data) {
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

bytes fake_card::next_frame() {
    bytes frame = sending_.front();
    sending_.pop_front();
    return frame + (sending_.empty() ? h("9100") : h("91AF"));
}

bytes fake_card::ok_mac(const bytes& data) {
    BOOST_REQUIRE(session_.has_value());
    auto mac = session_->mac_response(data, 0x00);
    BOOST_REQUIRE(mac.has_value());
    if (++macs_ == corrupt_mac) {
        (*mac)[3] = static_cast<char>((*mac)[3] ^ 0x01);
    }
    return data + *mac + h("9100");
}

bytes fake_card::fail(std::uint8_t status) {
    session_.reset(); // every error drops the authentication
    auth_key_no_ = -1;
    pending_auth_.reset();
    receiving_.reset();
    sending_.clear();
    return bytes{'\x91', static_cast<char>(status)};
}

void fake_card::reset_level(application_id aid) {
    level_ = aid;
    session_.reset();
    auth_key_no_ = -1;
}

run_result run(operation& op, fake_card& card, const tamper_fn& tamper) {
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

bool authenticates(fake_card& card, application_id aid, std::uint8_t key_no, const desfire_key& key) {
    host_authentication host(key, key_no, bytes(challenge_length(key.type), '\x5C'));
    const bytes select_app{'\x5A', static_cast<char>(aid), static_cast<char>(aid >> 8),
                           static_cast<char>(aid >> 16)};
    auto first = card.run(apdu_batch{
        {h("00A4040007D276000085010000"), wrap_native(select_app), wrap_native(host.command())}, false, {}});
    const bytes& challenge = first[2];
    if (challenge.size() < 2 || challenge.substr(challenge.size() - 2) != h("91AF")) {
        return false;
    }
    auto token = host.answer(challenge.substr(0, challenge.size() - 2));
    if (!token) {
        return false;
    }
    auto second = card.run(apdu_batch{{wrap_native(*token)}, false, {}});
    const bytes& proof = second[0];
    if (proof.size() < 2 || proof.substr(proof.size() - 2) != h("9100")) {
        return false;
    }
    return host.finish(proof.substr(0, proof.size() - 2)).has_value();
}

void require_success(const run_result& r) {
    BOOST_TEST_INFO(r.outcome.error_code << ": " << r.outcome.error_message << " (" << r.outcome.error_command
                                         << " " << r.outcome.error_sw << ")");
    BOOST_REQUIRE(r.outcome.status_code == 200);
}

} // namespace scripted_desfire_card
