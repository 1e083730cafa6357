#pragma once
/// A minimal streaming JSON writer. Produces compact JSON; escapes strings per RFC 8259.
/// Callers are responsible for well-formed nesting (commas are inserted automatically).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::core {

class json_writer {
public:
    json_writer& begin_object();
    json_writer& end_object();
    json_writer& begin_array();
    json_writer& end_array();
    json_writer& key(std::string_view k);
    json_writer& value(std::string_view s);
    json_writer& value(const char* s) { return value(std::string_view(s)); }
    json_writer& value(std::int64_t v);
    json_writer& value(int v) { return value(static_cast<std::int64_t>(v)); }
    json_writer& value(unsigned v) { return value(static_cast<std::int64_t>(v)); }
    json_writer& value(std::uint64_t v);
    json_writer& value(bool b);
    json_writer& null();
    /// Writes `hex(data)` as a string value without an intermediate allocation.
    json_writer& hex_value(std::string_view data);
    /// Inserts already-serialized JSON verbatim (caller guarantees validity).
    json_writer& raw(std::string_view json);

    const std::string& str() const& { return out_; }
    std::string str() && { return std::move(out_); }
    void reserve(std::size_t n) { out_.reserve(n); }

private:
    void separate();
    std::string out_;
    std::vector<bool> first_; // one flag per open container: no element written yet
    bool after_key_ = false;
};

/// Appends `s` as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view s);

} // namespace tsm::core
