#include "touchpoint/virtual_card.hpp"

#include "touchpoint/sim_card.hpp"

#include "tsm/core/desfire/key_type.hpp"
#include "tsm/core/hex.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
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

// Wipes a string that held key material when it goes out of scope.
struct wipe_on_exit {
    std::string& s;
    ~wipe_on_exit() { core::gp::wipe(s); }
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
        s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
        s.remove_suffix(1);
    }
    return s;
}

} // namespace

std::optional<core::desfire::desfire_key> read_desfire_key_file(const std::string& path, std::string& error) {
    namespace df = core::desfire;
    const std::string what = "--desfire-key-file " + path;
    std::string text;
    wipe_on_exit wipe_text{text};
    {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            error = "cannot read " + what;
            return std::nullopt;
        }
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (in.bad()) {
            error = "cannot read " + what;
            return std::nullopt;
        }
    }
    const std::string_view content = trim(text);
    const auto c1 = content.find(':');
    if (content.empty() || c1 == std::string_view::npos
        || content.find_first_of("\r\n") != std::string_view::npos) {
        error = what + " must hold one line TYPE:HEX or TYPE:HEX:VERSION (TYPE DES, 2K3DES, 3K3DES or AES)";
        return std::nullopt;
    }
    std::string type_name(trim(content.substr(0, c1)));
    std::transform(type_name.begin(), type_name.end(), type_name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    const auto type = df::parse_key_type(type_name);
    if (!type) {
        // The type is not secret, but a file without a type could start with the key: do not echo it.
        error = what + ": unknown key type (DES, 2K3DES, 3K3DES or AES)";
        return std::nullopt;
    }
    std::string_view rest = content.substr(c1 + 1);
    std::string_view key_hex = rest;
    std::optional<int> version;
    if (const auto c2 = rest.find(':'); c2 != std::string_view::npos) {
        key_hex = rest.substr(0, c2);
        const std::string_view v = trim(rest.substr(c2 + 1));
        int n = -1;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < 0 || n > 255) {
            error = what + ": the key version must be 0..255";
            return std::nullopt;
        }
        if (*type != df::key_type::aes) {
            error = what
                    + ": a key version is for AES keys only (DES-family keys carry it in "
                      "the key bytes)";
            return std::nullopt;
        }
        version = n;
    }
    key_hex = trim(key_hex);
    const std::size_t want = df::key_length(*type);
    if (!core::is_hex(key_hex)) {
        error = what + ": the key must be even-length hex";
        return std::nullopt;
    }
    if (key_hex.size() / 2 != want) {
        error = what + ": " + std::string(df::key_type_name(*type)) + " keys are " + std::to_string(want)
                + " bytes, the file holds " + std::to_string(key_hex.size() / 2);
        return std::nullopt;
    }
    auto key = core::gp::secret_key::from_hex(key_hex);
    if (!key) {
        error = what + ": the key must be even-length hex";
        return std::nullopt;
    }
    df::desfire_key k;
    k.type = *type;
    k.value = std::move(*key);
    k.version = static_cast<std::uint8_t>(version.value_or(0));
    return k;
}

std::optional<sandbox::secure_element_config> virtual_card_config(const touchpoint_options& opts,
                                                                  std::string& error) {
    sandbox::secure_element_config c;
    c.iin = core::from_hex(opts.iin_hex).value_or("");
    c.cin = core::from_hex(opts.cin_hex).value_or("");
    c.cplc = sim_card(c.iin, c.cin).cplc(); // the same CPLC as --card sim reports
    c.fidesmo.batch_id = opts.batch_id;
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

    c.desfire.enabled = !opts.no_desfire;
    if (!opts.desfire_key_file.empty()) {
        auto key = read_desfire_key_file(opts.desfire_key_file, error);
        if (!key) {
            return std::nullopt;
        }
        c.desfire.picc_master_key = std::move(*key);
    }
    if (!opts.desfire_uid_hex.empty()) {
        auto uid = core::from_hex(opts.desfire_uid_hex);
        if (!uid || uid->size() != 7) {
            error = "--desfire-uid must be 7 bytes in hex (14 hex digits)";
            return std::nullopt;
        }
        c.desfire.uid = *uid;
    }
    if (opts.desfire_key_settings) {
        c.desfire.picc_key_settings = static_cast<std::uint8_t>(*opts.desfire_key_settings);
    }
    return c;
}

} // namespace tsm::tools::touchpoint
