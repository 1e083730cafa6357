#include "example_sp/demo_session.hpp"

#include "tsmctl/sync_http_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <optional>

namespace tsm::tools::example_sp {

namespace json = boost::json;

namespace {

struct step_result {
    bool ok = false;
    std::vector<std::string> responses; ///< hex R-APDUs
    std::string error;
};

bool ends_with_9000(const std::string& hex) {
    return hex.size() >= 4 && (hex.ends_with("9000"));
}

std::string upper(std::string s) {
    for (auto& c : s) {
        if (c >= 'a' && c <= 'f') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return s;
}

// One operation round trip: request, wait for its callback, validate it.
step_result transceive_step(
    const demo_context& ctx, const std::string& session_id, const std::string& callback_url,
    const std::vector<std::string>& commands, std::string_view what) {
    step_result out;
    auto started = ctx.api.transceive(session_id, callback_url, commands);
    if (!started.ok) {
        out.error = std::string(what) + ": transceive refused: " + started.error;
        return out;
    }
    ctx.log.line(session_id, std::string(what) + ": transceive accepted, operationId " + started.operation_id);
    auto cb = ctx.waiter.wait(started.operation_id, ctx.operation_timeout);
    if (!cb) {
        out.error = std::string(what) + ": no callback for operation " + started.operation_id;
        return out;
    }
    if (cb->session_id != session_id) {
        out.error = std::string(what) + ": callback arrived for another session";
        return out;
    }
    boost::system::error_code ec;
    auto v = json::parse(cb->body, ec);
    const json::object* o = !ec && v.is_object() ? &v.get_object() : nullptr;
    const json::value* status = o ? o->if_contains("statusCode") : nullptr;
    if (!status || !status->is_int64()) {
        out.error = std::string(what) + ": callback without statusCode";
        return out;
    }
    if (status->get_int64() != 200) {
        std::string msg;
        if (const auto* e = o->if_contains("error"); e && e->is_object()) {
            if (const auto* m = e->get_object().if_contains("message"); m && m->is_string()) {
                msg = ": " + std::string(m->get_string());
            }
        }
        out.error = std::string(what) + ": operation failed with status "
                    + std::to_string(status->get_int64()) + msg;
        return out;
    }
    if (const auto* r = o->if_contains("responses"); r && r->is_array()) {
        for (const auto& x : r->get_array()) {
            out.responses.push_back(x.is_string() ? upper(std::string(x.get_string())) : std::string());
        }
    }
    if (out.responses.empty() || !ends_with_9000(out.responses.back())) {
        out.error = std::string(what) + ": card answered "
                    + (out.responses.empty() ? std::string("nothing") : out.responses.back());
        return out;
    }
    ctx.log.line(session_id, std::string(what) + ": callback status 200, "
                                 + std::to_string(out.responses.size()) + " response(s), SW 9000");
    out.ok = true;
    return out;
}

// GET DATA 45 answers "45 LL <CIN> 9000"; show the CIN when the shape is right.
std::string cin_from(const std::string& hex) {
    if (hex.size() < 8 || !hex.starts_with("45")) {
        return hex;
    }
    return hex.substr(4, hex.size() - 8);
}

} // namespace

bool run_demo_session(const demo_context& ctx, const std::string& session_id) {
    std::string callback_url = ctx.public_url + "/callback/";
    append_path_segment(callback_url, session_id);

    bool success = false;
    std::string message;
    auto cplc = transceive_step(ctx, session_id, callback_url, {"00A4040000", "80CA9F7F00"}, "step 1 select ISD + CPLC");
    if (!cplc.ok) {
        message = cplc.error;
    } else {
        auto cin = transceive_step(ctx, session_id, callback_url, {"80CA004500"}, "step 2 GET DATA CIN");
        if (!cin.ok) {
            message = cin.error;
        } else {
            success = true;
            message = "Read the card's CPLC and CIN " + cin_from(cin.responses.back());
        }
    }
    ctx.log.line(session_id, std::string(success ? "succeeded: " : "failed: ") + message);
    auto done = ctx.api.complete(session_id, success, message);
    if (done.ok) {
        ctx.log.line(session_id, "service/completed sent (success=" + std::string(success ? "true" : "false") + ")");
    } else {
        ctx.log.line(session_id, "service/completed failed: " + done.error);
    }
    return success;
}

} // namespace tsm::tools::example_sp
