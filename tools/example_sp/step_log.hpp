#pragma once
/// One line per workflow step, written whole (concurrent sessions never interleave within a
/// line) and flushed so a supervising process sees progress immediately. Thread safe.
#include <mutex>
#include <ostream>
#include <string_view>

namespace tsm::tools::example_sp {

class step_log {
public:
    explicit step_log(std::ostream& out) : out_(out) {}

    void line(std::string_view session_id, std::string_view text) {
        std::lock_guard lock(mutex_);
        if (session_id.empty()) {
            out_ << text << std::endl;
        } else {
            out_ << "[" << session_id << "] " << text << std::endl;
        }
    }

private:
    std::mutex mutex_;
    std::ostream& out_;
};

} // namespace tsm::tools::example_sp
