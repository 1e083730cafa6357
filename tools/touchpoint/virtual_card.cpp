#include "touchpoint/virtual_card.hpp"

#include "touchpoint/sim_card.hpp"

#include "tsm/core/hex.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <iterator>

namespace tsm::tools::touchpoint {

namespace {

constexpr std::string_view gp_test_key_hex = "404142434445464748494A4B4C4D4E4F";

// Reads {"enc","mac","dek"} from a JSON file into the three hex strings (only those present).
bool read_keys_file(const std::string& path, std::string (&hex)[3], std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot read --keys-file " + path;
        return false;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) {
        error = "--keys-file " + path + " is not a JSON object";
        return false;
    }
    const char* names[3] = {"enc", "mac", "dek"};
    for (int k = 0; k < 3; ++k) {
        if (const auto* f = v.as_object().if_contains(names[k])) {
            if (!f->is_string()) {
                error = std::string("--keys-file: \"") + names[k] + "\" must be a hex string";
                return false;
            }
            hex[k] = std::string(f->as_string());
        }
    }
    return true;
}

} // namespace

std::optional<sandbox::secure_element_config> virtual_card_config(
    const touchpoint_options& opts, std::string& error) {
    sandbox::secure_element_config c;
    c.iin = core::from_hex(opts.iin_hex).value_or("");
    c.cin = core::from_hex(opts.cin_hex).value_or("");
    c.cplc = sim_card(c.iin, c.cin).cplc(); // the same CPLC as --card sim reports
    auto isd = core::from_hex(opts.isd_hex);
    if (!isd || isd->size() < 5 || isd->size() > 16) {
        error = "--isd must be an AID of 5 to 16 bytes in hex";
        return std::nullopt;
    }
    c.isd_aid = *isd;

    std::string hex[3] = {std::string(gp_test_key_hex), std::string(gp_test_key_hex),
                          std::string(gp_test_key_hex)};
    if (!opts.keys_file.empty() && !read_keys_file(opts.keys_file, hex, error)) {
        return std::nullopt;
    }
    const std::string* flags[3] = {&opts.enc_hex, &opts.mac_hex, &opts.dek_hex};
    for (int k = 0; k < 3; ++k) {
        if (!flags[k]->empty()) {
            hex[k] = *flags[k];
        }
    }
    core::gp::static_keys keys;
    core::gp::secret_key* slots[3] = {&keys.enc, &keys.mac, &keys.dek};
    const char* names[3] = {"ENC", "MAC", "DEK"};
    const bool scp03 = opts.scp != "02";
    for (int k = 0; k < 3; ++k) {
        auto key = core::gp::secret_key::from_hex(hex[k]);
        const std::size_t n = key ? key->size() : 0;
        const bool ok = scp03 ? (n == 16 || n == 24 || n == 32) : n == 16;
        if (!ok) {
            error = std::string(names[k]) + " key must be "
                + (scp03 ? "16, 24 or 32 bytes (AES) for SCP03" : "16 bytes (2-key 3DES) for SCP02");
            return std::nullopt;
        }
        *slots[k] = *key;
    }
    if (scp03 && (keys.enc.size() != keys.mac.size() || keys.enc.size() != keys.dek.size())) {
        error = "SCP03 ENC, MAC and DEK keys must have the same length";
        return std::nullopt;
    }
    if (scp03) {
        sandbox::scp03_key_set s;
        s.kvn = static_cast<std::uint8_t>(opts.kvn.value_or(0x30));
        s.i = static_cast<std::uint8_t>(opts.scp_i.value_or(0x70));
        if (s.i & 0x01) {
            error = "--scp-i: SCP03 S16 mode (b1) is not supported";
            return std::nullopt;
        }
        s.keys = std::move(keys);
        c.scp03.push_back(std::move(s));
    } else {
        sandbox::scp02_key_set s;
        s.kvn = static_cast<std::uint8_t>(opts.kvn.value_or(0x20));
        s.i = static_cast<std::uint8_t>(opts.scp_i.value_or(0x55));
        if ((s.i & 0x04) == 0 || (s.i & 0x08) != 0) {
            error = "--scp-i: SCP02 needs explicit initiation (04) without ICV over AID (08), e.g. 15 or 55";
            return std::nullopt;
        }
        s.keys = std::move(keys);
        c.scp02.push_back(std::move(s));
    }
    return c;
}

} // namespace tsm::tools::touchpoint
