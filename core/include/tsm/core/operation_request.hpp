#pragma once
/// An SP operation as the session service queues it: its kind (operation_kinds.hpp) and its
/// payload, sealed with the key vault when it carries secrets. What the request mappings
/// (ccm_requests, desfire_requests) produce from an SP API body. Pure value, any thread.
#include "tsm/core/hex.hpp"

#include <string>

namespace tsm::core {

struct operation_request {
    std::string kind;
    bytes payload;
};

} // namespace tsm::core
