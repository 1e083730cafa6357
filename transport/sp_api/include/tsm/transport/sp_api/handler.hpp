#pragma once
/// The SP-facing REST API (Fidesmo compatible): a route table (path -> methods -> handler) over
/// one handler per API family (operations, ccm, desfire, capfiles, status, completion). Each
/// handler authenticates against the calling shard's app directory, decodes the body, asks core
/// to map and validate the request, and hands the operation to the session's owner shard through
/// core::shard_runtime. Health endpoints are answered first, by the hook given at construction.
/// Built once before the listener starts; on_request runs on the connection's shard thread.
#include "tsm/transport/sp_api/body_decoders.hpp"

#include "tsm/core/key_vault.hpp"
#include "tsm/core/record_store.hpp"
#include "tsm/core/secret_hasher.hpp"
#include "tsm/core/shard_runtime.hpp"
#include "tsm/transport/http_server.hpp"
#include "tsm/transport/route_table.hpp"

#include <boost/asio/thread_pool.hpp>

#include <functional>

namespace tsm::transport::sp_api {

/// Answers the request when it is a health endpoint (/healthz, /readyz, /metrics) and returns
/// true; false leaves the request to the SP API.
using health_hook = std::function<bool(http_request& req, http_responder& respond)>;

/// What every family's handler works with. Everything it refers to outlives the handler.
struct context {
    core::shard_runtime& runtime;
    core::record_store& store;
    const core::secret_hasher& hasher;
    const core::key_vault& vault;
    limits body_limits;
    boost::asio::thread_pool& blocking; ///< CAP parsing: milliseconds of CPU, never on a shard
};

class handler final : public http_handler {
public:
    handler(core::shard_runtime& runtime, core::record_store& store, const core::secret_hasher& hasher,
            const core::key_vault& vault, limits body_limits, health_hook health,
            boost::asio::thread_pool& blocking);
    handler(const handler&) = delete;
    handler& operator=(const handler&) = delete;

    void on_request(http_request req, http_responder respond) override;

private:
    context ctx_;
    health_hook health_;
    route_table routes_;
};

} // namespace tsm::transport::sp_api
