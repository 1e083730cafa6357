#include "card_keys_admin.hpp"

#include "json_members.hpp"

#include "tsm/core/card_keys_context.hpp"
#include "tsm/core/desfire/key_type.hpp"
#include "tsm/core/json_writer.hpp"
#include "tsm/transport/json_codec.hpp"

#include <simdjson.h>
#include <sodium.h>

namespace tsm::tsmd {
namespace {

using transport::make_error_response;

std::string upper_hex(std::string_view hex) {
    std::string out(hex);
    for (char& c : out) {
        if (c >= 'a' && c <= 'f') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return out;
}

void wipe_body(transport::card_keys_body& b) {
    core::wipe(b.enc);
    core::wipe(b.mac);
    core::wipe(b.dek);
}

/// True when the body carries any GlobalPlatform field (then all the required ones must be valid).
bool has_gp_fields(const transport::card_keys_body& b) {
    return !b.isd.empty() || !b.scp.empty() || b.kvn != -1 || !b.enc.empty() || !b.mac.empty()
        || !b.dek.empty() || !b.security_level.empty() || !b.diversification.empty();
}

/// The "desfire" member of a card keys body. The key stays hex text; the caller wipes it.
struct desfire_body {
    bool present = false;
    std::string key_type;
    std::string key;
    std::int64_t version = 0;
    std::string diversification;
    std::string system_identifier;
};

/// A string value read from the input buffer itself (not copied into the parser's string
/// buffer), so that wiping the input wipes the key. Escapes are refused: hex needs none.
std::string raw_string(simdjson::ondemand::value v, std::string& out, std::string_view field) {
    simdjson::ondemand::json_type t;
    if (v.type().get(t) || t != simdjson::ondemand::json_type::string) {
        return "desfire." + std::string(field) + " must be a string";
    }
    std::string_view raw = v.raw_json_token();
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\n' || raw.back() == '\r')) {
        raw.remove_suffix(1);
    }
    if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"'
        || raw.substr(1, raw.size() - 2).find('\\') != std::string_view::npos) {
        return "desfire." + std::string(field) + " must be a plain string";
    }
    out.assign(raw.substr(1, raw.size() - 2));
    return {};
}

/// Finds and decodes the optional "desfire" object of `json` (already checked to be one object by
/// the transport codec). Unknown members of the desfire object are refused: a misspelt
/// "systemIdentifier" must not silently give another key.
std::string decode_desfire(std::string_view json, desfire_body& out) {
    namespace od = simdjson::ondemand;
    wiped_padded_body padded(json);
    od::parser parser;
    od::document doc;
    od::object top;
    if (parser.iterate(padded.get()).get(doc) || doc.get_object().get(top)) {
        return "not valid JSON";
    }
    for (auto field : top) {
        std::string_view key;
        od::value v;
        if (field.unescaped_key().get(key) || field.value().get(v)) {
            return "not valid JSON";
        }
        if (key != "desfire") {
            continue;
        }
        od::object d;
        if (v.get_object().get(d)) {
            return "desfire must be an object";
        }
        out.present = true;
        return for_each_member(d, [&](std::string_view name, od::value mv) -> std::string {
            if (name == "keyType") {
                return raw_string(mv, out.key_type, name);
            }
            if (name == "key") {
                return raw_string(mv, out.key, name);
            }
            if (name == "diversification") {
                return raw_string(mv, out.diversification, name);
            }
            if (name == "systemIdentifier") {
                return raw_string(mv, out.system_identifier, name);
            }
            if (name == "version") {
                if (mv.get_int64().get(out.version)) {
                    return "desfire.version must be an integer from 0 to 255";
                }
                return {};
            }
            return "desfire: unknown member \"" + std::string(name)
                   + "\" (keyType, key, version, diversification, systemIdentifier)";
        });
    }
    return {};
}

/// Validates the DESFire part and seals its key into `out` (whose master flag and id are set).
std::string build_desfire(desfire_body& d, const core::key_vault& vault, core::card_keys_record& out) {
    namespace desfire = core::desfire;
    const auto type = desfire::parse_key_type(d.key_type);
    if (!type) {
        return "desfire.keyType must be AES, 3K3DES, 2K3DES or DES";
    }
    auto key = core::from_hex(d.key);
    struct key_wiper {
        std::optional<core::bytes>& k;
        ~key_wiper() {
            if (k) {
                core::wipe(*k);
            }
        }
    } wipe_key{key};
    const std::size_t n = desfire::key_length(*type);
    if (!key || key->empty()) {
        return "desfire.key must be a hex key";
    }
    if (key->size() != n) {
        return "desfire.key must be " + std::to_string(n) + " bytes for " + d.key_type + " (got "
               + std::to_string(key->size()) + ")";
    }
    if (d.version < 0 || d.version > 255) {
        return "desfire.version must be an integer from 0 to 255";
    }
    if (out.master) {
        const std::string method = d.diversification.empty() ? std::string("none") : d.diversification;
        if (method != "none" && method != "an10922") {
            return "desfire.diversification must be none or an10922";
        }
        if (method == "an10922" && *type == desfire::key_type::des) {
            return "an10922 diversification applies to AES, 2K3DES and 3K3DES keys, not DES";
        }
        auto sid = core::from_hex(d.system_identifier);
        if (!sid) {
            return "desfire.systemIdentifier must be hex";
        }
        // AN10922: M = UID (7) || AID (3) || system identifier, at most 2 blocks less the prefix
        // byte: 31 bytes for AES, 15 for the DES family.
        const std::size_t max_m = 2 * desfire::block_size(*type) - 1;
        if (sid->size() > max_m - 10) {
            return "desfire.systemIdentifier is at most " + std::to_string(max_m - 10) + " bytes for " + d.key_type
                   + " (AN10922: UID (7) || AID (3) || system identifier <= " + std::to_string(max_m) + " bytes)";
        }
        if (!sid->empty() && method != "an10922") {
            return "desfire.systemIdentifier applies to an10922 diversification only";
        }
        out.desfire_diversification = method;
        out.desfire_system_identifier = std::move(*sid);
    } else if (!d.diversification.empty() || !d.system_identifier.empty()) {
        return "desfire.diversification and desfire.systemIdentifier apply to IIN master key sets only";
    }
    out.desfire_key_type = std::string(desfire::key_type_name(*type));
    out.desfire_key_version = static_cast<std::uint8_t>(d.version);
    out.desfire_sealed_key = vault.seal(*key, desfire_key_context(out));
    return {};
}

} // namespace

std::string card_keys_admin::build(bool master, std::string id, const transport::http_request& req,
                                   const core::key_vault& vault, core::card_keys_record& out) {
    transport::card_keys_body body;
    if (auto err = transport::decode_card_keys_body(req.body, body); !err.empty()) {
        wipe_body(body);
        return err;
    }
    desfire_body df;
    struct wiper {
        transport::card_keys_body& b;
        desfire_body& d;
        ~wiper() {
            wipe_body(b);
            core::wipe(d.key);
        }
    } wipe_on_exit{body, df};
    if (auto err = decode_desfire(req.body, df); !err.empty()) {
        return err;
    }

    if (!core::is_hex(id) || id.size() > 64) {
        return master ? "the IIN must be hex" : "the CIN must be hex (at most 32 bytes)";
    }
    out.master = master;
    out.id = upper_hex(id);
    if (master) {
        out.iin = out.id;
    } else {
        if (!body.iin.empty() && !core::is_hex(body.iin)) {
            return "iin must be hex";
        }
        out.iin = upper_hex(body.iin);
    }
    const bool gp = has_gp_fields(body);
    if (!gp && !df.present) {
        return "give GlobalPlatform keys (isd, scp, kvn, enc, mac, dek), a desfire object, or both";
    }
    if (df.present) {
        if (auto err = build_desfire(df, vault, out); !err.empty()) {
            return err;
        }
    }
    if (!gp) {
        return {};
    }
    auto isd = core::from_hex(body.isd);
    if (!isd || isd->size() < 5 || isd->size() > 16) {
        return "isd must be an AID of 5 to 16 bytes in hex";
    }
    out.isd_aid = std::move(*isd);
    if (body.scp == "03") {
        out.scp = 3;
    } else if (body.scp == "02") {
        out.scp = 2;
    } else {
        return "scp must be \"03\" or \"02\"";
    }
    if (body.kvn < 0 || body.kvn > 255) {
        return "kvn must be an integer from 0 to 255";
    }
    out.kvn = static_cast<std::uint8_t>(body.kvn);
    auto enc = core::from_hex(body.enc);
    auto mac = core::from_hex(body.mac);
    auto dek = core::from_hex(body.dek);
    core::bytes keys;
    struct key_wiper {
        std::optional<core::bytes>& a;
        std::optional<core::bytes>& b;
        std::optional<core::bytes>& c;
        core::bytes& k;
        ~key_wiper() {
            for (auto* x : {&a, &b, &c}) {
                if (*x) {
                    core::wipe(**x);
                }
            }
            core::wipe(k);
        }
    } wipe_keys{enc, mac, dek, keys};
    if (!enc || !mac || !dek || enc->empty()) {
        return "enc, mac and dek must be hex keys";
    }
    if (enc->size() != mac->size() || enc->size() != dek->size()) {
        return "enc, mac and dek must have the same length";
    }
    const std::size_t n = enc->size();
    if (out.scp == 3 && n != 16 && n != 24 && n != 32) {
        return "SCP03 keys are AES-128, AES-192 or AES-256 (16, 24 or 32 bytes)";
    }
    if (out.scp == 2 && n != 16) {
        return "SCP02 keys are two-key 3DES (16 bytes)";
    }
    out.key_length = static_cast<std::uint8_t>(n);
    const std::string level = body.security_level.empty() ? std::string("03") : body.security_level;
    const bool level_ok = out.scp == 3 ? (level == "01" || level == "03" || level == "11" || level == "13" || level == "33")
                                       : (level == "01" || level == "03");
    if (!level_ok) {
        return out.scp == 3 ? "securityLevel must be 01, 03, 11, 13 or 33 for SCP03"
                            : "securityLevel must be 01 or 03 for SCP02";
    }
    out.security_level = static_cast<std::uint8_t>(std::stoi(level, nullptr, 16));
    if (master) {
        const std::string& d = body.diversification.empty() ? std::string("none") : body.diversification;
        if (d != "none" && d != "kdf3" && d != "emv" && d != "visa2") {
            return "diversification must be none, kdf3, emv or visa2";
        }
        // EMV and VISA2 diversify 3DES keys, KDF3 AES keys: refuse a set that could never work.
        if ((d == "emv" || d == "visa2") && out.scp != 2) {
            return "emv and visa2 diversification apply to SCP02 (3DES) key sets";
        }
        if (d == "kdf3" && out.scp != 3) {
            return "kdf3 diversification applies to SCP03 (AES) key sets";
        }
        out.diversification = d;
    } else if (!body.diversification.empty()) {
        return "diversification applies to IIN master key sets only";
    }
    keys = *enc + *mac + *dek;
    out.sealed_keys = vault.seal(keys, (master ? "m/" : "c/") + out.id);
    return {};
}

std::string card_keys_admin::to_json(const core::card_keys_record& r) {
    core::json_writer w;
    w.begin_object();
    if (r.master) {
        w.key("iin").value(r.id);
    } else {
        w.key("cin").value(r.id).key("iin").value(r.iin);
    }
    if (!r.sealed_keys.empty()) {
        w.key("isd").hex_value(r.isd_aid).key("scp").value(r.scp == 3 ? "03" : "02");
        w.key("kvn").value(static_cast<int>(r.kvn)).key("keyLength").value(static_cast<int>(r.key_length));
        w.key("securityLevel").hex_value(std::string(1, static_cast<char>(r.security_level)));
        if (r.master) {
            w.key("diversification").value(r.diversification);
        }
    }
    if (!r.desfire_key_type.empty()) {
        // Type, version and method only: the key itself never leaves the record.
        w.key("desfire").begin_object();
        w.key("keyType").value(r.desfire_key_type).key("version").value(static_cast<int>(r.desfire_key_version));
        if (r.master) {
            w.key("diversification").value(r.desfire_diversification);
            w.key("systemIdentifier").hex_value(r.desfire_system_identifier);
        }
        w.key("hasKey").value(!r.desfire_sealed_key.empty());
        w.end_object();
    }
    w.end_object();
    return std::move(w).str();
}

bool card_keys_admin::handle(const transport::http_request& req, transport::http_responder& respond) {
    const std::string_view path = req.path();
    constexpr std::string_view cards = "/admin/v1/cards/";
    constexpr std::string_view iins = "/admin/v1/iins/";
    bool master = false;
    std::string id;
    if (path.starts_with(cards)) {
        id.assign(path.substr(cards.size()));
    } else if (path.starts_with(iins)) {
        master = true;
        id.assign(path.substr(iins.size()));
    } else {
        return false;
    }
    if (!core::is_hex(id) || id.size() > 64) {
        respond(make_error_response(400, "bad-request", master ? "the IIN must be hex" : "the CIN must be hex"));
        return true;
    }
    id = upper_hex(id);
    if (req.method == "PUT") {
        put(master, std::move(id), req, std::move(respond));
    } else if (req.method == "GET") {
        get(master, std::move(id), std::move(respond));
    } else if (req.method == "DELETE") {
        erase(master, std::move(id), std::move(respond));
    } else {
        respond(make_error_response(405, "method-not-allowed", "use GET, PUT or DELETE"));
    }
    return true;
}

void card_keys_admin::put(bool master, std::string id, const transport::http_request& req,
                          transport::http_responder respond) {
    core::card_keys_record rec;
    if (auto err = build(master, std::move(id), req, vault_, rec); !err.empty()) {
        respond(make_error_response(400, "bad-request", err));
        return;
    }
    std::string json = to_json(rec);
    core::write_set w;
    w.put_card_keys.push_back(std::move(rec));
    store_.commit(std::move(w), core::durability::sync, ioc_.get_executor(),
                  [json = std::move(json), respond = std::move(respond)](std::error_code ec) mutable {
                      if (ec) {
                          respond(make_error_response(503, "unavailable", "could not store the keys"));
                          return;
                      }
                      transport::http_response r;
                      r.body = std::move(json);
                      respond(std::move(r));
                  });
}

void card_keys_admin::get(bool master, std::string id, transport::http_responder respond) {
    store_.load_card_keys(master, std::move(id), ioc_.get_executor(),
                          [respond = std::move(respond)](std::error_code ec, std::optional<core::card_keys_record> r) mutable {
                              if (ec) {
                                  respond(make_error_response(503, "unavailable", "could not read the keys"));
                              } else if (!r) {
                                  respond(make_error_response(404, "not-found", "no keys for this card"));
                              } else {
                                  transport::http_response res;
                                  res.body = to_json(*r);
                                  respond(std::move(res));
                              }
                          });
}

void card_keys_admin::erase(bool master, std::string id, transport::http_responder respond) {
    // Read first so that deleting what is not there is a 404, as for apps.
    store_.load_card_keys(
        master, id, ioc_.get_executor(),
        [this, master, id, respond = std::move(respond)](std::error_code ec, std::optional<core::card_keys_record> r) mutable {
            if (ec) {
                respond(make_error_response(503, "unavailable", "could not read the keys"));
                return;
            }
            if (!r) {
                respond(make_error_response(404, "not-found", "no keys for this card"));
                return;
            }
            core::write_set w;
            w.delete_card_keys.emplace_back(master, id);
            store_.commit(std::move(w), core::durability::sync, ioc_.get_executor(),
                          [id, respond = std::move(respond)](std::error_code ec2) mutable {
                              if (ec2) {
                                  respond(make_error_response(503, "unavailable", "could not delete the keys"));
                                  return;
                              }
                              transport::http_response res;
                              res.body = "{\"deleted\":\"" + id + "\"}";
                              respond(std::move(res));
                          });
        });
}

} // namespace tsm::tsmd
