#pragma once
/// The Fidesmo client API's HTTP routes (docs/fidesmo-compat.md), under "/v3", "/v2" and with no
/// prefix: GET apps/{appId}/services/{serviceId}?cin=, POST service/deliver, service/fetch,
/// connector/json and service/error. Each route decodes its body (Content-Type is ignored: the
/// clients send application/json on every request) and hands it to the long-poll adapter; bad
/// input gets a 4xx JSON error and reaches nothing.
/// Built once at start-up, then read-only: dispatch() from any shard thread.
#include "tsm/transport/touch_point/fidesmo/long_poll.hpp"

#include "tsm/transport/route_table.hpp"

namespace tsm::transport::touch_point::fidesmo {

class client_api {
public:
    /// `adapter` outlives the routes.
    explicit client_api(long_poll& adapter);

    /// Serves the request when its path is one of the client API's and returns true; false
    /// leaves it to the next handler (nothing answered).
    bool dispatch(http_request& req, http_responder& respond) const {
        return routes_.dispatch(req, respond, false);
    }

    /// For route-adding functions that serve the same prefixes (the device registry endpoints).
    route_table& routes() noexcept { return routes_; }

    static constexpr const char* prefixes[] = {"/v3", "/v2", ""};

private:
    route_table routes_;
};

} // namespace tsm::transport::touch_point::fidesmo
