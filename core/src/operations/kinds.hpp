#pragma once
// Every operation kind's registration, one function per kind, defined in the kind's own file
// (transceive: transceive_operation.cpp). register_operation_kinds.cpp calls each once.
#include "tsm/core/operation_registry.hpp"
#include "tsm/core/register_operation_kinds.hpp"

namespace tsm::core::operations {

void register_ccm_install(operation_registry& registry, const operation_dependencies& deps);
void register_ccm_delete(operation_registry& registry, const operation_dependencies& deps);
void register_ccm_storedata(operation_registry& registry, const operation_dependencies& deps);
void register_desfire_create_app(operation_registry& registry, const operation_dependencies& deps);
void register_desfire_commands(operation_registry& registry, const operation_dependencies& deps);
void register_desfire_delete_app(operation_registry& registry, const operation_dependencies& deps);
/// kinds::user_interaction and kinds::user_action (user_interaction_kind.cpp).
void register_user_interaction(operation_registry& registry, const operation_dependencies& deps);

} // namespace tsm::core::operations
