#include "card_keys_admin.hpp"

#include "tsm/core/json_writer.hpp"
#include "tsm/transport/json_codec.hpp"

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

} // namespace

std::string card_keys_admin::build(bool master, std::string id, const transport::http_request& req,
                                   const core::key_vault& vault, core::card_keys_record& out) {
    transport::card_keys_body body;
    if (auto err = transport::decode_card_keys_body(req.body, body); !err.empty()) {
        wipe_body(body);
        return err;
    }
    struct wiper {
        transport::card_keys_body& b;
        ~wiper() { wipe_body(b); }
    } wipe_on_exit{body};

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
    w.key("isd").hex_value(r.isd_aid).key("scp").value(r.scp == 3 ? "03" : "02");
    w.key("kvn").value(static_cast<int>(r.kvn)).key("keyLength").value(static_cast<int>(r.key_length));
    w.key("securityLevel").hex_value(std::string(1, static_cast<char>(r.security_level)));
    if (r.master) {
        w.key("diversification").value(r.diversification);
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
