#include "tsm/transport/admin_api/admin_bodies.hpp"

#include "tsm/transport/json_reader.hpp"

namespace tsm::transport::admin {
namespace {

constexpr std::size_t max_key_bytes = 1024; // far above any real key: length rules are core's

core::api_error bad(std::string message) {
    return core::make_api_error(core::api_errc::bad_request, std::move(message));
}

/// A secret hex key, read in place (never through the parser's string buffer). "" is "not given".
core::api_status read_key(json::value& v, std::string_view field, core::bytes& out) {
    if (json::type_of(v) != simdjson::ondemand::json_type::string) {
        return bad(std::string(field) + " must be a string");
    }
    if (!json::read_hex(v, field, max_key_bytes, /*allow_empty=*/true, out)) {
        return bad(std::string(field) + " must be a hex key (a plain string of hex digits)");
    }
    return {};
}

core::api_status read_desfire(json::value& v, core::desfire_key_input& d) {
    if (json::type_of(v) != simdjson::ondemand::json_type::object) {
        return bad("desfire must be an object");
    }
    return json::read_members(v, "desfire", [&](std::string_view name, json::value& mv) -> core::api_status {
        if (name == "key") {
            return read_key(mv, "desfire.key", d.key);
        }
        if (name == "keyType") {
            return json::read_string(mv, "desfire.keyType", d.key_type);
        }
        if (name == "diversification") {
            return json::read_string(mv, "desfire.diversification", d.diversification);
        }
        if (name == "systemIdentifier") {
            return json::read_string(mv, "desfire.systemIdentifier", d.system_identifier);
        }
        if (name == "version") {
            if (mv.get_int64().get(d.version)) {
                return bad("desfire.version must be an integer from 0 to 255");
            }
            return {};
        }
        return bad("desfire: unknown member \"" + std::string(name)
                   + "\" (keyType, key, version, diversification, systemIdentifier)");
    });
}

} // namespace

core::api_status decode_app_body(std::string_view body, core::app_definition& out) {
    return json::read_object(body, json::body_secrecy::secret,
                             [&](std::string_view key, json::value& v) -> core::api_status {
                                 if (key == "key") {
                                     return read_key(v, "key", out.key);
                                 }
                                 if (key == "descriptionUrl") {
                                     return json::read_string(v, "descriptionUrl", out.description_url);
                                 }
                                 if (key == "deliveryUrl") {
                                     return json::read_string(v, "deliveryUrl", out.delivery_url);
                                 }
                                 if (key == "deliveryMethod") {
                                     return json::read_string(v, "deliveryMethod", out.delivery_method);
                                 }
                                 if (key == "callbackPrefixes") {
                                     return json::read_string_list(v, "callbackPrefixes",
                                                                   out.callback_prefixes);
                                 }
                                 return {};
                             });
}

core::api_status decode_card_keys_body(std::string_view body, core::card_keys_input& out) {
    return json::read_object(
        body, json::body_secrecy::secret, [&](std::string_view key, json::value& v) -> core::api_status {
            if (key == "enc") {
                return read_key(v, "enc", out.enc);
            }
            if (key == "mac") {
                return read_key(v, "mac", out.mac);
            }
            if (key == "dek") {
                return read_key(v, "dek", out.dek);
            }
            if (key == "kvn") {
                std::int64_t kvn = 0;
                if (v.get_int64().get(kvn)) {
                    return bad("kvn must be an integer");
                }
                out.kvn = kvn;
                return {};
            }
            if (key == "desfire") {
                out.desfire.emplace();
                return read_desfire(v, *out.desfire);
            }
            // the device description: bounds are core's (card_keys_spec)
            if (key == "platformVersion" || key == "batchId") {
                std::int64_t n = 0;
                if (v.get_int64().get(n)) {
                    return bad(std::string(key) + " must be an integer");
                }
                (key == "platformVersion" ? out.platform_version : out.batch_id) = n;
                return {};
            }
            static constexpr std::pair<std::string_view, std::string core::card_keys_input::*> strings[] = {
                {"iin", &core::card_keys_input::iin},
                {"isd", &core::card_keys_input::isd},
                {"scp", &core::card_keys_input::scp},
                {"diversification", &core::card_keys_input::diversification},
                {"securityLevel", &core::card_keys_input::security_level},
                {"osTypeVersionName", &core::card_keys_input::os_type_version_name},
                {"cplc", &core::card_keys_input::cplc},
                {"uid", &core::card_keys_input::uid}};
            for (const auto& [name, member] : strings) {
                if (key == name) {
                    return json::read_string(v, name, out.*member);
                }
            }
            return {};
        });
}

} // namespace tsm::transport::admin
