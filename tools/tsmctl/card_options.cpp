#include "tsmctl/card_options.hpp"

#include "tsm/core/hex.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <limits>

namespace tsm::tools::tsmctl {
namespace {

// Decimal or 0x-prefixed hex, 0..255, nothing trailing (std::stoi would take "010" as octal
// and "12abc" as 12).
bool parse_kvn(const std::string& s, int& out) {
    const bool hex = s.starts_with("0x") || s.starts_with("0X");
    const char* first = s.data() + (hex ? 2 : 0);
    const char* last = s.data() + s.size();
    if (first == last) {
        return false;
    }
    auto [p, ec] = std::from_chars(first, last, out, hex ? 16 : 10);
    return ec == std::errc() && p == last && out >= 0 && out <= 255;
}

/// Reads {"enc","mac","dek"} from a JSON file. Error messages never quote the file's content.
std::string read_keys_file(const std::string& path, tsmctl_command& cmd) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return "cannot read --keys-file " + path;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        return "cannot read --keys-file " + path;
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    std::fill(text.begin(), text.end(), '\0');
    if (ec || !v.is_object()) {
        return "--keys-file " + path + " must hold a JSON object {\"enc\",\"mac\",\"dek\"}";
    }
    auto& o = v.as_object();
    for (auto [name, dst] :
         {std::pair{"enc", &cmd.enc}, std::pair{"mac", &cmd.mac}, std::pair{"dek", &cmd.dek}}) {
        auto* f = o.if_contains(name);
        if (f == nullptr || !f->is_string()) {
            return "--keys-file " + path + " lacks \"" + name + "\" (a hex string)";
        }
        *dst = std::string(f->as_string());
    }
    return {};
}

/// Reads the DESFire key from a file: hex (surrounding white space ignored) or a JSON object
/// {"key":"HEX"}. Error messages never quote the file's content.
std::string read_desfire_key_file(const std::string& path, std::string& key) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return "cannot read --desfire-key-file " + path;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        std::fill(text.begin(), text.end(), '\0');
        return "cannot read --desfire-key-file " + path;
    }
    struct wiper {
        std::string& t;
        ~wiper() { std::fill(t.begin(), t.end(), '\0'); }
    } wipe_text{text};
    const auto first = text.find_first_not_of(" \t\r\n");
    const auto last = text.find_last_not_of(" \t\r\n");
    const std::string_view trimmed = first == std::string::npos
                                         ? std::string_view{}
                                         : std::string_view(text).substr(first, last - first + 1);
    if (trimmed.starts_with('{')) {
        boost::system::error_code ec;
        auto v = boost::json::parse(trimmed, ec);
        auto* k = !ec && v.is_object() ? v.as_object().if_contains("key") : nullptr;
        if (k == nullptr || !k->is_string()) {
            return "--desfire-key-file " + path
                   + " must hold the key in hex or a JSON object {\"key\":\"HEX\"}";
        }
        key.assign(k->as_string().data(), k->as_string().size());
        std::fill(k->as_string().begin(), k->as_string().end(), '\0');
    } else {
        key.assign(trimmed);
    }
    if (key.empty() || !core::is_hex(key)) {
        std::fill(key.begin(), key.end(), '\0');
        key.clear();
        return "--desfire-key-file " + path + " must hold the key in even-length hex";
    }
    return {};
}

/// A decimal integer from `lo` to `hi`, nothing trailing.
bool parse_int(const std::string& s, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
    const char* first = s.data();
    const char* last = s.data() + s.size();
    if (first == last) {
        return false;
    }
    auto [p, ec] = std::from_chars(first, last, out, 10);
    return ec == std::errc() && p == last && out >= lo && out <= hi;
}

/// Applies one device-description option (`o` is one of them). Returns a usage error or "".
std::string parse_device_option(tsmctl_command& cmd, const std::string& o, const std::string& v) {
    if (o == "--platform-version") {
        std::int64_t n = 0;
        if (!parse_int(v, 1, 2147483647, n)) {
            return "--platform-version must be an integer from 1 to 2147483647";
        }
        cmd.platform_version = n;
    } else if (o == "--batch-id") {
        std::int64_t n = 0;
        if (!parse_int(v, 0, std::numeric_limits<std::int64_t>::max(), n)) {
            return "--batch-id must be a non-negative integer";
        }
        cmd.batch_id = n;
    } else if (o == "--os-type-version-name") {
        if (v.empty() || v.size() > 64
            || !std::all_of(v.begin(), v.end(), [](char c) { return c >= 0x20 && c <= 0x7e; })) {
            return "--os-type-version-name must be printable ASCII, 1 to 64 characters";
        }
        cmd.os_type_version_name = v;
    } else if (o == "--cplc") {
        if (!core::is_hex(v) || v.size() > 2 * 67) {
            return "--cplc must be even-length hex (the CPLC data, 42 bytes)";
        }
        cmd.cplc = v;
    } else if (o == "--uid") {
        if (!core::is_hex(v) || (v.size() != 8 && v.size() != 14 && v.size() != 20)) {
            return "--uid must be hex of 4, 7 or 10 bytes";
        }
        cmd.uid = v;
    }
    return {};
}

/// The DESFire key length for a type name; 0 when the name is not one.
std::size_t desfire_key_length(std::string_view type) {
    if (type == "AES" || type == "2K3DES") {
        return 16;
    }
    if (type == "3K3DES") {
        return 24;
    }
    if (type == "DES") {
        return 8;
    }
    return 0;
}

/// Checks and completes the DESFire part of a put (`desfire_key_file` read into cmd).
std::string parse_desfire_part(tsmctl_command& cmd, const std::string& desfire_key_file, bool cards) {
    if (cmd.desfire_key_type.empty()) {
        return "the DESFire key needs --desfire-key-type AES|3K3DES|2K3DES|DES";
    }
    const std::size_t n = desfire_key_length(cmd.desfire_key_type);
    if (n == 0) {
        return "--desfire-key-type must be AES, 3K3DES, 2K3DES or DES";
    }
    if (desfire_key_file.empty()) {
        return "the DESFire key needs --desfire-key-file (the key in hex, never on the command line)";
    }
    if (auto err = read_desfire_key_file(desfire_key_file, cmd.desfire_key); !err.empty()) {
        return err;
    }
    if (cmd.desfire_key.size() != 2 * n) {
        return "a " + cmd.desfire_key_type + " DESFire key is " + std::to_string(n)
               + " bytes; --desfire-key-file holds " + std::to_string(cmd.desfire_key.size() / 2);
    }
    if (cards && (!cmd.desfire_diversification.empty() || !cmd.desfire_system_id.empty())) {
        return "--desfire-diversification and --desfire-system-id are for iins put";
    }
    if (!cmd.desfire_diversification.empty() && cmd.desfire_diversification != "none"
        && cmd.desfire_diversification != "an10922") {
        return "--desfire-diversification must be none or an10922";
    }
    if (cmd.desfire_diversification == "an10922" && cmd.desfire_key_type == "DES") {
        return "an10922 diversification needs an AES, 2K3DES or 3K3DES key";
    }
    if (!cmd.desfire_system_id.empty()) {
        // AN10922: UID (7) || AID (3) || system id <= 31 bytes for AES, 15 for 2K3DES/3K3DES.
        const std::size_t max_bytes = cmd.desfire_key_type == "AES" ? 21 : 5;
        if (!core::is_hex(cmd.desfire_system_id) || cmd.desfire_system_id.size() > 2 * max_bytes) {
            return "--desfire-system-id must be even-length hex, at most " + std::to_string(max_bytes)
                   + " bytes for " + cmd.desfire_key_type;
        }
        if (cmd.desfire_diversification != "an10922") {
            return "--desfire-system-id needs --desfire-diversification an10922";
        }
    }
    return {};
}

} // namespace

bool is_device_option(std::string_view o) {
    return o == "--platform-version" || o == "--os-type-version-name" || o == "--batch-id" || o == "--cplc"
           || o == "--uid";
}

parse_result parse_keys_command(tsmctl_command cmd, const std::vector<std::string>& positional,
                                const std::vector<std::string>& options,
                                const std::vector<std::string>& values) {
    cmd.resource = positional[0];
    const bool cards = cmd.resource == "cards";
    const std::string id_name = cards ? "CIN" : "IIN";
    const std::string verb = positional.size() > 1 ? positional[1] : "";
    if (verb == "put") {
        cmd.what = action::keys_put;
    } else if (verb == "get") {
        cmd.what = action::keys_get;
    } else if (verb == "delete") {
        cmd.what = action::keys_delete;
    } else {
        return usage_error(verb.empty() ? "expected: " + cmd.resource + " put|get|delete " + id_name
                                        : "unknown subcommand " + cmd.resource + " " + verb);
    }
    if (positional.size() != 3) {
        return usage_error(cmd.resource + " " + verb + " needs exactly one " + id_name);
    }
    cmd.card_id = positional[2];
    if (!core::is_hex(cmd.card_id) || cmd.card_id.size() > 64) {
        return usage_error("the " + id_name + " must be even-length hex (at most 32 bytes)");
    }
    if (cmd.what != action::keys_put) {
        if (!options.empty()) {
            return usage_error(options.front() + " is for " + cmd.resource + " put");
        }
        parse_result r;
        r.command = std::move(cmd);
        return r;
    }
    std::string keys_file;
    std::string desfire_key_file;
    bool key_flags = false;
    bool gp_given = false;      // any GlobalPlatform option: then the GP part must be complete
    bool desfire_given = false; // any --desfire-* option
    bool device_given = false;  // any device-description option
    for (std::size_t i = 0; i < options.size(); ++i) {
        const std::string& o = options[i];
        const std::string& v = values[i];
        if (is_device_option(o)) {
            if (!cards) {
                return usage_error(o + " is for cards put (an IIN master set describes no device)");
            }
            if (auto err = parse_device_option(cmd, o, v); !err.empty()) {
                return usage_error(err);
            }
            device_given = true;
            continue;
        }
        if (o.starts_with("--desfire-")) {
            desfire_given = true;
            if (o == "--desfire-key-type") {
                cmd.desfire_key_type = v;
            } else if (o == "--desfire-key-file") {
                desfire_key_file = v;
            } else if (o == "--desfire-version") {
                if (!parse_kvn(v, cmd.desfire_version)) {
                    return usage_error("--desfire-version must be 0..255, decimal or 0xHH");
                }
            } else if (o == "--desfire-diversification") {
                cmd.desfire_diversification = v;
            } else if (o == "--desfire-system-id") {
                cmd.desfire_system_id = v;
            }
            continue;
        }
        if (o != "--iin") {
            gp_given = true;
        }
        if (o == "--iin") {
            if (!cards) {
                return usage_error("--iin is for cards put (iins put takes the IIN as its argument)");
            }
            cmd.iin = v;
        } else if (o == "--isd") {
            cmd.isd = v;
        } else if (o == "--scp") {
            cmd.scp = v;
        } else if (o == "--kvn") {
            if (!parse_kvn(v, cmd.kvn)) {
                return usage_error("--kvn must be 0..255, decimal or 0xHH");
            }
        } else if (o == "--enc" || o == "--mac" || o == "--dek") {
            (o == "--enc" ? cmd.enc : o == "--mac" ? cmd.mac : cmd.dek) = v;
            key_flags = true;
        } else if (o == "--diversification") {
            if (cards) {
                return usage_error("--diversification is for iins put");
            }
            if (v != "none" && v != "kdf3" && v != "emv" && v != "visa2") {
                return usage_error("--diversification must be none, kdf3, emv or visa2");
            }
            cmd.diversification = v;
        } else if (o == "--keys-file") {
            keys_file = v;
        }
    }
    if (!gp_given && !desfire_given && !device_given) {
        return usage_error(
            cmd.resource
            + " put needs GlobalPlatform keys (--isd, --kvn, --keys-file), a DESFire key "
              "(--desfire-key-type, --desfire-key-file), or both"
            + (cards ? std::string(" (or a device description: --platform-version ...)") : ""));
    }
    if (!gp_given && !desfire_given) {
        // a device without keys: what the server requires of one
        if (!cmd.platform_version) {
            return usage_error("a device without keys needs --platform-version");
        }
        if (cmd.iin.empty()) {
            return usage_error("a device without keys needs --iin");
        }
    }
    if (desfire_given) {
        if (auto err = parse_desfire_part(cmd, desfire_key_file, cards); !err.empty()) {
            return usage_error(err);
        }
    }
    if (!cmd.iin.empty() && !core::is_hex(cmd.iin)) {
        return usage_error("--iin must be even-length hex");
    }
    if (!gp_given) {
        cmd.gp_part = false;
        parse_result r;
        r.command = std::move(cmd);
        return r;
    }
    if (!keys_file.empty() && key_flags) {
        return usage_error("give the keys either with --keys-file or with --enc/--mac/--dek, not both");
    }
    if (!keys_file.empty()) {
        if (auto err = read_keys_file(keys_file, cmd); !err.empty()) {
            return usage_error(err);
        }
    }
    if (!core::is_hex(cmd.isd) || cmd.isd.size() < 10 || cmd.isd.size() > 32) {
        return usage_error(cmd.resource + " put needs --isd with the ISD AID (5 to 16 bytes in hex)");
    }
    if (cmd.scp != "03" && cmd.scp != "02") {
        return usage_error("--scp must be 03 or 02");
    }
    if (cmd.kvn < 0) {
        return usage_error(cmd.resource + " put needs --kvn (0..255, decimal or 0xHH)");
    }
    if (cmd.enc.empty() || cmd.mac.empty() || cmd.dek.empty()) {
        return usage_error(cmd.resource
                           + " put needs the ENC, MAC and DEK keys (--keys-file, or --enc, --mac and --dek)");
    }
    if (!core::is_hex(cmd.enc) || !core::is_hex(cmd.mac) || !core::is_hex(cmd.dek)) {
        return usage_error("the ENC, MAC and DEK keys must be even-length hex");
    }
    const std::size_t n = cmd.enc.size() / 2;
    if (cmd.mac.size() / 2 != n || cmd.dek.size() / 2 != n) {
        return usage_error("the ENC, MAC and DEK keys must have the same length");
    }
    if (cmd.scp == "03" && n != 16 && n != 24 && n != 32) {
        return usage_error("SCP03 keys are AES-128, AES-192 or AES-256 (16, 24 or 32 bytes)");
    }
    if (cmd.scp == "02" && n != 16) {
        return usage_error("SCP02 keys are two-key 3DES (16 bytes)");
    }
    parse_result r;
    r.command = std::move(cmd);
    return r;
}

} // namespace tsm::tools::tsmctl
