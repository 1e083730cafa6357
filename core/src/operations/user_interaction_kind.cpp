// The user interaction kinds (user-interaction: fields to fill in; user-action: actions to
// acknowledge). The operation asks once (operation_step::ask) and finishes with the answer: the
// fields (and ephemeralKey) become the callback's members, marked as user input so that the
// engine stores them sealed; a declined prompt fails with declined-by-user. No APDU is sent.
// Runs on the session's shard.
#include "operations/kinds.hpp"

#include "tsm/core/key_vault.hpp"
#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/user_interaction.hpp"

#include <utility>

namespace tsm::core {
namespace user_interaction {
namespace {

class prompt_operation final : public operation {
public:
    explicit prompt_operation(prompt p) : prompt_(std::move(p)) {}

    operation_step start() override { return operation_step::ask(prompt_); }

    operation_step on_responses(std::vector<bytes>) override {
        return operation_step::finish(
            failed_outcome(api_errc::internal_error, "a user interaction got APDU responses"));
    }

    operation_step on_input(user_input input) override {
        if (input.declined) {
            wipe(input.fields_json);
            return operation_step::finish(failed_outcome(declined_status, std::string(declined_code),
                                                         "the user declined to answer"));
        }
        operation_outcome o;
        o.holds_user_input = true;
        if (prompt_.type == prompt::kind::fields) {
            std::string& m = o.user_input_members;
            m.reserve(16 + input.fields_json.size() + input.ephemeral_key.size());
            m += "\"fields\":";
            m += input.fields_json.empty() ? std::string_view("{}") : std::string_view(input.fields_json);
            if (!input.ephemeral_key.empty()) {
                m += ",\"ephemeralKey\":\""; // hex, checked by the transport that decoded it
                m += input.ephemeral_key;
                m += '"';
            }
        }
        wipe(input.fields_json);
        return operation_step::finish(std::move(o));
    }

private:
    prompt prompt_;
};

bool plausible_array(std::string_view json) {
    return json.size() >= 2 && json.front() == '[' && json.back() == ']';
}

} // namespace

bytes encode_payload(const prompt& p) {
    bytes out;
    out.reserve(1 + p.json.size());
    out.push_back(p.encrypted ? '\x01' : '\x00');
    out += p.json;
    return out;
}

std::optional<prompt> decode_payload(std::string_view payload, prompt::kind type) {
    if (payload.empty() || (payload[0] != '\x00' && payload[0] != '\x01')) {
        return std::nullopt;
    }
    prompt p;
    p.type = type;
    p.encrypted = payload[0] == '\x01';
    p.json = std::string(payload.substr(1));
    if (!plausible_array(p.json)) {
        return std::nullopt;
    }
    return p;
}

std::unique_ptr<operation> make_operation(prompt p) {
    return std::make_unique<prompt_operation>(std::move(p));
}

} // namespace user_interaction

namespace operations {
namespace {

operation_registry::kind prompt_kind(prompt::kind type) {
    return {[type](std::string_view payload) -> api_status {
                if (!user_interaction::decode_payload(payload, type)) {
                    return make_api_error(api_errc::bad_request, "the prompt must hold a list");
                }
                return {};
            },
            [type](const operation_record& op, const session_record&, operation_registry::done_handler done) {
                auto p = user_interaction::decode_payload(op.payload, type);
                if (!p) {
                    done(nullptr, failed_outcome(make_api_error(api_errc::internal_error,
                                                                "the stored operation could not be rebuilt")));
                    return;
                }
                done(user_interaction::make_operation(std::move(*p)), std::nullopt);
            }};
}

} // namespace

void register_user_interaction(operation_registry& registry, const operation_dependencies&) {
    user_interaction::register_kinds(registry);
}

} // namespace operations

void user_interaction::register_kinds(operation_registry& registry) {
    registry.add(kinds::user_interaction, operations::prompt_kind(prompt::kind::fields));
    registry.add(kinds::user_action, operations::prompt_kind(prompt::kind::actions));
}
} // namespace tsm::core
