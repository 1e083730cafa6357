#include "connection_table.hpp"

namespace tsm::transport::touch_point {

void connection_table::open(std::uint64_t id) {
    owner_.assert_on_owner();
    sessions_.emplace(id, std::nullopt);
}

std::optional<std::string> connection_table::close(std::uint64_t id) {
    owner_.assert_on_owner();
    auto it = sessions_.find(id);
    if (it == sessions_.end()) {
        return std::nullopt;
    }
    std::optional<std::string> session = std::move(it->second);
    sessions_.erase(it);
    return session;
}

bool connection_table::known(std::uint64_t id) const {
    owner_.assert_on_owner();
    return sessions_.contains(id);
}

std::optional<std::string> connection_table::session_of(std::uint64_t id) const {
    owner_.assert_on_owner();
    auto it = sessions_.find(id);
    return it == sessions_.end() ? std::nullopt : it->second;
}

void connection_table::bind(std::uint64_t id, std::string session_id) {
    owner_.assert_on_owner();
    if (auto it = sessions_.find(id); it != sessions_.end()) {
        it->second = std::move(session_id);
    }
}

void connection_table::unbind_if(std::uint64_t id, const std::string& session_id) {
    owner_.assert_on_owner();
    auto it = sessions_.find(id);
    if (it != sessions_.end() && it->second == session_id) {
        it->second.reset();
    }
}

} // namespace tsm::transport::touch_point
