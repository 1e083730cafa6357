#include "tsm/core/operation_builder.hpp"

#include "tsm/core/operation_factory.hpp"
#include "tsm/core/transceive_operation.hpp"

namespace tsm::core {

bool basic_operation_builder::accepts(std::string_view kind, std::string_view payload) const {
    if (kind == "transceive") {
        auto commands = transceive_operation::decode_payload(payload);
        return commands && !commands->empty();
    }
    return false;
}

void basic_operation_builder::build(const operation_record& op, const session_record&,
                                    done_handler done) {
    auto live = make_operation(op);
    if (live == nullptr) {
        done(nullptr, failed_outcome(500, "internal-error", "the stored operation could not be rebuilt"));
        return;
    }
    done(std::move(live), std::nullopt);
}

} // namespace tsm::core
