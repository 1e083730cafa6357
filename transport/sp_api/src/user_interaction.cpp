// POST|PUT /user-interaction and /user-action: the SP asks the user of its session, through the
// touch point, to fill in fields (same schema as a description's fieldsRequired) or to
// acknowledge actions (Fidesmo's `action` step, e.g. a phone call to make). The body is checked
// and re-rendered canonical here (core parses no JSON); the operation kind keeps the prompt as
// its payload. Runs on the request's shard; the operation is queued on the session's owner.
#include "handler_support.hpp"

#include "tsm/core/json_writer.hpp"
#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/user_interaction.hpp"
#include "tsm/transport/json_reader.hpp"

#include <set>

namespace tsm::transport::sp_api {
namespace {

constexpr std::size_t max_items = 32;      ///< fields or actions per prompt
constexpr std::size_t max_id_chars = 128;  ///< a field id or an action name
constexpr std::size_t max_text_chars = 64; ///< a field type or format

core::api_error bad(std::string text) {
    return core::make_api_error(core::api_errc::bad_request, std::move(text));
}

bool known_field_type(std::string_view t) {
    for (std::string_view k : {"edit", "checkbox", "date", "option", "paymentcard", "text", "image"}) {
        if (t == k) {
            return true;
        }
    }
    return false;
}

/// A multilang text: a string, or an object of strings by language.
core::api_status read_multilang(json::value& v, const std::string& field, std::string& out) {
    const auto t = json::type_of(v);
    if (!t || (*t != simdjson::ondemand::json_type::string && *t != simdjson::ondemand::json_type::object)) {
        return bad(field + " must be a string or an object of strings by language");
    }
    return json::read_raw_value(v, field, out);
}

/// Walks the array `v`, calling `each(index, item)` per element; at most max_items, at least one.
core::api_status read_list(json::value& v, std::string_view field,
                           const std::function<core::api_status(std::size_t, json::value&)>& each) {
    simdjson::ondemand::array arr;
    if (v.get_array().get(arr)) {
        return bad(std::string(field) + " must be an array");
    }
    std::size_t index = 0;
    for (auto element : arr) {
        json::value item;
        if (element.get(item)) {
            return bad(std::string(field) + " is not valid JSON");
        }
        if (index >= max_items) {
            return bad(std::string(field) + ": at most " + std::to_string(max_items) + " entries");
        }
        if (auto st = each(index, item); !st) {
            return st;
        }
        ++index;
    }
    if (index == 0) {
        return bad(std::string(field) + " must hold at least one entry");
    }
    return {};
}

core::api_status read_field(json::value& v, std::size_t index, std::set<std::string, std::less<>>& ids,
                            core::json_writer& w) {
    const std::string name = "fields[" + std::to_string(index) + "]";
    std::string id;
    std::string type;
    std::string label;
    std::string labels;
    std::string format;
    auto st = json::read_members(v, name, [&](std::string_view key, json::value& fv) -> core::api_status {
        if (key == "id") {
            return json::read_string(fv, name + ".id", id);
        }
        if (key == "type") {
            return json::read_string(fv, name + ".type", type);
        }
        if (key == "label") {
            return read_multilang(fv, name + ".label", label);
        }
        if (key == "labels") {
            const auto t = json::type_of(fv);
            if (!t || *t != simdjson::ondemand::json_type::array) {
                return bad(name + ".labels must be an array");
            }
            return json::read_raw_value(fv, name + ".labels", labels);
        }
        if (key == "format") {
            return json::read_string(fv, name + ".format", format);
        }
        return {}; // members the schema does not list are dropped
    });
    if (!st) {
        return st;
    }
    if (id.empty() || id.size() > max_id_chars) {
        return bad(name + ".id is required (at most 128 characters)");
    }
    if (!ids.insert(id).second) {
        return bad(name + ".id '" + id + "' is used twice");
    }
    if (!known_field_type(type)) {
        return bad(name + ".type must be one of edit, checkbox, date, option, paymentcard, text, image");
    }
    if (label.empty() && labels.empty()) {
        return bad(name + " needs label or labels");
    }
    if (format.size() > max_text_chars) {
        return bad(name + ".format is at most 64 characters");
    }
    w.begin_object().key("id").value(id).key("type").value(type);
    if (!label.empty()) {
        w.key("label").raw(label);
    }
    if (!labels.empty()) {
        w.key("labels").raw(labels);
    }
    if (!format.empty()) {
        w.key("format").value(format);
    }
    w.end_object();
    return {};
}

core::api_status read_action(json::value& v, std::size_t index, core::json_writer& w) {
    const std::string field = "actions[" + std::to_string(index) + "]";
    std::string name;
    std::string description;
    std::string parameters;
    auto st = json::read_members(v, field, [&](std::string_view key, json::value& av) -> core::api_status {
        if (key == "name") {
            return json::read_string(av, field + ".name", name);
        }
        if (key == "description") {
            return read_multilang(av, field + ".description", description);
        }
        if (key == "parameters") {
            return json::read_raw_object(av, field + ".parameters", parameters);
        }
        return {};
    });
    if (!st) {
        return st;
    }
    if (name.empty() || name.size() > max_id_chars) {
        return bad(field + ".name is required (at most 128 characters)");
    }
    w.begin_object().key("name").value(name);
    if (!description.empty()) {
        w.key("description").raw(description);
    }
    if (!parameters.empty()) {
        w.key("parameters").raw(parameters);
    }
    w.end_object();
    return {};
}

} // namespace

core::api_result<core::prompt> decode_user_interaction_body(std::string_view body) {
    core::prompt p;
    p.type = core::prompt::kind::fields;
    core::json_writer w;
    bool has_fields = false;
    std::set<std::string, std::less<>> ids;
    auto st = json::read_object(body, json::body_secrecy::plain,
                                [&](std::string_view key, json::value& v) -> core::api_status {
                                    if (key == "fields") {
                                        if (has_fields) {
                                            return bad("fields given twice");
                                        }
                                        has_fields = true;
                                        w.begin_array();
                                        auto fields =
                                            read_list(v, "fields", [&](std::size_t i, json::value& f) {
                                                return read_field(f, i, ids, w);
                                            });
                                        w.end_array();
                                        return fields;
                                    }
                                    if (key == "encrypted") {
                                        return json::read_bool(v, "encrypted", p.encrypted);
                                    }
                                    return {};
                                });
    if (!st) {
        return st.error();
    }
    if (!has_fields) {
        return bad("fields is required (1 to 32 fields)");
    }
    p.json = std::move(w).str();
    return p;
}

core::api_result<core::prompt> decode_user_action_body(std::string_view body) {
    core::prompt p;
    p.type = core::prompt::kind::actions;
    core::json_writer w;
    bool has_actions = false;
    auto st = json::read_object(body, json::body_secrecy::plain,
                                [&](std::string_view key, json::value& v) -> core::api_status {
                                    if (key == "actions") {
                                        if (has_actions) {
                                            return bad("actions given twice");
                                        }
                                        has_actions = true;
                                        w.begin_array();
                                        auto actions =
                                            read_list(v, "actions", [&](std::size_t i, json::value& a) {
                                                return read_action(a, i, w);
                                            });
                                        w.end_array();
                                        return actions;
                                    }
                                    return {};
                                });
    if (!st) {
        return st.error();
    }
    if (!has_actions) {
        return bad("actions is required (1 to 32 actions)");
    }
    p.json = std::move(w).str();
    return p;
}

void user_interaction(const context& ctx, const core::app_record& app, http_request& req, const route_match&,
                      http_responder& respond) {
    auto p = decode_user_interaction_body(req.body);
    if (!p) {
        respond(make_error_response(p.error()));
        return;
    }
    accept(ctx, app, req, respond,
           core::operation_request{std::string(core::kinds::user_interaction),
                                   core::user_interaction::encode_payload(*p)});
}

void user_action(const context& ctx, const core::app_record& app, http_request& req, const route_match&,
                 http_responder& respond) {
    auto p = decode_user_action_body(req.body);
    if (!p) {
        respond(make_error_response(p.error()));
        return;
    }
    accept(ctx, app, req, respond,
           core::operation_request{std::string(core::kinds::user_action),
                                   core::user_interaction::encode_payload(*p)});
}

} // namespace tsm::transport::sp_api
