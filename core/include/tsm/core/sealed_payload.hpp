#pragma once
/// The associated data the sealed operation payloads are sealed under with the key vault:
/// storedata (personalization data) and createApp (application keys) are sealed by the SP API
/// before they are stored and opened only when the operation is built. Binding a blob to its
/// session means a copied blob does not open elsewhere. Part of the storage format.
#include <string>
#include <string_view>

namespace tsm::core {

/// kinds::ccm_storedata payloads: "opentsm/ccm-payload/v1/<sessionId>".
inline std::string ccm_payload_context(std::string_view session_id) {
    return "opentsm/ccm-payload/v1/" + std::string(session_id);
}

/// kinds::desfire_create_app payloads: "opentsm/desfire-payload/v1/<sessionId>".
inline std::string desfire_payload_context(std::string_view session_id) {
    return "opentsm/desfire-payload/v1/" + std::string(session_id);
}

} // namespace tsm::core
