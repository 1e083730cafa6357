#include "touchpoint/user_prompts.hpp"

#include "touchpoint/fidesmo_json.hpp"
#include "touchpoint/field_encryption.hpp"

#include "tsm/core/json_writer.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <ostream>

namespace tsm::tools::touchpoint {

namespace json = boost::json;

void write_answer_members(core::json_writer& w, const prompt_answer& a) {
    w.key("fields").begin_object();
    for (const auto& [k, v] : a.fields) {
        w.key(k).value(v);
    }
    w.end_object();
    if (!a.ephemeral_key_hex.empty()) {
        w.key("ephemeralKey").value(a.ephemeral_key_hex);
    }
}

user_prompts::user_prompts(const touchpoint_options& opts, std::istream* in, std::ostream& out)
    : opts_(opts), in_(in), out_(out) {}

void user_prompts::set_description(const json::object* description) {
    certificate_hex_ = description ? json_string(*description, "certificate") : std::string();
}

std::optional<prompt_answer> user_prompts::finish(field_values values, bool encrypt,
                                                  std::string& error) const {
    prompt_answer a;
    if (!encrypt) {
        a.fields = std::move(values);
        return a;
    }
    auto enc = encrypt_fields(certificate_hex_, values, error);
    wipe_fields(values);
    if (!enc) {
        return std::nullopt;
    }
    a.fields = std::move(enc->values);
    a.ephemeral_key_hex = std::move(enc->ephemeral_key_hex);
    return a;
}

std::optional<prompt_answer> user_prompts::delivery_fields(const json::object* description,
                                                           const std::vector<std::string>& exclude,
                                                           std::string& error) {
    set_description(description);
    auto specs = parse_field_specs(description ? description->if_contains("fieldsRequired") : nullptr, error);
    if (!specs) {
        error = "the description's fieldsRequired: " + error;
        return std::nullopt;
    }
    field_values values;
    if (!specs->empty()) {
        out_ << "the service asks for " << specs->size() << " field(s)\n";
        field_collector collector(opts_.fields, in_, out_);
        auto collected = collector.collect(*specs, error);
        if (!collected) {
            return std::nullopt;
        }
        values = std::move(*collected);
    }
    auto asked = [&](const std::string& id) {
        return std::any_of(specs->begin(), specs->end(), [&](const field_spec& f) { return f.id == id; });
    };
    for (const auto& [k, v] : opts_.fields) {
        if (!asked(k) && std::find(exclude.begin(), exclude.end(), k) == exclude.end()) {
            values.emplace_back(k, v);
        }
    }
    const bool encrypt = has_certificate() && !values.empty();
    return finish(std::move(values), encrypt, error);
}

std::optional<prompt_answer> user_prompts::answer_fields(const json::value* fields, bool encrypted,
                                                         std::string& error) {
    auto specs = parse_field_specs(fields, error);
    if (!specs) {
        error = "user-interaction fields: " + error;
        return std::nullopt;
    }
    if (encrypted && !has_certificate()) {
        error = "user-interaction asks for encrypted answers but the description has no certificate";
        return std::nullopt;
    }
    out_ << "the service asks for input" << (encrypted ? " (encrypted for the service)" : "") << "\n";
    if (opts_.decline) {
        out_ << "declined (--decline)\n" << std::flush;
        prompt_answer a;
        a.declined = true;
        return a;
    }
    field_collector collector(opts_.fields, in_, out_);
    auto collected = collector.collect(*specs, error);
    if (!collected) {
        return std::nullopt;
    }
    return finish(std::move(*collected), encrypted, error);
}

prompt_answer user_prompts::answer_actions(const json::value* actions) {
    out_ << "the service asks for an action:\n";
    if (actions && actions->is_array()) {
        for (const auto& a : actions->get_array()) {
            if (!a.is_object()) {
                continue;
            }
            const auto& o = a.get_object();
            out_ << "  " << json_string(o, "name");
            if (auto d = json_text(o.if_contains("description")); !d.empty()) {
                out_ << ": " << d;
            }
            if (const auto* p = o.if_contains("parameters");
                p && p->is_object() && !p->get_object().empty()) {
                out_ << " " << json::serialize(*p);
            }
            out_ << "\n";
        }
    }
    prompt_answer a;
    a.declined = opts_.decline;
    out_ << (a.declined ? "declined (--decline)\n" : "acknowledged\n") << std::flush;
    return a;
}

} // namespace tsm::tools::touchpoint
