#pragma once
/// The admin API (its own listener, loopback by default, optionally Bearer-token protected):
/// apps (/admin/v1/apps[/{id}]) and card keys (/admin/v1/cards/{cin}, /admin/v1/iins/{iin}),
/// plus the health endpoints, which need no token. Decodes, calls core, encodes, maps errors.
/// Thread safety: on_request runs on the admin listener's shard; the route table is read-only.
#include "tsm/transport/admin_api/apps_handler.hpp"
#include "tsm/transport/admin_api/card_keys_handler.hpp"
#include "tsm/transport/health/health_api.hpp"
#include "tsm/transport/http_server.hpp"
#include "tsm/transport/route_table.hpp"

#include <string>

namespace tsm::transport::admin {

class admin_api final : public http_handler {
public:
    /// An empty `token` leaves the API open (the listener is then expected to be loopback only).
    admin_api(core::shard_runtime& runtime, core::record_store& store, const core::secret_hasher& hasher,
              const core::key_vault& vault, std::string token, const health_api& health);
    admin_api(const admin_api&) = delete;
    admin_api& operator=(const admin_api&) = delete;

    void on_request(http_request req, http_responder respond) override;

private:
    /// Constant-time comparison of the Authorization header with "Bearer <token>".
    bool authorized(const http_request& req) const;

    const health_api& health_;
    std::string expected_authorization_;
    apps_handler apps_;
    card_keys_handler cards_;
    route_table routes_;
};

} // namespace tsm::transport::admin
