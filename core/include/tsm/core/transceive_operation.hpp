#pragma once
/// Transceive: relays the SP's APDUs to the card in one batch and returns every response.
#include "tsm/core/operation.hpp"
#include "tsm/core/operation_registry.hpp"

namespace tsm::core {

class transceive_operation final : public operation {
public:
    explicit transceive_operation(std::vector<bytes> commands);
    operation_step start() override;
    operation_step on_responses(std::vector<bytes> responses) override;

    /// Payload codec for the operation record (length-prefixed commands).
    static bytes encode_payload(const std::vector<bytes>& commands);
    static std::optional<std::vector<bytes>> decode_payload(std::string_view payload);

private:
    std::vector<bytes> commands_;
};

/// Registers kinds::transceive (needs nothing beyond its record).
void register_transceive(operation_registry& registry);

} // namespace tsm::core
