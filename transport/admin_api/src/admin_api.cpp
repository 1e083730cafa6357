#include "tsm/transport/admin_api/admin_api.hpp"

#include <sodium.h>

namespace tsm::transport::admin {

admin_api::admin_api(core::shard_runtime& runtime, core::record_store& store,
                     const core::secret_hasher& hasher, const core::key_vault& vault, std::string token,
                     const health_api& health)
    : health_(health), expected_authorization_(token.empty() ? std::string() : "Bearer " + token),
      apps_(runtime, store, hasher), cards_(runtime, store, vault) {
    sodium_memzero(token.data(), token.size());
    auto list = [this](http_request&, const route_match&, http_responder& respond) { apps_.list(respond); };
    routes_.add("/admin/v1/apps", {"GET"}, list);
    routes_.add("/admin/v1/apps/", {"GET"}, list);
    routes_.add("/admin/v1/apps/{id}", {"GET", "PUT", "DELETE"},
                [this](http_request& req, const route_match& m, http_responder& respond) {
                    std::string id(m.param(0));
                    if (req.method == "GET") {
                        apps_.get(id, respond);
                    } else if (req.method == "PUT") {
                        apps_.put(std::move(id), req, respond);
                    } else {
                        apps_.erase(std::move(id), respond);
                    }
                });
    for (const bool master : {false, true}) {
        routes_.add(master ? "/admin/v1/iins/{iin}" : "/admin/v1/cards/{cin}", {"GET", "PUT", "DELETE"},
                    [this, master](http_request& req, const route_match& m, http_responder& respond) {
                        if (req.method == "GET") {
                            cards_.get(master, m.param(0), respond);
                        } else if (req.method == "PUT") {
                            cards_.put(master, m.param(0), req, respond);
                        } else {
                            cards_.erase(master, m.param(0), respond);
                        }
                    });
    }
}

bool admin_api::authorized(const http_request& req) const {
    if (expected_authorization_.empty()) {
        return true;
    }
    auto auth = req.header("Authorization");
    const std::string& expected = expected_authorization_;
    return auth && auth->size() == expected.size()
           && sodium_memcmp(auth->data(), expected.data(), expected.size()) == 0;
}

void admin_api::on_request(http_request req, http_responder respond) {
    if (health_.serve(req, respond)) {
        return;
    }
    if (!authorized(req)) {
        respond(make_error_response(core::make_api_error(core::api_errc::unauthorized,
                                                         "admin token required (Authorization: Bearer …)")));
        return;
    }
    routes_.dispatch(req, respond);
}

} // namespace tsm::transport::admin
