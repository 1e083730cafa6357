// /secure-transceive mapping: hex AID + commands -> ccm::secure_transceive_request -> validate ->
// the payload encoded, sealed, the clear encoding wiped.
#include "tsm/core/secure_transceive_requests.hpp"

#include "tsm/core/ccm/secure_transceive.hpp"
#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/sealed_payload.hpp"

namespace tsm::core::secure_transceive {
namespace {

api_error bad(std::string message) {
    return make_api_error(api_errc::bad_request, std::move(message));
}

} // namespace

api_result<operation_request> to_secure_transceive_operation_sealed_under(std::string_view application,
                                                                          const std::vector<bytes>& commands,
                                                                          const key_vault& vault,
                                                                          std::string_view seal_context) {
    ccm::secure_transceive_request r;
    if (application.empty()) {
        return bad("application is required, in hex");
    }
    auto aid = from_hex(application);
    if (!aid) {
        return bad("application must be hex");
    }
    r.application = std::move(*aid);
    if (commands.empty()) {
        return bad("commands must not be empty");
    }
    r.commands = commands; // wiped with r
    if (auto e = ccm::validate(r)) {
        return bad(std::move(*e));
    }
    bytes plain = ccm::encode_secure_transceive_request(r);
    operation_request out{std::string(kinds::secure_transceive), vault.seal(plain, seal_context)};
    wipe(plain);
    return out;
}

api_result<operation_request> to_secure_transceive_operation(std::string_view application,
                                                             const std::vector<bytes>& commands,
                                                             const key_vault& vault,
                                                             std::string_view session_id) {
    return to_secure_transceive_operation_sealed_under(application, commands, vault,
                                                       secure_transceive_payload_context(session_id));
}

} // namespace tsm::core::secure_transceive
