#include "tsm/transport/http_sp_port.hpp"

namespace tsm::transport {

void http_sp_port::call(std::string method, std::string url, std::string body, reply_handler done) {
    http_client_request req;
    req.method = std::move(method);
    req.url = std::move(url);
    req.body = std::move(body);
    req.headers.emplace_back("Accept", "application/json");
    req.timeout = timeout_;
    client_.request(std::move(req), [done = std::move(done)](http_client_response r) {
        core::sp_reply reply;
        reply.status = r.ec ? 0 : r.status;
        reply.body = std::move(r.body);
        if (r.ec) {
            reply.error = r.ec.message();
        }
        done(std::move(reply));
    });
}

} // namespace tsm::transport
