#include "tsm/core/transceive_operation.hpp"

#include "tsm/core/operation_kinds.hpp"

#include <cstdint>

namespace tsm::core {

transceive_operation::transceive_operation(std::vector<bytes> commands) : commands_(std::move(commands)) {}

operation_step transceive_operation::start() {
    // Fidesmo semantics: every command runs, whatever its status word; the SP reads them all.
    return operation_step::send(apdu_batch{commands_, false, {}});
}

operation_step transceive_operation::on_responses(std::vector<bytes> responses) {
    operation_outcome o;
    o.responses = std::move(responses);
    return operation_step::finish(std::move(o));
}

bytes transceive_operation::encode_payload(const std::vector<bytes>& commands) {
    bytes out;
    for (const auto& c : commands) {
        const auto n = static_cast<std::uint32_t>(c.size());
        out.push_back(static_cast<char>(n >> 24));
        out.push_back(static_cast<char>(n >> 16));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n));
        out += c;
    }
    return out;
}

std::optional<std::vector<bytes>> transceive_operation::decode_payload(std::string_view p) {
    std::vector<bytes> out;
    while (!p.empty()) {
        if (p.size() < 4) {
            return std::nullopt;
        }
        const auto* u = reinterpret_cast<const unsigned char*>(p.data());
        const std::uint32_t n = (std::uint32_t(u[0]) << 24) | (std::uint32_t(u[1]) << 16)
                                | (std::uint32_t(u[2]) << 8) | std::uint32_t(u[3]);
        p.remove_prefix(4);
        if (p.size() < n) {
            return std::nullopt;
        }
        out.emplace_back(p.substr(0, n));
        p.remove_prefix(n);
    }
    return out;
}

} // namespace tsm::core

namespace tsm::core {

void register_transceive(operation_registry& registry) {
    registry.add(
        kinds::transceive,
        {[](std::string_view payload) -> api_status {
             auto commands = transceive_operation::decode_payload(payload);
             if (!commands || commands->empty()) {
                 return make_api_error(api_errc::bad_request, "commands must hold at least one APDU");
             }
             return {};
         },
         [](const operation_record& op, const session_record&, operation_registry::done_handler done) {
             auto commands = transceive_operation::decode_payload(op.payload);
             if (!commands || commands->empty()) {
                 done(nullptr, failed_outcome(make_api_error(api_errc::internal_error,
                                                             "the stored operation could not be rebuilt")));
                 return;
             }
             done(std::make_unique<transceive_operation>(std::move(*commands)), std::nullopt);
         }});
}

} // namespace tsm::core
