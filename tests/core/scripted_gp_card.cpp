#include "scripted_gp_card.hpp"

#include "tsm/core/batch_parts.hpp"
#include "tsm/core/gp/crypto.hpp"
#include "tsm/core/gp/scp02.hpp"
#include "tsm/core/gp/scp03.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

namespace scripted_gp_card {

namespace {

std::uint16_t sw_of(std::string_view r) {
    return static_cast<std::uint16_t>((static_cast<unsigned char>(r[r.size() - 2]) << 8)
                                      | static_cast<unsigned char>(r[r.size() - 1]));
}

} // namespace

gp::static_keys keys_from(std::string_view hex) {
    gp::static_keys k;
    k.enc = *gp::secret_key::from_hex(hex);
    k.mac = *gp::secret_key::from_hex(hex);
    k.dek = *gp::secret_key::from_hex(hex);
    return k;
}

cap::cap_file load_cap(std::string_view name) {
    std::ifstream in(std::string(TSM_TEST_DATA_DIR) + "/cap/" + std::string(name), std::ios::binary);
    BOOST_REQUIRE(in.good());
    std::ostringstream ss;
    ss << in.rdbuf();
    auto parsed = cap::parse_cap(ss.str());
    BOOST_REQUIRE(parsed.ok());
    return std::move(parsed).value();
}

bytes fake_card::transmit(const bytes& raw) {
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

bytes fake_card::select(const gp::command_apdu& a) {
    authenticated_ = false;
    if (a.data == isd_aid) {
        return fci + h("9000");
    }
    return h("6A82");
}

bytes fake_card::initialize_update(const gp::command_apdu& a) {
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

bytes fake_card::external_authenticate(const gp::command_apdu& a) {
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

bytes fake_card::counter_block(std::uint32_t c, bool response) {
    bytes b(16, '\0');
    b[0] = response ? '\x80' : '\0';
    for (int i = 0; i < 4; ++i) {
        b[15 - i] = static_cast<char>((c >> (8 * i)) & 0xFF);
    }
    return b;
}

std::optional<gp::command_apdu> fake_card::unwrap(gp::command_apdu a) {
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

bytes fake_card::wrap_response(const bytes& r) {
    const std::uint16_t sw = sw_of(r);
    const bool success = sw == 0x9000 || (sw >> 8) == 0x62 || (sw >> 8) == 0x63;
    if (protocol != scp_protocol::scp03 || !(level_ & 0x10) || !success) {
        return r;
    }
    bytes data = r.substr(0, r.size() - 2);
    const bytes swb = r.substr(r.size() - 2);
    if ((level_ & 0x20) && !data.empty()) {
        // R-ENC: ICV = AES(S-ENC, 80 00.. counter), the data padded 80 and AES-CBC encrypted.
        auto icv = gp::aes_ecb_encrypt(s_enc_, counter_block(counter_, true));
        data = *gp::aes_cbc_encrypt(s_enc_, *icv, gp::pad80(data, 16));
    }
    auto m = gp::aes_cmac(s_rmac_, mcv_ + data + swb);
    bytes rmac = m->substr(0, 8);
    if (corrupt_rmac) {
        rmac[0] ^= 1;
    }
    return data + rmac + swb;
}

bool fake_card::read_lv(std::string_view& in, bytes& out) {
    if (in.empty() || static_cast<unsigned char>(in[0]) + 1u > in.size()) {
        return false;
    }
    const std::size_t n = static_cast<unsigned char>(in[0]);
    out = bytes(in.substr(1, n));
    in.remove_prefix(1 + n);
    return true;
}

bytes fake_card::process(const gp::command_apdu& a) {
    std::string_view in(a.data);
    switch (a.ins) {
    case 0xE6: { // INSTALL
        if (a.p1 == 0x02) {
            bytes elf, sd;
            if (!read_lv(in, elf) || !read_lv(in, sd)) {
                return h("6A80");
            }
            if (load_files.count(elf)) {
                return bytes{static_cast<char>(already_loaded_sw >> 8),
                             static_cast<char>(already_loaded_sw & 0xFF)};
            }
            loading_elf_ = elf;
            load_buffer_.clear();
            next_block_ = 0;
            return h("009000");
        }
        if (a.p1 == 0x0C) {
            bytes elf, module, inst, priv, params;
            if (!read_lv(in, elf) || !read_lv(in, module) || !read_lv(in, inst) || !read_lv(in, priv)
                || !read_lv(in, params) || params.size() < 2 || params[0] != '\xC9') {
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
            return h("E3") + static_cast<char>(aid.size() + 2 + 4) + h("4F") + static_cast<char>(aid.size())
                   + aid + h("9F7001019000");
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

run_result run(operation& op, fake_card& card, std::size_t max_answers, stop_rule rule) {
    run_result out;
    const bool runs_every_command = rule == stop_rule::ignored;
    operation_step step = op.start();
    while (step.batch) {
        BOOST_REQUIRE(out.batches.size() < 100);
        out.batches.push_back(*step.batch);
        const apdu_batch& batch = *step.batch;
        // Round trips as the session engine makes them (core/batch_parts.hpp): the whole batch,
        // or parts for a touch point that runs every command.
        std::vector<bytes> responses;
        std::size_t begin = 0;
        while (begin < batch.commands.size()) {
            BOOST_REQUIRE(out.round_trips < 200);
            ++out.round_trips;
            const std::size_t end = batch_parts::part_end(batch, begin, runs_every_command);
            std::vector<bytes> part;
            for (std::size_t i = begin; i < end; ++i) {
                if (max_answers != 0 && part.size() == max_answers) {
                    break;
                }
                part.push_back(card.transmit(batch.commands[i]));
                if (!runs_every_command && batch.stop_on_error && batch_parts::is_failure(part.back())) {
                    break;
                }
            }
            if (runs_every_command && batch.stop_on_error) {
                batch_parts::keep_until_failure(part);
            }
            const bool complete =
                part.size() == end - begin
                && !(batch.stop_on_error && !part.empty() && batch_parts::is_failure(part.back()));
            responses.insert(responses.end(), part.begin(), part.end());
            if (!complete) {
                break;
            }
            begin = end;
        }
        step = op.on_responses(std::move(responses));
    }
    BOOST_REQUIRE(step.outcome.has_value());
    out.outcome = *step.outcome;
    return out;
}

card_context context(scp_protocol p, std::string_view key) {
    card_context c;
    c.isd_aid = isd_aid;
    c.protocol = p;
    c.kvn = 0x30;
    c.keys = keys_from(key);
    c.host_challenge = [] { return host_challenge; };
    return c;
}

install_request install_of(const cap::cap_file& cap, std::string_view instance_hex) {
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

} // namespace scripted_gp_card
