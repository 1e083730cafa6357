#include "tsm/core/log.hpp"

#include "tsm/core/clock.hpp"
#include "tsm/core/json_writer.hpp"

#include <atomic>
#include <cstdio>

namespace tsm::core::log {
namespace {
std::atomic<int> min_level{static_cast<int>(level::info)};
constexpr const char* names[] = {"debug", "info", "warn", "error"};
} // namespace

void set_level(level l) {
    min_level.store(static_cast<int>(l));
}

level parse_level(std::string_view s) {
    if (s == "debug") {
        return level::debug;
    }
    if (s == "warn") {
        return level::warn;
    }
    if (s == "error") {
        return level::error;
    }
    return level::info;
}

void write(level l, std::string_view msg,
           std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    if (static_cast<int>(l) < min_level.load(std::memory_order_relaxed)) {
        return;
    }
    core::json_writer w;
    w.begin_object().key("ts").value(core::now_ms()).key("level").value(names[static_cast<int>(l)]);
    w.key("msg").value(msg);
    for (const auto& [k, v] : fields) {
        w.key(k).value(v);
    }
    w.end_object();
    std::string line = std::move(w).str();
    line.push_back('\n');
    // One fwrite per line: stdio locks the stream, so lines from shards never interleave.
    std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace tsm::core::log
