#pragma once
// A kind that needs the card's GlobalPlatform keys (the CCM kinds, secure-transceive): validated by
// `validate` at accept, built by `build` once the card's keys are open in a ccm::card_context
// (by CIN, else the IIN master set, diversified per card when its method says so). Defined in
// ccm_kinds.cpp next to the key opening. Runs on the session's shard.
#include "operations/card_keys_step.hpp"

#include "tsm/core/ccm/card_context.hpp"
#include "tsm/core/operation_registry.hpp"

namespace tsm::core::operations {

operation_registry::kind global_platform_kind(operation_registry::validate_fn validate,
                                              const operation_dependencies& deps,
                                              keyed_build<ccm::card_context> build);

} // namespace tsm::core::operations
