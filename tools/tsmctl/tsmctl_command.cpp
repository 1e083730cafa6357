#include "tsmctl/tsmctl_command.hpp"

#include "tsm/core/hex.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <sstream>
#include <string_view>

namespace tsm::tools::tsmctl {

const char* tsmctl_usage() {
    return R"(tsmctl - manage Service Provider apps through the tsmd admin API

Usage:
  tsmctl [--admin URL] [--token T] apps put ID --key HEX --description-url URL
         --delivery-url URL [--delivery-method PUT|POST] --callback-prefix P [--callback-prefix P2 ...]
  tsmctl [--admin URL] [--token T] apps get ID
  tsmctl [--admin URL] [--token T] apps list
  tsmctl [--admin URL] [--token T] apps delete ID
  tsmctl [...] cards put CIN --iin HEX --isd AID --scp 03|02 --kvn N (--keys-file F | --enc K --mac K --dek K)
  tsmctl [...] cards get CIN | cards delete CIN
  tsmctl [...] iins put IIN --isd AID --scp 03|02 --kvn N [--diversification none|kdf3|emv|visa2]
               (--keys-file F | --enc K --mac K --dek K)
  tsmctl [...] iins get IIN | iins delete IIN

Options:
  --admin URL     admin listener base URL (env TSM_ADMIN_URL, default http://127.0.0.1:8081)
  --token T       bearer token sent as "Authorization: Bearer T" (env TSM_ADMIN_TOKEN)
  --help          this text

apps put registers or replaces an app: the key is the app_key SPs send (hex), the description
URL gets "/{serviceId}" appended, the delivery URL receives delivery requests with the given
method (default PUT), and callbackUrls an SP passes must start with one of the prefixes.

cards put stores one card's GlobalPlatform keys (ENC/MAC/DEK, hex); iins put stores an IIN
master key set diversified per card. tsmd seals keys at rest and never returns them. Prefer
--keys-file (a JSON object {"enc":"..","mac":"..","dek":".."}) over --enc/--mac/--dek, which
other local users can read in the process list.

Output: the response JSON on stdout (pretty-printed); errors on stderr.
Exit codes: 0 success (2xx), 1 request failed (HTTP error status or connection failure),
            2 usage error.

Example:
  tsmctl apps put demo-sp --key 00112233445566778899AABBCCDDEEFF \
      --description-url http://127.0.0.1:9000/description --delivery-url http://127.0.0.1:9000/delivery \
      --callback-prefix http://127.0.0.1:9000/callback/
)";
}

namespace {

parse_result usage_error(std::string msg) {
    parse_result r;
    r.error = std::move(msg);
    return r;
}

bool is_http_url(std::string_view s) {
    return s.starts_with("http://") || s.starts_with("https://");
}

/// Reads {"enc","mac","dek"} from a JSON file.
std::string read_keys_file(const std::string& path, tsmctl_command& cmd) {
    std::ifstream in(path);
    if (!in) {
        return "cannot read --keys-file " + path;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    boost::system::error_code ec;
    auto v = boost::json::parse(ss.str(), ec);
    if (ec || !v.is_object()) {
        return "--keys-file must hold a JSON object {\"enc\",\"mac\",\"dek\"}";
    }
    auto& o = v.as_object();
    for (auto [name, dst] : {std::pair{"enc", &cmd.enc}, std::pair{"mac", &cmd.mac}, std::pair{"dek", &cmd.dek}}) {
        auto* f = o.if_contains(name);
        if (f == nullptr || !f->is_string()) {
            return std::string("--keys-file lacks \"") + name + "\"";
        }
        *dst = std::string(f->as_string());
    }
    return {};
}

parse_result parse_keys_command(tsmctl_command cmd, const std::vector<std::string>& positional,
                                const std::vector<std::string>& options,
                                const std::vector<std::string>& values) {
    cmd.resource = positional[0];
    if (positional.size() != 3) {
        return usage_error(cmd.resource + " put|get|delete needs exactly one " +
                           (cmd.resource == "cards" ? "CIN" : "IIN"));
    }
    const std::string& verb = positional[1];
    cmd.card_id = positional[2];
    if (!core::is_hex(cmd.card_id)) {
        return usage_error(cmd.resource == "cards" ? "the CIN must be hex" : "the IIN must be hex");
    }
    if (verb == "put") {
        cmd.what = action::keys_put;
    } else if (verb == "get") {
        cmd.what = action::keys_get;
    } else if (verb == "delete") {
        cmd.what = action::keys_delete;
    } else {
        return usage_error("unknown subcommand " + cmd.resource + " " + verb);
    }
    if (cmd.what != action::keys_put) {
        if (!options.empty()) {
            return usage_error(options.front() + " is for " + cmd.resource + " put");
        }
        parse_result r;
        r.command = std::move(cmd);
        return r;
    }
    for (std::size_t i = 0; i < options.size(); ++i) {
        const std::string& o = options[i];
        const std::string& v = values[i];
        if (o == "--iin") {
            cmd.iin = v;
        } else if (o == "--isd") {
            cmd.isd = v;
        } else if (o == "--scp") {
            cmd.scp = v;
        } else if (o == "--kvn") {
            try {
                cmd.kvn = std::stoi(v, nullptr, 0);
            } catch (const std::exception&) {
                return usage_error("--kvn must be a number");
            }
        } else if (o == "--enc") {
            cmd.enc = v;
        } else if (o == "--mac") {
            cmd.mac = v;
        } else if (o == "--dek") {
            cmd.dek = v;
        } else if (o == "--diversification") {
            if (cmd.resource != "iins") {
                return usage_error("--diversification is for iins put");
            }
            cmd.diversification = v;
        } else if (o == "--keys-file") {
            if (auto err = read_keys_file(v, cmd); !err.empty()) {
                return usage_error(err);
            }
        }
    }
    if (!core::is_hex(cmd.isd)) {
        return usage_error(cmd.resource + " put needs --isd with the ISD AID in hex");
    }
    if (cmd.scp != "03" && cmd.scp != "02") {
        return usage_error("--scp must be 03 or 02");
    }
    if (cmd.kvn < 0 || cmd.kvn > 255) {
        return usage_error(cmd.resource + " put needs --kvn 0..255");
    }
    if (!core::is_hex(cmd.enc) || !core::is_hex(cmd.mac) || !core::is_hex(cmd.dek)) {
        return usage_error(cmd.resource + " put needs ENC, MAC and DEK keys in hex (--keys-file or --enc/--mac/--dek)");
    }
    parse_result r;
    r.command = std::move(cmd);
    return r;
}

} // namespace

parse_result parse_tsmctl_args(
    const std::vector<std::string>& args, const std::string& env_admin_url,
    const std::string& env_token) {
    tsmctl_command cmd;
    if (!env_admin_url.empty()) {
        cmd.admin_url = env_admin_url;
    }
    cmd.token = env_token;
    bool have_key = false, have_desc = false, have_deliv = false;
    std::vector<std::string> positional;
    std::vector<std::string> key_options; // card-key options, applied by parse_keys_command
    std::vector<std::string> key_values;

    // Options may appear before or after the subcommand words, as with most CLIs.
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            parse_result r;
            r.help = true;
            return r;
        }
        if (!a.starts_with("--")) {
            positional.push_back(a);
            continue;
        }
        if (i + 1 >= args.size()) {
            return usage_error("option " + a + " needs a value");
        }
        const std::string& v = args[++i];
        if (a == "--admin") {
            cmd.admin_url = v;
        } else if (a == "--token") {
            cmd.token = v;
        } else if (a == "--key") {
            cmd.key = v;
            have_key = true;
        } else if (a == "--description-url") {
            cmd.description_url = v;
            have_desc = true;
        } else if (a == "--delivery-url") {
            cmd.delivery_url = v;
            have_deliv = true;
        } else if (a == "--delivery-method") {
            cmd.delivery_method = v;
        } else if (a == "--callback-prefix") {
            cmd.callback_prefixes.push_back(v);
        } else if (a == "--iin" || a == "--isd" || a == "--scp" || a == "--kvn" || a == "--enc"
                   || a == "--mac" || a == "--dek" || a == "--diversification" || a == "--keys-file") {
            key_options.push_back(a);
            key_values.push_back(v);
        } else {
            return usage_error("unknown option " + a);
        }
    }
    if (!cmd.admin_url.starts_with("http://")) {
        return usage_error("--admin must be an http:// URL");
    }
    while (cmd.admin_url.ends_with('/')) {
        cmd.admin_url.pop_back();
    }
    if (!positional.empty() && (positional[0] == "cards" || positional[0] == "iins")) {
        return parse_keys_command(std::move(cmd), positional, key_options, key_values);
    }
    if (!key_options.empty()) {
        return usage_error(key_options.front() + " is for cards/iins put");
    }
    if (positional.size() < 2 || positional[0] != "apps") {
        return usage_error("expected: apps|cards|iins put|get|delete ... (or apps list)");
    }
    const std::string& verb = positional[1];
    std::size_t want = verb == "list" ? 2 : 3;
    if (verb == "put") {
        cmd.what = action::apps_put;
    } else if (verb == "get") {
        cmd.what = action::apps_get;
    } else if (verb == "list") {
        cmd.what = action::apps_list;
    } else if (verb == "delete") {
        cmd.what = action::apps_delete;
    } else {
        return usage_error("unknown subcommand apps " + verb);
    }
    if (positional.size() != want) {
        return usage_error(
            verb == "list" ? "apps list takes no argument" : "apps " + verb + " needs exactly one app ID");
    }
    if (want == 3) {
        cmd.app_id = positional[2];
        if (cmd.app_id.empty()) {
            return usage_error("app ID must not be empty");
        }
    }
    bool put_only_given = have_key || have_desc || have_deliv || !cmd.callback_prefixes.empty();
    if (cmd.what != action::apps_put) {
        if (put_only_given) {
            return usage_error("--key/--description-url/--delivery-url/--callback-prefix are for apps put");
        }
    } else {
        if (!have_key || !core::is_hex(cmd.key)) {
            return usage_error("apps put needs --key with a non-empty, even-length hex key");
        }
        if (!have_desc || !is_http_url(cmd.description_url)) {
            return usage_error("apps put needs --description-url http(s)://...");
        }
        if (!have_deliv || !is_http_url(cmd.delivery_url)) {
            return usage_error("apps put needs --delivery-url http(s)://...");
        }
        if (cmd.delivery_method != "PUT" && cmd.delivery_method != "POST") {
            return usage_error("--delivery-method must be PUT or POST");
        }
        if (cmd.callback_prefixes.empty()) {
            return usage_error("apps put needs at least one --callback-prefix");
        }
        for (const auto& p : cmd.callback_prefixes) {
            if (!is_http_url(p)) {
                return usage_error("--callback-prefix must be an http(s):// URL prefix: " + p);
            }
        }
    }
    parse_result r;
    r.command = std::move(cmd);
    return r;
}

} // namespace tsm::tools::tsmctl
