#pragma once
/// Fills a shard's operation registry with every kind the server runs (the list is in
/// core/src/operations/register_operation_kinds.cpp; docs/architecture.md "How to add an operation
/// kind"). Call once per shard at start-up, before its session service accepts anything.
#include "tsm/core/key_vault.hpp"
#include "tsm/core/operation_registry.hpp"
#include "tsm/core/record_store.hpp"

#include <boost/asio/any_io_executor.hpp>

namespace tsm::core {

/// What building an operation may need beyond its record: card keys and load files from the
/// store, the key vault to open them, and the shard's executor the reads complete on. All three
/// must outlive the registry.
struct operation_dependencies {
    record_store& store;
    const key_vault& vault;
    boost::asio::any_io_executor executor;
};

void register_operation_kinds(operation_registry& registry, const operation_dependencies& deps);

} // namespace tsm::core
