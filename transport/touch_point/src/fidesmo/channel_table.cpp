#include "channel_table.hpp"

namespace tsm::transport::touch_point::fidesmo {

channel* channel_table::find(std::string_view session_id) {
    owner_.assert_on_owner();
    auto it = by_session_.find(session_id);
    return it == by_session_.end() ? nullptr : by_id_.at(it->second).get();
}

channel* channel_table::find(std::uint64_t id) {
    owner_.assert_on_owner();
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second.get();
}

channel& channel_table::add(std::unique_ptr<channel> c) {
    owner_.assert_on_owner();
    const std::uint64_t id = c->conn().id;
    by_session_[c->session_id()] = id;
    auto& slot = by_id_[id];
    slot = std::move(c);
    return *slot;
}

void channel_table::drop(std::uint64_t id) {
    owner_.assert_on_owner();
    auto it = by_id_.find(id);
    if (it == by_id_.end()) {
        return;
    }
    // Out of the maps first: the channel's destructor answers held requests and removes routes.
    std::unique_ptr<channel> gone = std::move(it->second);
    by_id_.erase(it);
    auto s = by_session_.find(gone->session_id());
    if (s != by_session_.end() && s->second == id) {
        by_session_.erase(s);
    }
}

void channel_table::add_describe(std::uint64_t id, pending_describe d) {
    owner_.assert_on_owner();
    describes_.emplace(id, std::move(d));
}

std::optional<pending_describe> channel_table::take_describe(std::uint64_t id) {
    owner_.assert_on_owner();
    auto it = describes_.find(id);
    if (it == describes_.end()) {
        return std::nullopt;
    }
    pending_describe d = std::move(it->second);
    describes_.erase(it);
    return d;
}

std::vector<pending_describe> channel_table::take_describes() {
    owner_.assert_on_owner();
    std::vector<pending_describe> all;
    all.reserve(describes_.size());
    for (auto& [id, d] : describes_) {
        all.push_back(std::move(d));
    }
    describes_.clear();
    return all;
}

void channel_table::add_route(std::string operation_id, std::string session_id) {
    owner_.assert_on_owner();
    routes_[std::move(operation_id)] = std::move(session_id);
}

void channel_table::remove_route(const std::string& operation_id) {
    owner_.assert_on_owner();
    routes_.erase(operation_id);
}

std::optional<std::string> channel_table::route(const std::string& operation_id) const {
    owner_.assert_on_owner();
    auto it = routes_.find(operation_id);
    if (it == routes_.end()) {
        return std::nullopt;
    }
    return it->second;
}

} // namespace tsm::transport::touch_point::fidesmo
