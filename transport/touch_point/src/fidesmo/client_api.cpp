#include "tsm/transport/touch_point/fidesmo/client_api.hpp"

#include "bodies.hpp"
#include "tsm/transport/touch_point/message.hpp"

#include <string>

namespace tsm::transport::touch_point::fidesmo {

client_api::client_api(long_poll& lp) {
    for (std::string prefix : prefixes) {
        routes_.add(prefix + "/apps/{appId}/services/{serviceId}", {"GET"},
                    [&lp](http_request& req, const route_match& m, http_responder& respond) {
                        const std::string_view app = m.param(0);
                        const std::string_view service = m.param(1);
                        if (!is_valid_service_id(app) || !is_valid_service_id(service)) {
                            respond(make_error_response(
                                core::make_api_error(core::api_errc::bad_request,
                                                     "appId and serviceId must be URL-safe ids")));
                            return;
                        }
                        std::string cin(query_param(req.target, "cin").value_or(""));
                        if (!cin.empty() && (cin.size() > 64 || !core::is_hex(cin))) {
                            respond(make_error_response(core::make_api_error(core::api_errc::bad_request,
                                                                             "cin must be even-length hex")));
                            return;
                        }
                        lp.describe(std::string(app), std::string(service), std::move(cin),
                                    std::move(respond));
                    });
        routes_.add(prefix + "/service/deliver", {"POST"},
                    [&lp](http_request& req, const route_match&, http_responder& respond) {
                        auto d = decode_deliver(req.body);
                        if (!d) {
                            respond(make_error_response(d.error()));
                            return;
                        }
                        lp.deliver(std::move(*d), std::move(respond));
                    });
        routes_.add(prefix + "/service/fetch", {"POST"},
                    [&lp](http_request& req, const route_match&, http_responder& respond) {
                        auto f = decode_fetch(req.body);
                        if (!f) {
                            respond(make_error_response(f.error()));
                            return;
                        }
                        // An operationResult answers a user-interaction or action step; the
                        // channel applies it once (a repeated body is not applied twice).
                        lp.fetch(std::move(f->session_id), std::move(respond), std::move(f->result));
                    });
        routes_.add(prefix + "/connector/json", {"POST"},
                    [&lp](http_request& req, const route_match&, http_responder& respond) {
                        auto c = decode_connector(req.body, lp.body_limits());
                        if (!c) {
                            respond(make_error_response(c.error()));
                            return;
                        }
                        lp.connector(std::move(c->operation_id), std::move(c->responses), std::move(respond));
                    });
        routes_.add(prefix + "/service/error", {"POST"},
                    [&lp](http_request& req, const route_match&, http_responder& respond) {
                        auto e = decode_client_error(req.body);
                        if (!e) {
                            respond(make_error_response(e.error()));
                            return;
                        }
                        lp.client_error(std::move(e->session_id), std::move(e->message), std::move(respond));
                    });
        // The device registry's client endpoints (devices/identify, devices/{cin}) are added to
        // routes() by add_device_routes (devices.hpp) in tsmd, for each prefix.
    }
}

} // namespace tsm::transport::touch_point::fidesmo
