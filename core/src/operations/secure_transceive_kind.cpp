// The secure-transceive kind: the sealed payload (the SP's commands) opens only in its session,
// the card's GlobalPlatform keys open into a ccm::card_context (the same key step as the CCM
// kinds), then the core operation wraps the commands under the ISD's secure channel. Runs on the
// session's shard.
#include "operations/global_platform_kind.hpp"
#include "operations/kinds.hpp"

#include "tsm/core/ccm/secure_transceive.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/sealed_payload.hpp"

namespace tsm::core::operations {
namespace {

net::awaitable<built_operation> build_secure_transceive(ccm::card_context ctx, operation_record op,
                                                        operation_dependencies deps) {
    auto plain = deps.vault.open(op.payload, secure_transceive_payload_context(op.session_id));
    if (!plain) {
        co_return stored_request_damaged();
    }
    auto req = ccm::decode_secure_transceive_request(*plain);
    wipe(*plain);
    if (!req) {
        co_return stored_request_damaged();
    }
    co_return ccm::make_secure_transceive(std::move(ctx), std::move(*req));
}

} // namespace

void register_secure_transceive(operation_registry& registry, const operation_dependencies& deps) {
    registry.add(kinds::secure_transceive,
                 global_platform_kind(
                     [](std::string_view payload) -> api_status {
                         // Sealed to its session: the mapping validated the request before sealing
                         // it, and only the build opens it.
                         if (payload.empty()) {
                             return make_api_error(api_errc::bad_request,
                                                   "not a valid secure-transceive request");
                         }
                         return {};
                     },
                     deps, build_secure_transceive));
}

} // namespace tsm::core::operations
