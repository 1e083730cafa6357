#include "tsmctl/admin_client.hpp"

#include "tsm/core/json_writer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cctype>
#include <ostream>
#include <sstream>
#include <string_view>

namespace tsm::tools::tsmctl {

namespace json = boost::json;

namespace {

std::string app_url(const tsmctl_command& cmd) {
    std::string url = cmd.admin_url + "/admin/v1/apps";
    if (!cmd.app_id.empty()) {
        url += '/';
        append_path_segment(url, cmd.app_id);
    }
    return url;
}

std::string app_body(const tsmctl_command& cmd) {
    core::json_writer w;
    w.begin_object();
    w.key("key").value(cmd.key);
    w.key("descriptionUrl").value(cmd.description_url);
    w.key("deliveryUrl").value(cmd.delivery_url);
    w.key("deliveryMethod").value(cmd.delivery_method);
    w.key("callbackPrefixes").begin_array();
    for (const auto& p : cmd.callback_prefixes) {
        w.value(p);
    }
    w.end_array();
    w.end_object();
    return std::move(w).str();
}

void pretty(std::ostream& os, const json::value& v, int indent) {
    auto pad = [&](int n) { os << std::string(static_cast<std::size_t>(n) * 2, ' '); };
    if (v.is_object()) {
        const auto& o = v.get_object();
        if (o.empty()) {
            os << "{}";
            return;
        }
        os << "{\n";
        std::size_t i = 0;
        for (const auto& kv : o) {
            pad(indent + 1);
            os << json::serialize(json::string(kv.key())) << ": ";
            pretty(os, kv.value(), indent + 1);
            os << (++i < o.size() ? ",\n" : "\n");
        }
        pad(indent);
        os << "}";
    } else if (v.is_array()) {
        const auto& a = v.get_array();
        if (a.empty()) {
            os << "[]";
            return;
        }
        os << "[\n";
        for (std::size_t i = 0; i < a.size(); ++i) {
            pad(indent + 1);
            pretty(os, a[i], indent + 1);
            os << (i + 1 < a.size() ? ",\n" : "\n");
        }
        pad(indent);
        os << "]";
    } else {
        os << json::serialize(v);
    }
}

// The admin API reports failures as {"error":{"code","message"}}; anything else is shown raw.
std::string error_text(const std::string& body) {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (!ec && v.is_object()) {
        if (const auto* e = v.get_object().if_contains("error"); e && e->is_object()) {
            const auto& eo = e->get_object();
            std::string text;
            if (const auto* c = eo.if_contains("code"); c && c->is_string()) {
                text += std::string(c->get_string()) + ": ";
            }
            if (const auto* m = eo.if_contains("message"); m && m->is_string()) {
                text += std::string(m->get_string());
            }
            if (!text.empty()) {
                return text;
            }
        }
    }
    return body.empty() ? "(no body)" : body;
}

// Replaces every occurrence (any letter case) of `secret` in `text`. Secrets shorter than 8
// characters (a toy token, a 1-byte app key) are left alone: replacing them would mangle
// ordinary output, and they protect nothing anyway. Card keys are at least 32 hex digits.
void redact(std::string& text, std::string_view secret) {
    if (secret.size() < 8) {
        return;
    }
    auto lower = [](unsigned char c) { return static_cast<char>(std::tolower(c)); };
    static constexpr std::string_view mark = "<redacted>";
    for (std::size_t pos = 0; pos + secret.size() <= text.size();) {
        bool match = true;
        for (std::size_t i = 0; i < secret.size() && match; ++i) {
            match = lower(static_cast<unsigned char>(text[pos + i]))
                    == lower(static_cast<unsigned char>(secret[i]));
        }
        if (match) {
            text.replace(pos, secret.size(), mark);
            pos += mark.size();
        } else {
            ++pos;
        }
    }
}

} // namespace

std::string redact_secrets(std::string text, const tsmctl_command& cmd) {
    // Whatever answers (a proxy, a misdirected --admin) may echo the request; tsmctl still never
    // prints the key material it sent.
    for (const std::string* secret : {&cmd.enc, &cmd.mac, &cmd.dek, &cmd.desfire_key, &cmd.key, &cmd.token}) {
        redact(text, *secret);
    }
    return text;
}

int tsmctl_main(const std::vector<std::string>& args, const std::string& env_admin_url,
                const std::string& env_token, std::ostream& out, std::ostream& err) {
    auto parsed = parse_tsmctl_args(args, env_admin_url, env_token);
    if (parsed.help) {
        out << tsmctl_usage();
        return 0;
    }
    if (!parsed.command) {
        err << "tsmctl: " << parsed.error << "\n(try tsmctl --help)\n";
        return 2;
    }
    return run_admin_command(*parsed.command, out, err);
}

sync_http_request build_admin_request(const tsmctl_command& cmd) {
    sync_http_request req;
    if (cmd.resource.empty()) {
        req.url = app_url(cmd);
    } else {
        req.url = cmd.admin_url + "/admin/v1/" + cmd.resource + "/";
        append_path_segment(req.url, cmd.card_id);
    }
    switch (cmd.what) {
    case action::keys_put: {
        req.method = "PUT";
        json::object body;
        if (cmd.gp_part) {
            body = json::object{{"isd", cmd.isd}, {"scp", cmd.scp}, {"kvn", cmd.kvn},
                                {"enc", cmd.enc}, {"mac", cmd.mac}, {"dek", cmd.dek}};
            if (!cmd.diversification.empty()) {
                body["diversification"] = cmd.diversification;
            }
        }
        if (!cmd.iin.empty()) {
            body["iin"] = cmd.iin;
        }
        if (!cmd.desfire_key_type.empty()) {
            json::object d{{"keyType", cmd.desfire_key_type}, {"key", cmd.desfire_key}};
            if (cmd.desfire_version >= 0) {
                d["version"] = cmd.desfire_version;
            }
            if (!cmd.desfire_diversification.empty()) {
                d["diversification"] = cmd.desfire_diversification;
            }
            if (!cmd.desfire_system_id.empty()) {
                d["systemIdentifier"] = cmd.desfire_system_id;
            }
            body["desfire"] = std::move(d);
        }
        if (cmd.platform_version) {
            body["platformVersion"] = *cmd.platform_version;
        }
        if (!cmd.os_type_version_name.empty()) {
            body["osTypeVersionName"] = cmd.os_type_version_name;
        }
        if (cmd.batch_id) {
            body["batchId"] = *cmd.batch_id;
        }
        if (!cmd.cplc.empty()) {
            body["cplc"] = cmd.cplc;
        }
        if (!cmd.uid.empty()) {
            body["uid"] = cmd.uid;
        }
        req.body = json::serialize(body);
        break;
    }
    case action::keys_get: req.method = "GET"; break;
    case action::keys_delete: req.method = "DELETE"; break;
    case action::apps_put:
        req.method = "PUT";
        req.body = app_body(cmd);
        break;
    case action::apps_get:
    case action::apps_list: req.method = "GET"; break;
    case action::apps_delete: req.method = "DELETE"; break;
    }
    req.headers.emplace_back("Accept", "application/json");
    if (!cmd.token.empty()) {
        req.headers.emplace_back("Authorization", "Bearer " + cmd.token);
    }
    return req;
}

int run_admin_command(const tsmctl_command& cmd, std::ostream& out, std::ostream& err) {
    auto res = http_call(build_admin_request(cmd));
    if (res.ec) {
        err << "tsmctl: " << redact_secrets(res.error, cmd) << "\n";
        return 1;
    }
    if (res.status < 200 || res.status > 299) {
        err << "tsmctl: HTTP " << res.status << ": " << redact_secrets(error_text(res.body), cmd) << "\n";
        return 1;
    }
    if (!res.body.empty()) {
        boost::system::error_code ec;
        auto v = json::parse(res.body, ec);
        if (ec) {
            out << redact_secrets(res.body, cmd) << "\n";
        } else {
            std::ostringstream text;
            pretty(text, v, 0);
            out << redact_secrets(std::move(text).str(), cmd) << "\n";
        }
    } else if (cmd.what == action::apps_delete) {
        out << "deleted " << cmd.app_id << "\n";
    } else if (cmd.what == action::keys_delete) {
        out << "deleted " << cmd.card_id << "\n";
    }
    return 0;
}

} // namespace tsm::tools::tsmctl
