#pragma once
/// The DESFire request mapping of the SP API (/desfire/ev1/createApp, /commands, /deleteApp):
/// the body's fields -> the desfire request -> validation -> the operation's kind and payload.
/// Everything the SP can get wrong is found here, before anything is stored, and named in the
/// error (bad_request). createApp payloads are sealed with the key vault whether or not they hold
/// application keys, and open only in their session (create_app_payload_context); commands and
/// deleteApp payloads are stored as encoded. Stateless, any thread.
#include "tsm/core/api_error.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/operation_request.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::core::desfire {

inline constexpr std::size_t max_application_keys = 14; ///< a DESFire application holds at most 14
inline constexpr std::size_t max_key_bytes = 24;        ///< 3K3DES

/// A createApp body as the SP sent it (absent members are nullopt). `keys` are secret: decoded
/// from hex in place by the adapter, wiped by the destructor.
struct create_app_fields {
    std::optional<std::string> aid;
    std::optional<std::string> key_settings;
    std::optional<std::string> key_type;
    std::optional<std::string> iso_file_id;
    std::optional<std::string> iso_df_name;
    std::optional<std::int64_t> number_of_keys;
    std::optional<std::int64_t> key_version;
    std::optional<std::vector<bytes>> keys;

    create_app_fields() = default;
    create_app_fields(const create_app_fields&) = delete;
    create_app_fields& operator=(const create_app_fields&) = delete;
    ~create_app_fields();
};

struct commands_fields {
    std::optional<std::string> aid;
    std::optional<std::vector<bytes>> commands;
};

struct delete_app_fields {
    std::optional<std::string> aid;
};

/// The payload is sealed under create_app_payload_context(session_id); `session_id` is the
/// lower-case sessionId the operation is queued in.
[[nodiscard]] api_result<operation_request>
to_create_app_operation(const create_app_fields& f, const key_vault& vault, std::string_view session_id);
[[nodiscard]] api_result<operation_request> to_commands_operation(const commands_fields& f);
[[nodiscard]] api_result<operation_request> to_delete_app_operation(const delete_app_fields& f);

/// Associated data of a sealed createApp payload (part of the storage format).
std::string create_app_payload_context(std::string_view session_id);

} // namespace tsm::core::desfire
