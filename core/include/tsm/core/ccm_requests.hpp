#pragma once
/// The CCM request mapping of the SP API (/ccm/install, /ccm/delete, /ccm/storedata): the body's
/// fields -> the ccm request -> validation -> the operation's kind and payload. Everything the SP
/// can get wrong is found here, before anything is stored, and named in the error (bad_request).
/// Storedata payloads carry personalisation data: they are sealed with the key vault and open
/// only in the session that queued them (storedata_payload_context), or, for a stored recipe's
/// action, under recipe_payload_context(app, service). Stateless, any thread.
///
/// /ccm/install has two forms: `{executableLoadFile, executableModule, application,
/// parameters?}` and, by the load file's LFDB SHA-256 among the app's CAP files, `{id, module,
/// application, searchBy:"lfdbh", parameters?}` (Fidesmo's; any other searchBy is refused).
#include "tsm/core/api_error.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/operation_request.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tsm::core::ccm {

/// A /ccm/* body as the SP sent it: identifiers as hex text (empty when absent) and storedata's
/// data already decoded (it is secret, so it never exists as text). Wipes the data when done.
struct request_fields {
    std::string executable_load_file;
    std::string executable_module;
    std::string application;
    std::string parameters;
    std::string privileges;
    std::optional<bool> with_related;
    std::string tag_type;
    std::string id;        ///< install by hash: the LFDB SHA-256 (hex; the CAP file's id)
    std::string module;    ///< install by hash: the executable module AID
    std::string search_by; ///< install by hash: "lfdbh"
    bytes data;

    request_fields() = default;
    request_fields(const request_fields&) = delete;
    request_fields& operator=(const request_fields&) = delete;
    ~request_fields() { wipe(data); }
};

[[nodiscard]] api_result<operation_request> to_install_operation(const request_fields& f);
[[nodiscard]] api_result<operation_request> to_delete_operation(const request_fields& f);
/// The payload is sealed under storedata_payload_context(session_id); `session_id` is the
/// lower-case sessionId the operation is queued in.
[[nodiscard]] api_result<operation_request>
to_storedata_operation(const request_fields& f, const key_vault& vault, std::string_view session_id);
/// A stored recipe's storedata action: the payload is sealed under
/// recipe_payload_context(app_id, service_id) (re-sealed for its session when a delivery starts).
[[nodiscard]] api_result<operation_request> to_recipe_storedata_operation(const request_fields& f,
                                                                          const key_vault& vault,
                                                                          std::string_view app_id,
                                                                          std::string_view service_id);

/// Associated data of a sealed storedata payload: binds it to its session (part of the storage
/// format: records sealed by earlier versions must keep opening).
std::string storedata_payload_context(std::string_view session_id);

} // namespace tsm::core::ccm
