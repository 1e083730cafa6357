#pragma once
/// The services one shard owns: its app directory, SP port, outbox relay, operation kinds and
/// session service. One instance per shard, created by tsmd's main before the shards start and
/// destroyed after they stop; everything in it is used on its shard's thread only, reached from
/// elsewhere through core::shard_runtime (invoke_on, invoke_on_owner, invoke_on_all).
#include "tsm/core/app_directory.hpp"
#include "tsm/core/operation_registry.hpp"
#include "tsm/core/outbox_relay.hpp"
#include "tsm/core/ports.hpp"
#include "tsm/core/session_service.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>

namespace tsm::core {

struct shard_services {
    unsigned index = 0;
    boost::asio::io_context* ioc = nullptr;
    std::unique_ptr<app_directory> apps;
    sp_port* sp = nullptr; ///< owned by the composition (it wraps a transport client)
    std::unique_ptr<outbox_relay> relay;
    operation_registry kinds;
    std::unique_ptr<session_service> sessions;
};

} // namespace tsm::core
