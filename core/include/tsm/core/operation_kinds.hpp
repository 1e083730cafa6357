#pragma once
/// The name of every operation kind, as stored in operation records (part of the storage format:
/// never rename one). Each kind's validate/build pair is registered in register_operation_kinds.
#include <string_view>

namespace tsm::core::kinds {

inline constexpr std::string_view transceive = "transceive";
inline constexpr std::string_view ccm_install = "ccm-install";
inline constexpr std::string_view ccm_delete = "ccm-delete";
inline constexpr std::string_view ccm_storedata = "ccm-storedata";
inline constexpr std::string_view desfire_create_app = "desfire-create-app";
inline constexpr std::string_view desfire_commands = "desfire-commands";
inline constexpr std::string_view desfire_delete_app = "desfire-delete-app";
inline constexpr std::string_view secure_transceive = "secure-transceive";
/// Asks the user for input through the touch point (fields) or shows them actions to acknowledge.
inline constexpr std::string_view user_interaction = "user-interaction";
inline constexpr std::string_view user_action = "user-action";

} // namespace tsm::core::kinds
