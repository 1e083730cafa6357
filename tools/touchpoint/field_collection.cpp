#include "touchpoint/field_collection.hpp"

#include "touchpoint/fidesmo_json.hpp"

#include "tsm/core/json_writer.hpp"

#include <boost/json/value.hpp>

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <istream>
#include <ostream>

namespace tsm::tools::touchpoint {

namespace json = boost::json;

namespace {

bool all_digits(const std::string& s) {
    return !s.empty()
           && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

int to_int(const std::string& s) {
    int n = 0;
    for (char c : s) {
        n = n * 10 + (c - '0');
        if (n > 100000) {
            break;
        }
    }
    return n;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) {
        s.pop_back();
    }
    std::size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
        ++i;
    }
    return s.substr(i);
}

std::string shown_label(const field_spec& f) {
    return f.label.empty() ? f.id : f.label;
}

std::optional<std::string> option_index(const field_spec& f, const std::string& v) {
    if (!all_digits(v) || v.size() > 4) {
        return std::nullopt;
    }
    const int i = to_int(v);
    if (i < 0 || static_cast<std::size_t>(i) >= f.labels.size()) {
        return std::nullopt;
    }
    return std::to_string(i);
}

} // namespace

std::optional<std::vector<field_spec>> parse_field_specs(const json::value* fields, std::string& error) {
    std::vector<field_spec> out;
    if (!fields || fields->is_null()) {
        return out;
    }
    if (!fields->is_array()) {
        error = "fields is not an array";
        return std::nullopt;
    }
    for (const auto& v : fields->get_array()) {
        if (!v.is_object()) {
            error = "a field is not an object";
            return std::nullopt;
        }
        const auto& o = v.get_object();
        field_spec f;
        f.id = json_string(o, "id");
        f.type = json_string(o, "type");
        f.format = json_string(o, "format");
        if (f.id.empty()) {
            error = "a field has no id";
            return std::nullopt;
        }
        if (f.type.empty()) {
            f.type = "edit";
        }
        f.label = json_text(o.if_contains("label"));
        if (const auto* ls = o.if_contains("labels"); ls && ls->is_array()) {
            for (const auto& l : ls->get_array()) {
                f.labels.push_back(json_text(&l));
            }
        }
        if (f.label.empty() && f.type != "option" && !f.labels.empty()) {
            f.label = f.labels.front();
        }
        out.push_back(std::move(f));
    }
    return out;
}

bool is_display_only(const field_spec& f) {
    return f.type == "text" || f.type == "image";
}

bool is_valid_date(const std::string& s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') {
        return false;
    }
    const std::string y = s.substr(0, 4), m = s.substr(5, 2), d = s.substr(8, 2);
    if (!all_digits(y) || !all_digits(m) || !all_digits(d)) {
        return false;
    }
    const int year = to_int(y), month = to_int(m), day = to_int(d);
    if (month < 1 || month > 12 || day < 1) {
        return false;
    }
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const int max_day = month == 2 && leap ? 29 : days[month - 1];
    return day <= max_day;
}

std::optional<std::string> payment_card_json(const std::string& number, const std::string& month,
                                             const std::string& year, const std::string& cvv) {
    if (!all_digits(number) || number.size() < 12 || number.size() > 19) {
        return std::nullopt;
    }
    if (!all_digits(month) || month.size() > 2 || to_int(month) < 1 || to_int(month) > 12) {
        return std::nullopt;
    }
    if (!all_digits(year) || year.size() != 4) {
        return std::nullopt;
    }
    if (!cvv.empty() && (!all_digits(cvv) || cvv.size() < 3 || cvv.size() > 4)) {
        return std::nullopt;
    }
    core::json_writer w;
    w.begin_object().key("cardNumber").value(number);
    w.key("expiryMonth").value(to_int(month)).key("expiryYear").value(to_int(year));
    if (!cvv.empty()) {
        w.key("cvv").value(cvv);
    }
    w.end_object();
    return std::move(w).str();
}

std::optional<std::string> payment_card_from_compact(const std::string& compact) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const auto slash = compact.find('/', start);
        parts.push_back(
            compact.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos) {
            break;
        }
        start = slash + 1;
    }
    std::optional<std::string> out;
    if (parts.size() == 3 || parts.size() == 4) {
        out = payment_card_json(parts[0], parts[1], parts[2], parts.size() == 4 ? parts[3] : std::string());
    }
    for (auto& p : parts) {
        wipe_text(p);
    }
    return out;
}

void wipe_text(std::string& s) noexcept {
    if (!s.empty()) {
        OPENSSL_cleanse(s.data(), s.size());
    }
    s.clear();
}

void wipe_fields(field_values& values) noexcept {
    for (auto& [id, v] : values) {
        wipe_text(v);
    }
    values.clear();
}

field_collector::field_collector(const field_values& given, std::istream* in, std::ostream& out)
    : given_(given), in_(in), out_(out) {}

const std::string* field_collector::given_value(const std::string& id) const {
    for (const auto& [k, v] : given_) {
        if (k == id) {
            return &v;
        }
    }
    return nullptr;
}

bool field_collector::ask(const std::string& prompt, std::string& line) {
    out_ << prompt << std::flush;
    if (!in_ || !std::getline(*in_, line)) {
        out_ << "\n";
        return false;
    }
    line = trim(std::move(line));
    return true;
}

std::optional<std::string> field_collector::from_given(const field_spec& f, const std::string& v,
                                                       std::string& error) const {
    std::optional<std::string> out;
    if (f.type == "checkbox") {
        if (v == "true" || v == "false") {
            out = v;
        }
    } else if (f.type == "date") {
        if (is_valid_date(v)) {
            out = v;
        }
    } else if (f.type == "option") {
        out = option_index(f, v);
    } else if (f.type == "paymentcard") {
        out = payment_card_from_compact(v);
    } else {
        out = v;
    }
    if (!out) {
        // The value itself is not repeated: it may be a secret.
        std::string hint;
        if (f.type == "checkbox") {
            hint = " (true or false)";
        } else if (f.type == "date") {
            hint = " (YYYY-MM-DD)";
        } else if (f.type == "option") {
            hint = f.labels.empty() ? " (the field has no choices)"
                                    : " (an index 0.." + std::to_string(f.labels.size() - 1) + ")";
        } else if (f.type == "paymentcard") {
            hint = " (NUMBER/MM/YYYY[/CVV])";
        }
        error = "--fields value for " + f.id + " is not a valid " + f.type + hint;
    }
    return out;
}

std::optional<std::string> field_collector::prompt_for(const field_spec& f, std::string& error) {
    const std::string label = shown_label(f);
    auto closed = [&]() -> std::optional<std::string> {
        error = "no answer for field " + f.id + " (the terminal input ended)";
        return std::nullopt;
    };
    // Bounded: a terminal that keeps giving invalid answers ends the collection.
    constexpr int max_attempts = 10;
    std::string line;
    if (f.type == "paymentcard") {
        out_ << label << "\n";
        std::string number, month, year, cvv;
        for (int i = 0; i < max_attempts; ++i) {
            if (!ask("  card number: ", number) || !ask("  expiry month (1-12): ", month)
                || !ask("  expiry year (YYYY): ", year) || !ask("  CVV (empty for none): ", cvv)) {
                wipe_text(number), wipe_text(month), wipe_text(year), wipe_text(cvv);
                return closed();
            }
            auto v = payment_card_json(number, month, year, cvv);
            wipe_text(number), wipe_text(month), wipe_text(year), wipe_text(cvv);
            if (v) {
                return v;
            }
            out_ << "  not a valid card (12-19 digit number, month 1-12, 4-digit year, 3-4 digit CVV)\n";
        }
        error = "no valid answer for field " + f.id;
        return std::nullopt;
    }
    std::string prompt = label;
    if (f.type == "option") {
        out_ << label << "\n";
        for (std::size_t i = 0; i < f.labels.size(); ++i) {
            out_ << "  " << i << ") " << f.labels[i] << "\n";
        }
        prompt = "  choice (0-" + std::to_string(f.labels.empty() ? 0 : f.labels.size() - 1) + ")";
    } else if (f.type == "checkbox") {
        prompt += " (true/false)";
    } else if (f.type == "date") {
        prompt += " (YYYY-MM-DD)";
    } else if (!f.format.empty()) {
        prompt += " (" + f.format + ")";
    }
    prompt += ": ";
    for (int i = 0; i < max_attempts; ++i) {
        if (!ask(prompt, line)) {
            wipe_text(line);
            return closed();
        }
        std::string ignored;
        auto v = from_given(f, line, ignored);
        wipe_text(line);
        if (v) {
            return v;
        }
        out_ << "  not a valid answer\n";
    }
    error = "no valid answer for field " + f.id;
    return std::nullopt;
}

std::optional<field_values> field_collector::collect(const std::vector<field_spec>& fields,
                                                     std::string& error) {
    field_values out;
    for (const auto& f : fields) {
        if (is_display_only(f)) {
            out_ << (f.type == "image" ? "[image] " : "") << shown_label(f) << "\n";
            continue;
        }
        std::optional<std::string> v;
        if (const std::string* g = given_value(f.id)) {
            v = from_given(f, *g, error);
        } else {
            v = prompt_for(f, error);
        }
        if (!v) {
            wipe_fields(out);
            return std::nullopt;
        }
        out.emplace_back(f.id, std::move(*v));
    }
    out_ << std::flush;
    return out;
}

} // namespace tsm::tools::touchpoint
