#include "tsm/core/delivery_session.hpp"

namespace tsm::core {

bool delivery_session::valid_answer(const apdu_batch& batch, const std::vector<bytes>& responses) {
    if (responses.size() > batch.commands.size()) {
        return false;
    }
    for (const auto& r : responses) {
        if (r.size() < 2) {
            return false;
        }
    }
    return true;
}

live_operation* delivery_session::find_operation(std::string_view id) {
    for (auto& op : queue_) {
        if (op.rec.operation_id == id) {
            return &op;
        }
    }
    return nullptr;
}

} // namespace tsm::core
