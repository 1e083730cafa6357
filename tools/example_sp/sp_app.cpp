#include "example_sp/sp_app.hpp"

#include "example_sp/demo_session.hpp"
#include "example_sp/desfire_session.hpp"
#include "example_sp/pin_session.hpp"

#include "tsm/core/json_writer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>

#include <fstream>
#include <iterator>
#include <vector>

namespace tsm::tools::example_sp {

namespace json = boost::json;

namespace {

constexpr std::string_view demo_service_id = "demo";
constexpr std::string_view hello_service_id = "hello";
constexpr std::string_view desfire_service_id = "desfire";
constexpr std::string_view pin_service_id = "pin";

http_reply error_reply(int status, std::string_view code, std::string_view message) {
    core::json_writer w;
    w.begin_object().key("error").begin_object();
    w.key("code").value(code).key("message").value(message);
    w.end_object().end_object();
    return http_reply{status, std::move(w).str()};
}

// Decoded path segments of an origin-form target ("/a/b%20c?x" -> {"a", "b c"}).
std::optional<std::vector<std::string>> path_segments(const std::string& target) {
    auto u = boost::urls::parse_origin_form(target);
    if (!u) {
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (auto seg : u->segments()) {
        out.push_back(seg);
    }
    return out;
}

} // namespace

sp_app::sp_app(sp_options opts, std::ostream& log_out)
    : opts_(std::move(opts)), log_(log_out),
      api_(tsm_api_config{opts_.tsm_url, opts_.app_id, opts_.app_key}) {}

sp_app::~sp_app() {
    stop();
}

bool sp_app::start(std::string& error) {
    key_ = opts_.key_file.empty() ? sp_key::generate(error) : sp_key::load(opts_.key_file, error);
    if (!key_) {
        return false;
    }
    if (!opts_.cap_path.empty() && !upload_cap(error)) {
        return false;
    }
    auto handler = [this](const http_request_in& req) { return handle(req); };
    if (!listener_.start(opts_.listen_host, opts_.listen_port, handler, error)) {
        return false;
    }
    std::string url = opts_.public_url;
    if (url.empty()) {
        // A wildcard bind is not an address tsmd can call; loopback is the useful default.
        std::string host = opts_.listen_host;
        if (host == "0.0.0.0") {
            host = "127.0.0.1";
        } else if (host == "::") {
            host = "::1";
        }
        if (host.find(':') != std::string::npos) {
            host = "[" + host + "]";
        }
        url = "http://" + host + ":" + std::to_string(listener_.port());
    }
    // The listener thread already serves: on_delivery reads public_url_ under the same mutex.
    std::lock_guard lock(mutex_);
    public_url_ = std::move(url);
    return true;
}

bool sp_app::upload_cap(std::string& error) {
    std::ifstream in(opts_.cap_path, std::ios::binary);
    std::string cap{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (!in.good() && !in.eof()) {
        error = "cannot read the CAP file " + opts_.cap_path;
        return false;
    }
    if (cap.empty()) {
        error = "cannot read the CAP file " + opts_.cap_path + " (missing or empty)";
        return false;
    }
    log_.line({}, "uploading CAP file " + opts_.cap_path + " (" + std::to_string(cap.size()) + " bytes) to "
                      + opts_.tsm_url);
    auto up = api_.upload_cap(cap);
    if (!up.ok) {
        error = "CAP upload of " + opts_.cap_path + " failed: " + up.error;
        return false;
    }
    auto applet = hello_applet_from_upload(up.id, up.elf_aid, up.modules, error);
    if (!applet) {
        return false;
    }
    log_.line({}, "CAP uploaded: id " + applet->cap_id + ", load file " + applet->elf_aid + ", applet "
                      + applet->module_aid + "; service hello installs instance " + applet->instance_aid);
    hello_ = std::move(applet);
    return true;
}

void sp_app::stop() {
    listener_.stop(); // no new deliveries or callbacks from here on
    std::list<worker> workers;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        workers.splice(workers.end(), workers_);
    }
    waiter_.shutdown(); // waiting sessions give up and report failure
    for (auto& w : workers) {
        if (w.thread.joinable()) {
            w.thread.join();
        }
    }
}

http_reply sp_app::handle(const http_request_in& req) {
    auto segs = path_segments(req.target);
    if (!segs || segs->empty()) {
        return error_reply(404, "not_found", "no such endpoint");
    }
    const auto& s = *segs;
    if (s[0] == "description" && s.size() == 2) {
        if (req.method != "GET") {
            return error_reply(405, "method_not_allowed", "use GET");
        }
        return on_description(s[1]);
    }
    if (s[0] == "delivery" && s.size() == 1) {
        // fidesmo-api.md §4: the backend's method is configurable, so accept both.
        if (req.method != "PUT" && req.method != "POST") {
            return error_reply(405, "method_not_allowed", "use PUT or POST");
        }
        return on_delivery(req);
    }
    if (s[0] == "callback" && s.size() == 2) {
        if (req.method != "POST") {
            return error_reply(405, "method_not_allowed", "use POST");
        }
        return on_callback(s[1], req);
    }
    return error_reply(404, "not_found", "no such endpoint");
}

http_reply sp_app::on_description(const std::string& service_id) const {
    if (service_id == hello_service_id && hello_) {
        return http_reply{
            200,
            R"({"title":"Hello applet","description":"Installs and personalizes the HelloWorld applet","confirmationRequired":false})"};
    }
    if (service_id == desfire_service_id) {
        return http_reply{
            200,
            R"({"title":"DESFire demo","description":"Creates a DESFire application, writes and reads a file, deletes the application","confirmationRequired":false})"};
    }
    if (service_id == pin_service_id && key_) {
        return http_reply{200, pin_description(*key_)};
    }
    if (service_id != demo_service_id) {
        return error_reply(404, "unknown_service", "no service " + service_id);
    }
    return http_reply{
        200,
        R"({"title":"OpenTSM demo","description":"Reads the card's CPLC","confirmationRequired":false})"};
}

http_reply sp_app::on_delivery(const http_request_in& req) {
    boost::system::error_code ec;
    auto v = json::parse(req.body, ec);
    if (ec || !v.is_object()) {
        return error_reply(400, "bad_request", "delivery body must be a JSON object");
    }
    const auto& o = v.get_object();
    const auto* sid = o.if_contains("sessionId");
    const auto* svc = o.if_contains("serviceId");
    if (!sid || !sid->is_string() || sid->get_string().empty() || !svc || !svc->is_string()) {
        return error_reply(400, "bad_request", "delivery needs sessionId and serviceId strings");
    }
    std::string session_id(sid->get_string());
    std::string service_id(svc->get_string());
    const bool hello = service_id == hello_service_id && hello_;
    const bool desfire = service_id == desfire_service_id;
    const bool pin = service_id == pin_service_id && key_;
    if (service_id != demo_service_id && !hello && !desfire && !pin) {
        return error_reply(404, "unknown_service", "no service " + service_id);
    }

    std::lock_guard lock(mutex_);
    if (stopping_) {
        return error_reply(503, "unavailable", "shutting down");
    }
    if (public_url_.empty()) {
        return error_reply(503, "unavailable", "starting up");
    }
    reap_finished_workers();
    for (const auto& w : workers_) {
        if (w.session_id == session_id) {
            return http_reply{200, ""}; // a retried delivery request: the session already runs
        }
    }
    if (workers_.size() >= max_sessions) {
        return error_reply(503, "busy", "too many sessions in flight");
    }
    std::string card;
    if (const auto* c = o.if_contains("cardId"); c && c->is_object()) {
        if (const auto* cin = c->get_object().if_contains("cin"); cin && cin->is_string()) {
            card = " for card CIN " + std::string(cin->get_string());
        }
    }
    log_.line(session_id, "delivery request for service " + service_id + card);

    auto& w = workers_.emplace_back();
    w.session_id = session_id;
    worker* wp = &w; // std::list: stable address until reaped, and reaping waits for done
    demo_context ctx{api_, waiter_, log_, public_url_, opts_.operation_timeout};
    if (hello) {
        w.thread = std::thread([ctx, applet = *hello_, session_id, wp] {
            run_hello_session(ctx, applet, session_id);
            wp->done = true;
        });
    } else if (pin) {
        w.thread = std::thread([ctx, key = *key_, observer = opts_.pin_observer, session_id, wp] {
            run_pin_session(ctx, key, session_id, observer);
            wp->done = true;
        });
    } else if (desfire) {
        w.thread = std::thread([ctx, session_id, wp] {
            run_desfire_session(ctx, session_id);
            wp->done = true;
        });
    } else {
        w.thread = std::thread([ctx, session_id, wp] {
            run_demo_session(ctx, session_id);
            wp->done = true;
        });
    }
    return http_reply{200, ""};
}

http_reply sp_app::on_callback(const std::string& session_id, const http_request_in& req) {
    boost::system::error_code ec;
    auto v = json::parse(req.body, ec);
    const json::value* op = !ec && v.is_object() ? v.get_object().if_contains("operationId") : nullptr;
    if (!op || !op->is_string() || op->get_string().empty()) {
        return error_reply(400, "bad_request", "callback needs an operationId");
    }
    std::string operation_id(op->get_string());
    if (!waiter_.deliver(operation_id, operation_callback{session_id, req.body})) {
        // Either a duplicate (already have it: fine) or the parking area is full.
        log_.line(session_id, "callback for " + operation_id + " ignored (duplicate or too many pending)");
    }
    return http_reply{200, ""};
}

void sp_app::reap_finished_workers() {
    for (auto it = workers_.begin(); it != workers_.end();) {
        if (it->done) {
            it->thread.join();
            it = workers_.erase(it);
        } else {
            ++it;
        }
    }
}

} // namespace tsm::tools::example_sp
