#include "tsm/core/operation_registry.hpp"

#include <stdexcept>

namespace tsm::core {

void operation_registry::add(std::string_view name, kind k) {
    if (name.empty() || !k.validate || !k.build) {
        throw std::logic_error("operation kind '" + std::string(name) + "' is incomplete");
    }
    if (!kinds_.emplace(std::string(name), std::move(k)).second) {
        throw std::logic_error("operation kind '" + std::string(name) + "' is registered twice");
    }
}

bool operation_registry::knows(std::string_view name) const noexcept {
    return kinds_.find(name) != kinds_.end();
}

api_status operation_registry::validate(std::string_view name, std::string_view payload) const {
    auto it = kinds_.find(name);
    if (it == kinds_.end()) {
        return make_api_error(api_errc::bad_request, "unknown operation kind");
    }
    return it->second.validate(payload);
}

void operation_registry::build(const operation_record& op, const session_record& session,
                               done_handler done) const {
    auto it = kinds_.find(op.kind);
    if (it == kinds_.end()) {
        done(nullptr, failed_outcome(make_api_error(api_errc::internal_error,
                                                    "the stored operation has an unknown kind")));
        return;
    }
    it->second.build(op, session, std::move(done));
}

std::vector<std::string> operation_registry::names() const {
    std::vector<std::string> out;
    out.reserve(kinds_.size());
    for (const auto& [name, k] : kinds_) {
        out.push_back(name);
    }
    return out;
}

operation_outcome failed_outcome(const api_error& e) {
    return failed_outcome(e.status(), std::string(e.name()), e.message);
}

} // namespace tsm::core
