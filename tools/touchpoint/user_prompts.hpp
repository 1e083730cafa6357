#pragma once
/// The touch point's side of user input, for every dialect that has it (v1 and the Fidesmo long
/// poll): the description's fieldsRequired collected before delivery, the answers to a
/// user-interaction step (encrypted under the description's certificate when it asks), and the
/// user-action step shown and acknowledged. Values come from --fields or the terminal (see
/// field_collector) and are never printed. Synchronous; one per delivery, on the driver's thread.
#include "touchpoint/field_collection.hpp"
#include "touchpoint/touchpoint_options.hpp"

#include <boost/json/fwd.hpp>

#include <iosfwd>
#include <optional>
#include <string>

namespace tsm::core {
class json_writer;
}

namespace tsm::tools::touchpoint {

/// What the touch point answers: the fields (clear, or hex ciphertext with the wrapped key), or
/// that the user declined. The values are wiped when it is destroyed.
struct prompt_answer {
    bool declined = false;
    field_values fields;
    std::string ephemeral_key_hex; ///< empty: the values are clear
    prompt_answer() = default;
    prompt_answer(prompt_answer&&) = default;
    prompt_answer& operator=(prompt_answer&&) = default;
    ~prompt_answer() { wipe_fields(fields); }
};

/// Writes "fields":{id:value,...} and, when encrypted, "ephemeralKey" into an open object.
void write_answer_members(core::json_writer& w, const prompt_answer& a);

class user_prompts {
public:
    /// `in`: the terminal (nullptr: none; a field without a --fields value then fails).
    user_prompts(const touchpoint_options& opts, std::istream* in, std::ostream& out);

    void set_terminal(std::istream* in) { in_ = in; }

    /// Reads the description's certificate (hex DER X.509) for later encryption.
    void set_description(const boost::json::object* description);
    bool has_certificate() const { return !certificate_hex_.empty(); }

    /// The fields the deliver request carries: the description's fieldsRequired answered (in
    /// their order), then every other --fields value not in `exclude` (the legacy email/msisdn
    /// the long poll sends beside them). Encrypted when the description has a certificate.
    std::optional<prompt_answer> delivery_fields(const boost::json::object* description,
                                                 const std::vector<std::string>& exclude, std::string& error);

    /// A user-interaction step's fields answered (declined with --decline). `encrypted` without a
    /// certificate in the description is an error (the answer could not be encrypted).
    std::optional<prompt_answer> answer_fields(const boost::json::value* fields, bool encrypted,
                                               std::string& error);

    /// A user-action step: each action's name, description and parameters are shown; the answer
    /// acknowledges them (declined with --decline).
    prompt_answer answer_actions(const boost::json::value* actions);

private:
    std::optional<prompt_answer> finish(field_values values, bool encrypt, std::string& error) const;

    const touchpoint_options& opts_;
    std::istream* in_;
    std::ostream& out_;
    std::string certificate_hex_;
};

} // namespace tsm::tools::touchpoint
