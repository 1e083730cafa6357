#pragma once
/// The associated data everything sealed at rest is sealed under with the key vault (operation
/// payloads, user input in sessions, results and callbacks, recipe payloads). Operation payloads:
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

/// kinds::secure_transceive payloads (the SP's commands, which the touch point must not see):
/// "opentsm/secure-transceive/v1/<sessionId>".
inline std::string secure_transceive_payload_context(std::string_view session_id) {
    return "opentsm/secure-transceive/v1/" + std::string(session_id);
}

/// Sealed payloads of a stored recipe's actions (re-sealed under the session's context when a
/// delivery starts): "opentsm/recipe-payload/v1/<appId>/<serviceId>".
inline std::string recipe_payload_context(std::string_view app_id, std::string_view service_id) {
    return "opentsm/recipe-payload/v1/" + std::string(app_id) + "/" + std::string(service_id);
}

/// session_record::sealed_fields: "opentsm/session-fields/v1/<sessionId>".
inline std::string session_fields_context(std::string_view session_id) {
    return "opentsm/session-fields/v1/" + std::string(session_id);
}

/// operation_record::result_json when result_sealed: "opentsm/operation-result/v1/<operationId>".
inline std::string operation_result_context(std::string_view operation_id) {
    return "opentsm/operation-result/v1/" + std::string(operation_id);
}

/// outbox_entry::body when sealed: "opentsm/outbox-body/v1/<id>".
inline std::string outbox_body_context(std::string_view id) {
    return "opentsm/outbox-body/v1/" + std::string(id);
}

} // namespace tsm::core
