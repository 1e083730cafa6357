#include "tsm/core/register_operation_kinds.hpp"

#include "operations/kinds.hpp"

#include "tsm/core/transceive_operation.hpp"

namespace tsm::core {

// Every kind the server runs, once each. A new kind adds its constant (operation_kinds.hpp), its
// own file under operations/, and one line here.
void register_operation_kinds(operation_registry& registry, const operation_dependencies& deps) {
    register_transceive(registry);
    operations::register_ccm_install(registry, deps);
    operations::register_ccm_delete(registry, deps);
    operations::register_ccm_storedata(registry, deps);
    operations::register_desfire_create_app(registry, deps);
    operations::register_desfire_commands(registry, deps);
    operations::register_desfire_delete_app(registry, deps);
    operations::register_user_interaction(registry, deps);
}

} // namespace tsm::core
