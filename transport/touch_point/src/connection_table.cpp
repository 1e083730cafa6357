#include "connection_table.hpp"

namespace tsm::transport::touch_point {

void connection_table::open(std::uint64_t id, std::uint8_t dialect) {
    owner_.assert_on_owner();
    connections_.emplace(id, entry{{}, dialect});
}

std::optional<std::string> connection_table::close(std::uint64_t id) {
    owner_.assert_on_owner();
    auto it = connections_.find(id);
    if (it == connections_.end()) {
        return std::nullopt;
    }
    std::string session = std::move(it->second.session);
    connections_.erase(it);
    if (session.empty()) {
        return std::nullopt;
    }
    return session;
}

std::optional<std::uint8_t> connection_table::dialect_of(std::uint64_t id) const {
    owner_.assert_on_owner();
    auto it = connections_.find(id);
    if (it == connections_.end()) {
        return std::nullopt;
    }
    return it->second.dialect;
}

std::optional<std::string> connection_table::session_of(std::uint64_t id) const {
    owner_.assert_on_owner();
    auto it = connections_.find(id);
    if (it == connections_.end() || it->second.session.empty()) {
        return std::nullopt;
    }
    return it->second.session;
}

void connection_table::bind(std::uint64_t id, std::string session_id) {
    owner_.assert_on_owner();
    if (auto it = connections_.find(id); it != connections_.end()) {
        it->second.session = std::move(session_id);
    }
}

void connection_table::unbind_if(std::uint64_t id, const std::string& session_id) {
    owner_.assert_on_owner();
    auto it = connections_.find(id);
    if (it != connections_.end() && it->second.session == session_id) {
        it->second.session.clear();
    }
}

} // namespace tsm::transport::touch_point
