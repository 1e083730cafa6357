#pragma once
// simdjson on-demand pieces shared by the tsmd body parsers that may hold key material
// (desfire_requests, card_keys_admin): a padded copy of the body that is wiped when done, and the
// walk over an object's members.
#include <simdjson.h>
#include <sodium.h>

#include <string>
#include <string_view>

namespace tsm::tsmd {

/// The body in a padded copy that is wiped when done (bodies may hold keys).
class wiped_padded_body {
public:
    explicit wiped_padded_body(std::string_view body) : buf_(body) {}
    ~wiped_padded_body() { sodium_memzero(buf_.data(), buf_.size()); }
    wiped_padded_body(const wiped_padded_body&) = delete;
    wiped_padded_body& operator=(const wiped_padded_body&) = delete;
    simdjson::padded_string& get() { return buf_; }

private:
    simdjson::padded_string buf_;
};

/// Calls `on_member(key, value)` for each member of `obj`, in order, and returns the first error
/// it gives ("" when none); a member that does not parse is "not valid JSON".
template <class OnMember>
std::string for_each_member(simdjson::ondemand::object& obj, OnMember&& on_member) {
    for (auto member : obj) {
        std::string_view key;
        simdjson::ondemand::value v;
        if (member.unescaped_key().get(key) || member.value().get(v)) {
            return "not valid JSON";
        }
        if (std::string err = on_member(key, v); !err.empty()) {
            return err;
        }
    }
    return {};
}

} // namespace tsm::tsmd
