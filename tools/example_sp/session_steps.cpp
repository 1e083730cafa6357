#include "example_sp/session_steps.hpp"

#include "tsmctl/sync_http_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace tsm::tools::example_sp {

namespace json = boost::json;

namespace {

std::string string_at(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

/// "step 1 install: INSTALL [for install] failed with SW 6A88 (status 500, card-error: ...)";
/// a DESFire status byte, when the error has one, instead of the SW.
std::string failure_line(std::string_view what, const operation_outcome& out, std::int64_t status_code,
                         const std::string& message) {
    std::string p =
        std::string(what) + ": " + (out.command.empty() ? std::string("operation") : out.command) + " failed";
    if (!out.status.empty()) {
        p += " with DESFire status " + out.status;
    } else if (!out.sw.empty()) {
        p += " with SW " + out.sw;
    }
    p += " (status " + std::to_string(status_code);
    if (!out.code.empty()) {
        p += ", " + out.code;
    }
    if (!message.empty()) {
        p += ": " + message;
    }
    p += ")";
    return p;
}

} // namespace

std::string session_callback_url(const demo_context& ctx, const std::string& session_id) {
    std::string callback_url = ctx.public_url + "/callback/";
    append_path_segment(callback_url, session_id);
    return callback_url;
}

std::string upper_hex(std::string s) {
    for (auto& c : s) {
        if (c >= 'a' && c <= 'f') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return s;
}

operation_outcome await_operation(const demo_context& ctx, const std::string& session_id,
                                  const api_result& started, std::string_view what,
                                  callback_logging logging) {
    operation_outcome out;
    if (!started.ok) {
        out.problem = std::string(what) + ": request refused: " + started.error;
        return out;
    }
    ctx.log.line(session_id, std::string(what) + ": accepted, operationId " + started.operation_id);
    auto cb = ctx.waiter.wait(started.operation_id, ctx.operation_timeout);
    if (!cb) {
        out.problem = std::string(what) + ": no callback for operation " + started.operation_id;
        return out;
    }
    if (cb->session_id != session_id) {
        out.problem = std::string(what) + ": callback arrived for another session";
        return out;
    }
    if (logging == callback_logging::body) {
        ctx.log.line(session_id, std::string(what) + ": callback " + cb->body);
    }
    boost::system::error_code ec;
    auto v = json::parse(cb->body, ec);
    const json::object* o = !ec && v.is_object() ? &v.get_object() : nullptr;
    const json::value* status = o ? o->if_contains("statusCode") : nullptr;
    if (!status || !status->is_int64()) {
        out.problem = std::string(what) + ": callback without statusCode";
        return out;
    }
    if (const auto* r = o->if_contains("responses"); r && r->is_array()) {
        for (const auto& x : r->get_array()) {
            out.responses.push_back(x.is_string() ? upper_hex(std::string(x.get_string())) : std::string());
        }
    }
    if (const auto* f = o->if_contains("fields"); f && f->is_object()) {
        for (const auto& kv : f->get_object()) {
            out.fields.emplace_back(std::string(kv.key()), kv.value().is_string()
                                                               ? std::string(kv.value().get_string())
                                                               : std::string());
        }
    }
    out.ephemeral_key = string_at(*o, "ephemeralKey");
    if (status->get_int64() == 200) {
        if (logging == callback_logging::status) {
            ctx.log.line(session_id, std::string(what) + ": callback status 200, "
                                         + std::to_string(out.responses.size()) + " response(s)");
        }
        out.ok = true;
        return out;
    }
    std::string message;
    if (const auto* e = o->if_contains("error"); e && e->is_object()) {
        const auto& eo = e->get_object();
        out.code = string_at(eo, "code");
        out.command = string_at(eo, "command");
        out.sw = upper_hex(string_at(eo, "sw"));
        out.status = upper_hex(string_at(eo, "status"));
        message = string_at(eo, "message");
    }
    out.problem = failure_line(what, out, status->get_int64(), message);
    return out;
}

bool complete_session(const demo_context& ctx, const std::string& session_id, bool success,
                      const std::string& message) {
    ctx.log.line(session_id, std::string(success ? "succeeded: " : "failed: ") + message);
    auto done = ctx.api.complete(session_id, success, message);
    if (done.ok) {
        ctx.log.line(session_id,
                     "service/completed sent (success=" + std::string(success ? "true" : "false") + ")");
    } else {
        ctx.log.line(session_id, "service/completed failed: " + done.error);
    }
    return success;
}

} // namespace tsm::tools::example_sp
