#pragma once
/// Structured JSON log lines on stderr. Keys and APDU payloads are never passed to these.
#include <initializer_list>
#include <string_view>
#include <utility>

namespace tsm::core::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3 };

void set_level(level l);
level parse_level(std::string_view s);
void write(level l, std::string_view msg,
           std::initializer_list<std::pair<std::string_view, std::string_view>> fields = {});

inline void info(std::string_view msg,
                 std::initializer_list<std::pair<std::string_view, std::string_view>> f = {}) {
    write(level::info, msg, f);
}
inline void warn(std::string_view msg,
                 std::initializer_list<std::pair<std::string_view, std::string_view>> f = {}) {
    write(level::warn, msg, f);
}
inline void error(std::string_view msg,
                  std::initializer_list<std::pair<std::string_view, std::string_view>> f = {}) {
    write(level::error, msg, f);
}

} // namespace tsm::core::log
