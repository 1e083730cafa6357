#pragma once
/// The SP-facing REST API (Fidesmo compatible): authentication, request shape, then hand-off to
/// the owner shard's session service. Also serves /healthz, /readyz and /metrics.
#include "capfile_api.hpp"
#include "health.hpp"
#include "tsm/core/shard_services.hpp"

#include "tsm/core/record_store.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/secret_hasher.hpp"
#include "tsm/transport/http_server.hpp"
#include "tsm/transport/json_codec.hpp"

#include <vector>

namespace tsm::tsmd {

class sp_api final : public transport::http_handler {
public:
    sp_api(std::vector<core::shard_services*> shards, core::record_store& store,
           const core::secret_hasher& hasher, const core::key_vault& vault,
           transport::json_limits limits, health& h, boost::asio::thread_pool& blocking);
    void on_request(transport::http_request req, transport::http_responder respond) override;

private:
    /// The authenticated app on the request's shard, or nullptr (401 already answered).
    const core::app_record* authenticate(const transport::http_request& req,
                                         transport::http_responder& respond);
    void transceive(const core::app_record& app, transport::http_request req,
                    transport::http_responder respond);
    /// /ccm/install, /ccm/delete, /ccm/storedata: body checked here, the card script later.
    void ccm(const core::app_record& app, transport::http_request req, transport::http_responder respond);
    /// Common to every operation: sessionId and callbackUrl headers, then the owner shard.
    void accept(const core::app_record& app, transport::http_request req, transport::http_responder respond,
                std::string kind, core::bytes payload);
    void completed(transport::http_request req, transport::http_responder respond);
    void status(transport::http_request req, transport::http_responder respond);
    core::shard_services& owner(const std::string& session_id);

    std::vector<core::shard_services*> shards_;
    core::record_store& store_;
    const core::secret_hasher& hasher_;
    const core::key_vault& vault_;
    transport::json_limits limits_;
    health& health_;
    capfile_api capfiles_;
};

} // namespace tsm::tsmd
