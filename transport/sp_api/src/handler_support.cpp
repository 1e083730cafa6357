#include "handler_support.hpp"

#include "tsm/core/ids.hpp"
#include "tsm/core/json_writer.hpp"

namespace tsm::transport::sp_api {

std::string lower_case(std::string_view id) {
    std::string out(id);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

std::string session_id_text(const http_request& req) {
    return lower_case(req.header("sessionId").value_or(""));
}

core::api_result<std::string> session_header(const http_request& req) {
    auto session = req.header("sessionId");
    if (!session || session->empty()) {
        return core::make_api_error(core::api_errc::missing_header, "the sessionId header is required");
    }
    if (!core::is_uuid(*session)) {
        return core::make_api_error(core::api_errc::session_not_found, "no such session for this app");
    }
    return session_id_text(req);
}

http_response json_response(std::string body) {
    http_response r;
    r.body = std::move(body);
    return r;
}

void accept(const context& ctx, const core::app_record& app, const http_request& req, http_responder& respond,
            core::operation_request op) {
    auto session_id = session_header(req);
    if (!session_id) {
        respond(make_error_response(session_id.error()));
        return;
    }
    auto callback = req.header("callbackUrl");
    if (!callback || callback->empty()) {
        respond(make_error_response(
            core::make_api_error(core::api_errc::missing_header, "the callbackUrl header is required")));
        return;
    }
    std::string sid = *session_id;
    ctx.runtime.invoke_on_owner(sid, [app_id = app.app_id, sid, callback_url = std::string(*callback),
                                      kind = std::move(op.kind), payload = std::move(op.payload),
                                      respond = std::move(respond)](core::shard_services& s) mutable {
        s.sessions->accept_operation(std::move(app_id), std::move(sid), std::move(kind), std::move(payload),
                                     std::move(callback_url),
                                     [respond = std::move(respond)](std::optional<core::api_error> err,
                                                                    std::string op_id) {
                                         if (err) {
                                             respond(make_error_response(*err));
                                             return;
                                         }
                                         core::json_writer w;
                                         w.begin_object().key("operationId").value(op_id).end_object();
                                         respond(json_response(std::move(w).str()));
                                     });
    });
}

} // namespace tsm::transport::sp_api
