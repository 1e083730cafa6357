#include "tsm/transport/sp_api/body_decoders.hpp"

#include "tsm/transport/json_reader.hpp"

#include <limits>

namespace tsm::transport::sp_api {
namespace {

using json::body_secrecy;
using core::api_status;

core::api_error bad(std::string message) {
    return core::make_api_error(core::api_errc::bad_request, std::move(message));
}

json::hex_list_limits apdu_list(const limits& lim) {
    json::hex_list_limits l;
    l.max_items = lim.max_commands;
    l.max_bytes = lim.max_apdu_bytes;
    return l;
}

api_status optional_string(json::value& v, std::string_view field, std::optional<std::string>& out) {
    out.emplace();
    return json::read_string(v, field, *out);
}

/// A multilang message: a string (kept as its JSON literal) or an object of translations.
api_status multilang(json::value& v, std::string_view field, std::string& out) {
    auto t = json::type_of(v);
    if (!t) {
        return bad("not valid JSON");
    }
    if (*t == simdjson::ondemand::json_type::object) {
        return json::read_raw_object(v, field, out);
    }
    if (*t != simdjson::ondemand::json_type::string) {
        return bad(std::string(field) + " must be a string or an object of translations");
    }
    if (auto raw = json::read_raw_value(v, field, out); !raw) {
        return raw;
    }
    std::string unescaped; // checks the literal once
    if (!json::read_string(v, field, unescaped)) {
        return bad(std::string(field) + " must be a valid string");
    }
    return {};
}

/// One `{"endpoint","content"}` of actions[index]. The content's text is taken as it stands (a
/// view into the secret, wiped buffer) and copied once: never through the parser's string
/// buffer, as it may hold storedata data. Its own decoder validates it later.
api_status recipe_action(json::value& v, std::size_t index, recipe_action_body& out) {
    const std::string name = "actions[" + std::to_string(index) + "]";
    bool seen_content = false;
    auto st = json::read_members(v, name, [&](std::string_view key, json::value& m) -> api_status {
        if (key == "endpoint") {
            return json::read_string(m, name + ": endpoint", out.endpoint);
        }
        if (key != "content") {
            return {};
        }
        simdjson::ondemand::object obj;
        std::string_view raw;
        if (m.get_object().get(obj) || obj.raw_json().get(raw)) {
            return bad(name + ": content must be an object");
        }
        core::wipe(out.content_json);
        out.content_json.assign(raw);
        seen_content = true;
        return {};
    });
    if (!st) {
        return st;
    }
    if (out.endpoint.empty()) {
        return bad(name + ": missing endpoint");
    }
    if (!seen_content) {
        return bad(name + " (" + out.endpoint + "): missing content");
    }
    return {};
}

api_status recipe_actions(json::value& v, std::vector<recipe_action_body>& out) {
    simdjson::ondemand::array arr;
    if (v.get_array().get(arr)) {
        return bad("actions must be an array");
    }
    out.clear();
    for (auto element : arr) {
        simdjson::ondemand::value item;
        if (element.get(item)) {
            return bad("actions: not valid JSON");
        }
        if (out.size() == max_recipe_actions) {
            return bad("actions: at most " + std::to_string(max_recipe_actions) + " actions");
        }
        if (auto st = recipe_action(item, out.size(), out.emplace_back()); !st) {
            return st;
        }
    }
    return {};
}

} // namespace

core::api_result<std::vector<core::bytes>> decode_commands_body(std::string_view body, const limits& lim) {
    std::vector<core::bytes> commands;
    bool seen = false;
    auto st =
        json::read_object(body, body_secrecy::plain, [&](std::string_view key, json::value& v) -> api_status {
            if (key != "commands") {
                return {};
            }
            seen = true;
            commands.clear();
            return json::read_hex_list(v, "commands", apdu_list(lim), commands);
        });
    if (!st) {
        return st.error();
    }
    if (!seen) {
        return bad("missing commands");
    }
    if (commands.empty()) {
        return bad("commands must not be empty");
    }
    return commands;
}

core::api_result<completed_body> decode_completed_body(std::string_view body) {
    completed_body out;
    bool seen_success = false;
    auto st =
        json::read_object(body, body_secrecy::plain, [&](std::string_view key, json::value& v) -> api_status {
            if (key == "success") {
                seen_success = true;
                return json::read_bool(v, "success", out.success);
            }
            if (key != "message") {
                return {};
            }
            auto t = json::type_of(v);
            if (!t) {
                return bad("not valid JSON");
            }
            if (*t == simdjson::ondemand::json_type::object) {
                return json::read_raw_object(v, "message", out.message_json);
            }
            if (*t != simdjson::ondemand::json_type::string) {
                return bad("message must be a string or an object of translations");
            }
            // Kept as its JSON literal (quotes and escapes): it is relayed verbatim. Unescaping it
            // once checks that the literal is valid.
            if (auto raw = json::read_raw_value(v, "message", out.message_json); !raw) {
                return raw;
            }
            std::string unescaped;
            if (!json::read_string(v, "message", unescaped)) {
                return bad("message must be a valid string");
            }
            return {};
        });
    if (!st) {
        return st.error();
    }
    if (!seen_success) {
        return bad("missing success");
    }
    return out;
}

core::api_status decode_ccm_body(std::string_view body, core::ccm::request_fields& out) {
    return json::read_object(
        body, body_secrecy::secret, [&](std::string_view key, json::value& v) -> api_status {
            if (key == "withRelated") {
                bool b = false;
                if (auto st = json::read_bool(v, "withRelated", b); !st) {
                    return st;
                }
                out.with_related = b;
                return {};
            }
            if (key == "data") {
                // Personalisation data: read in place as hex, never through the parser's string buffer.
                return json::read_hex(v, "data", std::numeric_limits<std::size_t>::max() / 2, true, out.data);
            }
            static constexpr std::pair<std::string_view, std::string core::ccm::request_fields::*> strings[] =
                {{"executableLoadFile", &core::ccm::request_fields::executable_load_file},
                 {"executableModule", &core::ccm::request_fields::executable_module},
                 {"id", &core::ccm::request_fields::id},
                 {"module", &core::ccm::request_fields::module},
                 {"searchBy", &core::ccm::request_fields::search_by},
                 {"application", &core::ccm::request_fields::application},
                 {"parameters", &core::ccm::request_fields::parameters},
                 {"privileges", &core::ccm::request_fields::privileges},
                 {"tagType", &core::ccm::request_fields::tag_type}};
            for (const auto& [name, member] : strings) {
                if (key == name) {
                    return json::read_string(v, name, out.*member);
                }
            }
            return {}; // unknown members are ignored
        });
}

core::api_status decode_recipe_body(std::string_view body, recipe_body& out) {
    bool seen_description = false;
    bool seen_actions = false;
    auto st = json::read_object(
        body, body_secrecy::secret, [&](std::string_view key, json::value& v) -> api_status {
            if (key == "description") {
                seen_description = true;
                return json::read_raw_object(v, "description", out.description_json);
            }
            if (key == "actions") {
                seen_actions = true;
                return recipe_actions(v, out.actions);
            }
            if (key == "successMessage") {
                return multilang(v, "successMessage", out.success_message_json);
            }
            if (key == "failureMessage") {
                return multilang(v, "failureMessage", out.failure_message_json);
            }
            if (key == "serviceResultUri") {
                return json::read_string(v, "serviceResultUri", out.service_result_uri);
            }
            if (key == "serviceCheckUri") {
                std::string ignored; // accepted for Fidesmo's clients; never called (docs/recipes.md)
                return json::read_string(v, "serviceCheckUri", ignored);
            }
            return {};
        });
    if (!st) {
        return st;
    }
    if (!seen_description) {
        return bad("missing description");
    }
    if (!seen_actions) {
        return bad("missing actions");
    }
    if (out.actions.empty()) {
        return bad("actions must not be empty");
    }
    return {};
}

core::api_status decode_create_app_body(std::string_view body, core::desfire::create_app_fields& out) {
    namespace desfire = core::desfire;
    return json::read_object(
        body, body_secrecy::secret, [&](std::string_view key, json::value& v) -> api_status {
            if (key == "aid") {
                return optional_string(v, key, out.aid);
            }
            if (key == "keySettings") {
                return optional_string(v, key, out.key_settings);
            }
            if (key == "keyType") {
                return optional_string(v, key, out.key_type);
            }
            if (key == "isoFileId") {
                return optional_string(v, key, out.iso_file_id);
            }
            if (key == "isoDfName") {
                return optional_string(v, key, out.iso_df_name);
            }
            if (key == "numberOfKeys") {
                std::int64_t n = 0;
                auto st =
                    json::read_int(v, key, 1, static_cast<std::int64_t>(desfire::max_application_keys), n);
                if (st) {
                    out.number_of_keys = n;
                }
                return st;
            }
            if (key == "keyVersion") {
                std::int64_t n = 0;
                auto st = json::read_int(v, key, 0, 255, n);
                if (st) {
                    out.key_version = n;
                }
                return st;
            }
            if (key == "keys") {
                if (out.keys) {
                    for (auto& k : *out.keys) {
                        core::wipe(k);
                    }
                }
                out.keys.emplace();
                json::hex_list_limits l;
                l.max_items = desfire::max_application_keys;
                l.max_bytes = desfire::max_key_bytes;
                return json::read_hex_list(v, key, l, *out.keys);
            }
            return {}; // unknown members are ignored, as on the other operation paths
        });
}

core::api_status decode_desfire_commands_body(std::string_view body, const limits& lim,
                                              core::desfire::commands_fields& out) {
    return json::read_object(body, body_secrecy::plain,
                             [&](std::string_view key, json::value& v) -> api_status {
                                 if (key == "aid") {
                                     return optional_string(v, key, out.aid);
                                 }
                                 if (key == "commands") {
                                     out.commands.emplace();
                                     return json::read_hex_list(v, key, apdu_list(lim), *out.commands);
                                 }
                                 return {};
                             });
}

core::api_status decode_delete_app_body(std::string_view body, core::desfire::delete_app_fields& out) {
    return json::read_object(body, body_secrecy::plain,
                             [&](std::string_view key, json::value& v) -> api_status {
                                 if (key == "aid") {
                                     return optional_string(v, key, out.aid);
                                 }
                                 return {};
                             });
}

} // namespace tsm::transport::sp_api
