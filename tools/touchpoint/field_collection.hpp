#pragma once
/// The user's answers to a list of input fields (a description's fieldsRequired or a
/// user-interaction step's fields): taken from --fields values when given, else asked on the
/// terminal. Values are secrets: they are never printed, and callers wipe them after use
/// (wipe_fields). Synchronous; runs on the touch point's one thread.
#include <boost/json/fwd.hpp>

#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tsm::tools::touchpoint {

/// One field as the server describes it: {id, type, label | labels[], format?}.
struct field_spec {
    std::string id;
    std::string type;                ///< edit, checkbox, date, option, paymentcard, text, image
    std::string label;               ///< the label's text (English preferred), may be empty
    std::vector<std::string> labels; ///< option: the choices (the answer is an index)
    std::string format;              ///< optional hint (shown with the prompt)
};

using field_values = std::vector<std::pair<std::string, std::string>>;

/// Reads a fields array; nullopt with `error` when it is not an array of objects with an id.
std::optional<std::vector<field_spec>> parse_field_specs(const boost::json::value* fields,
                                                         std::string& error);

/// Whether the type is shown only (text, image): it gets no answer.
bool is_display_only(const field_spec& f);

/// "YYYY-MM-DD" naming a real calendar day.
bool is_valid_date(const std::string& s);

/// A paymentcard answer as the JSON object {"cardNumber","expiryMonth","expiryYear","cvv"?}
/// from "NUMBER/MM/YYYY[/CVV]" (the --fields form: one value with no commas); nullopt when the
/// number is not 12..19 digits, the month not 1..12, the year not 4 digits or the CVV not 3..4 digits.
std::optional<std::string> payment_card_json(const std::string& number, const std::string& month,
                                             const std::string& year, const std::string& cvv);
std::optional<std::string> payment_card_from_compact(const std::string& compact);

/// Overwrites every value in memory, then empties the list.
void wipe_fields(field_values& values) noexcept;
void wipe_text(std::string& s) noexcept;

class field_collector {
public:
    /// `given`: the --fields values (id=value); `in`: the terminal, nullptr when none (a field
    /// without a given value is then an error); `out`: labels and prompts (never values).
    field_collector(const field_values& given, std::istream* in, std::ostream& out);

    /// One answer per field that takes one, in the fields' order. A given value is checked
    /// against its type (checkbox true/false, date YYYY-MM-DD, option an index into labels,
    /// paymentcard NUMBER/MM/YYYY[/CVV]); a prompt repeats until the answer is valid.
    /// nullopt with `error` on an invalid given value or a closed terminal.
    std::optional<field_values> collect(const std::vector<field_spec>& fields, std::string& error);

private:
    const std::string* given_value(const std::string& id) const;
    /// One line from the terminal; false at end of input.
    bool ask(const std::string& prompt, std::string& line);
    std::optional<std::string> from_given(const field_spec& f, const std::string& v,
                                          std::string& error) const;
    std::optional<std::string> prompt_for(const field_spec& f, std::string& error);

    const field_values& given_;
    std::istream* in_;
    std::ostream& out_;
};

} // namespace tsm::tools::touchpoint
