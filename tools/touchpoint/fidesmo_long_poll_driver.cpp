#include "touchpoint/fidesmo_long_poll_driver.hpp"

#include "touchpoint/batch_runner.hpp"
#include "touchpoint/card_error.hpp"
#include "touchpoint/card_identification.hpp"
#include "touchpoint/fidesmo_json.hpp"

#include "tsm/core/hex.hpp"
#include "tsm/core/json_writer.hpp"

#include <ostream>
#include <thread>

namespace tsm::tools::touchpoint {

namespace json = boost::json;
using namespace std::literals;

namespace {

// fdsm gives up after five answers 204 to one fetch body.
constexpr int max_not_ready = 5;
// A server that never stops sending batches for one operation is broken; bound the loop.
constexpr int max_batches_per_operation = 100000;

std::string server_error(const std::string& what, const http_answer& a) {
    return what + ": the server answered " + std::to_string(a.status) + (a.body.empty() ? "" : " " + a.body);
}

std::string bare_fetch(const std::string& session_id) {
    core::json_writer w;
    w.begin_object().key("sessionId").value(session_id).end_object();
    return std::move(w).str();
}

} // namespace

fidesmo_long_poll_driver::fidesmo_long_poll_driver(touchpoint_options opts, card& c, fidesmo_http_client http,
                                                   std::ostream& out, std::ostream& err)
    : opts_(std::move(opts)), card_(c), http_(std::move(http)), out_(out), err_(err),
      prompts_(opts_, nullptr, out_) {}

fidesmo_long_poll_driver::~fidesmo_long_poll_driver() {
    wipe_text(last_answer_body_);
    wipe_fields(opts_.fields);
}

std::optional<json::object> fidesmo_long_poll_driver::call(const std::string& method, const std::string& path,
                                                           const std::string& body, resend on_lost,
                                                           std::optional<failure>& fail) {
    http_answer a;
    for (int attempt = 0;; ++attempt) {
        a = http_.request(method, path, body);
        if (a.status != 0) {
            break;
        }
        if (on_lost == resend::never) {
            // The server may have applied the request before the connection broke, and a repeat
            // cannot be told apart from a new request (no batch numbers): fdsm never repeats it.
            fail = failure{exit_connection, a.error + " (not repeated: the server may have applied it)"};
            return std::nullopt;
        }
        if (attempt >= opts_.max_reconnects) {
            fail = failure{exit_connection, a.error};
            return std::nullopt;
        }
        err_ << "tsm-touchpoint: " << a.error << "; retrying, attempt " << attempt + 1 << "/"
             << opts_.max_reconnects << "\n";
        std::this_thread::sleep_for(std::chrono::milliseconds(500) * (attempt + 1));
    }
    if (a.status < 200 || a.status > 299) {
        fail = failure{exit_failed, server_error(method + " " + path, a)};
        return std::nullopt;
    }
    if (a.status == 204) {
        return json::object(); // no body; callers that need one treat it as not ready
    }
    auto o = parse_json_object(a.body);
    if (!o) {
        fail = failure{exit_protocol, method + " " + path + ": the answer is not a JSON object"};
    }
    return o;
}

std::optional<fidesmo_long_poll_driver::failure> fidesmo_long_poll_driver::identify(device& d) {
    const card_identity id = identify_card(card_);
    d.cin_hex = core::to_hex(id.cin);
    d.batch_id = id.batch_id;
    out_ << "card: CIN " << (d.cin_hex.empty() ? "?" : d.cin_hex) << " batch "
         << (d.batch_id ? std::to_string(*d.batch_id) : "?") << "\n";
    std::optional<failure> fail;
    if (d.cin_hex.empty() || !d.batch_id) {
        if (id.cplc.empty()) {
            return failure{exit_failed, "the card gave neither a CIN and batch id nor a CPLC"};
        }
        std::string path = "devices/identify?cplc=" + core::to_hex(id.cplc);
        if (!id.uid.empty()) {
            path += "&uid=" + core::to_hex(id.uid);
        }
        auto o = call("GET", path, {}, resend::allowed, fail);
        if (!o) {
            return fail;
        }
        d.cin_hex = json_string(*o, "cin");
        if (const auto* b = o->if_contains("batchId"); b && b->is_int64()) {
            d.batch_id = b->get_int64();
        }
        if (d.cin_hex.empty() || !core::is_hex(d.cin_hex)) {
            return failure{exit_protocol, "devices/identify gave no CIN"};
        }
    }
    // fdsm deselects the platform applet before it talks to the server.
    card_.transceive("\x00\xA4\x04\x00"sv);
    std::string path = "devices/" + d.cin_hex;
    if (d.batch_id) {
        path += "?batchId=" + std::to_string(*d.batch_id);
    }
    auto o = call("GET", path, {}, resend::allowed, fail);
    if (!o) {
        return fail;
    }
    d.iin_hex = json_string(*o, "iin");
    const json::value* caps = nullptr;
    if (const auto* desc = o->if_contains("description"); desc && desc->is_object()) {
        caps = desc->get_object().if_contains("capabilities");
    }
    const json::value* pv =
        caps && caps->is_object() ? caps->get_object().if_contains("platformVersion") : nullptr;
    if (d.iin_hex.empty() || !pv || !pv->is_int64()) {
        return failure{exit_protocol, "devices/" + d.cin_hex + " gave no iin or platformVersion"};
    }
    d.platform_version = pv->get_int64();
    out_ << "device: IIN " << d.iin_hex << " platformVersion " << d.platform_version << "\n";
    return std::nullopt;
}

std::string fidesmo_long_poll_driver::deliver_body(const device& d, const json::object& description,
                                                   const prompt_answer& fields) const {
    core::json_writer w;
    w.begin_object().key("appId").value(opts_.app_id).key("serviceId").value(opts_.service_id);
    w.key("cardId").begin_object();
    w.key("iin")
        .value(d.iin_hex)
        .key("cin")
        .value(d.cin_hex)
        .key("platformVersion")
        .value(d.platform_version);
    w.end_object();
    write_answer_members(w, fields);
    // The legacy emailRequired/msisdnRequired inputs travel beside the fields, as fdsm sends them.
    const bool email = description.contains("emailRequired");
    const bool msisdn = description.contains("msisdnRequired");
    for (const auto& [k, v] : opts_.fields) {
        if ((k == "email" && email) || (k == "msisdn" && msisdn)) {
            w.key(k).value(v);
        }
    }
    w.end_object();
    return std::move(w).str();
}

std::optional<fidesmo_long_poll_driver::failure>
fidesmo_long_poll_driver::describe_and_deliver(const device& d) {
    std::optional<failure> fail;
    auto svc = call("GET", "apps/" + opts_.app_id + "/services/" + opts_.service_id + "?cin=" + d.cin_hex, {},
                    resend::allowed, fail);
    if (!svc) {
        return fail;
    }
    const auto* desc = svc->if_contains("description");
    if (!desc || !desc->is_object()) {
        return failure{exit_protocol, "the service answer has no description"};
    }
    const json::object& dobj = desc->get_object();
    out_ << "service: " << json_text(dobj.if_contains("title")) << "\n";
    std::vector<std::string> beside;
    if (dobj.contains("emailRequired")) {
        beside.emplace_back("email");
    }
    if (dobj.contains("msisdnRequired")) {
        beside.emplace_back("msisdn");
    }
    std::string error;
    auto fields = prompts_.delivery_fields(&dobj, beside, error);
    if (!fields) {
        return failure{exit_failed, error};
    }
    std::string body = deliver_body(d, dobj, *fields);
    fields.reset();
    auto s = call("POST", "service/deliver", body, resend::never, fail);
    wipe_text(body);
    if (!s) {
        return fail;
    }
    session_id_ = json_string(*s, "sessionId");
    if (session_id_.empty()) {
        return failure{exit_protocol, "service/deliver gave no sessionId"};
    }
    out_ << "session: " << session_id_ << "\n" << std::flush;
    return std::nullopt;
}

std::optional<fidesmo_long_poll_driver::failure>
fidesmo_long_poll_driver::transceive(const std::string& operation_id) {
    std::vector<std::string> responses; // binary; the first request has none ("start sending")
    for (int batch = 0; batch < max_batches_per_operation; ++batch) {
        core::json_writer w;
        w.begin_object()
            .key("uuid")
            .value(operation_id)
            .key("open")
            .value(true)
            .key("responses")
            .begin_array();
        for (const auto& r : responses) {
            w.value(core::to_hex(r));
        }
        w.end_array().end_object();
        std::optional<failure> fail;
        // Responses are applied to the outstanding batch once; re-posting them after a lost
        // answer would apply them to the next batch. The opening request only asks for a batch.
        auto o = call("POST", "connector/json", std::move(w).str(),
                      responses.empty() ? resend::allowed : resend::never, fail);
        if (!o) {
            return fail;
        }
        const auto* cmds = o->if_contains("commands");
        if (!cmds || !cmds->is_array()) {
            return failure{exit_protocol, "connector/json answer has no commands array"};
        }
        if (cmds->get_array().empty()) {
            return std::nullopt;
        }
        std::vector<std::string> commands;
        for (const auto& c : cmds->get_array()) {
            auto bin = c.is_string() ? core::from_hex(c.get_string()) : std::nullopt;
            if (!bin || bin->empty()) {
                return failure{exit_protocol, "connector/json sent a command that is not hex"};
            }
            commands.push_back(std::move(*bin));
        }
        // This dialect has no stopOnError: every command runs, whatever its status word.
        responses = run_batch(card_, commands, false, opts_.trace_apdu ? &out_ : nullptr);
        out_ << "operation " << operation_id << ": executed " << responses.size() << " command(s)\n"
             << std::flush;
    }
    return failure{exit_protocol, "operation " + operation_id + " never ended"};
}

std::optional<std::string> fidesmo_long_poll_driver::operation_result(const json::object& step,
                                                                      std::optional<failure>& fail) {
    const std::string operation_id = json_string(step, "operationId");
    if (operation_id.empty()) {
        fail = failure{exit_protocol, "a user step without an operationId"};
        return std::nullopt;
    }
    if (operation_id == last_answered_operation_) {
        return last_answer_body_;
    }
    std::optional<prompt_answer> answer;
    const bool interaction = json_string(step, "operationType") == "user-interaction";
    if (interaction) {
        bool encrypted = false;
        if (const auto* e = step.if_contains("encrypted"); e && e->is_bool()) {
            encrypted = e->get_bool();
        }
        std::string error;
        answer = prompts_.answer_fields(step.if_contains("fields"), encrypted, error);
        if (!answer) {
            fail = failure{exit_failed, error};
            return std::nullopt;
        }
    } else {
        answer = prompts_.answer_actions(step.if_contains("actions"));
    }
    core::json_writer w;
    w.begin_object().key("sessionId").value(session_id_);
    w.key("operationResult").begin_object().key("operationId").value(operation_id);
    // Declined: a failure status (docs/touchpoint-tool.md); an action acknowledged carries no fields.
    w.key("statusCode").value(answer->declined ? 400 : 200);
    if (interaction && !answer->declined) {
        write_answer_members(w, *answer);
    }
    w.end_object().end_object();
    wipe_text(last_answer_body_);
    last_answered_operation_ = operation_id;
    last_answer_body_ = std::move(w).str();
    out_ << (interaction ? "user-interaction " : "action ") << operation_id << ": "
         << (answer->declined ? "declined"
             : interaction    ? std::to_string(answer->fields.size()) + " answer(s)"
                              : "acknowledged")
         << (answer->ephemeral_key_hex.empty() ? "" : " (encrypted)") << "\n"
         << std::flush;
    return last_answer_body_;
}

std::optional<fidesmo_long_poll_driver::failure> fidesmo_long_poll_driver::delivery_loop() {
    std::string body = bare_fetch(session_id_);
    // The body may carry the user's answers (clear when the service does not encrypt).
    struct body_wiper {
        std::string& s;
        ~body_wiper() { wipe_text(s); }
    } wiper{body};
    auto last_success = std::chrono::steady_clock::now();
    const auto bound = std::chrono::milliseconds(opts_.fetch_retry_ms);
    int not_ready = 0;
    for (;;) {
        http_answer a = http_.request("POST", "service/fetch", body);
        if (a.status == 204) {
            if (++not_ready > max_not_ready) {
                return failure{exit_failed, "unable to fetch the next step after all retries (204)"};
            }
            std::this_thread::sleep_for(not_ready_pause_);
            continue; // the same body again
        }
        if (a.status == 503 || a.status == 0) {
            not_ready = 0; // fdsm starts its five 204 retries afresh after a 503
            // 503 is retried at once (the server held the poll); a lost connection after a pause.
            if (std::chrono::steady_clock::now() - last_success >= bound) {
                return a.status == 0 ? failure{exit_connection, a.error}
                                     : failure{exit_failed, server_error("service/fetch", a)};
            }
            if (a.status == 0) {
                err_ << "tsm-touchpoint: " << a.error << "; fetching again\n";
                std::this_thread::sleep_for(std::chrono::milliseconds(250));
            }
            continue;
        }
        if (a.status < 200 || a.status > 299) {
            return failure{exit_failed, server_error("service/fetch", a)};
        }
        auto step = parse_json_object(a.body);
        const json::value* completed = step ? step->if_contains("completed") : nullptr;
        if (!completed || !completed->is_bool()) {
            return failure{exit_protocol, "service/fetch answer without a boolean \"completed\": " + a.body};
        }
        last_success = std::chrono::steady_clock::now();
        not_ready = 0;
        if (completed->get_bool()) {
            const auto* st = step->if_contains("status");
            const json::object* s = st && st->is_object() ? &st->get_object() : nullptr;
            const json::value* ok = s ? s->if_contains("success") : nullptr;
            const bool success = ok && ok->is_bool() && ok->get_bool();
            out_ << "status: success=" << (success ? "true" : "false");
            if (s) {
                if (auto m = json_text(s->if_contains("message")); !m.empty()) {
                    out_ << " message=" << m;
                }
                if (auto m = json_text(s->if_contains("scriptStatus")); !m.empty()) {
                    out_ << " scriptStatus=" << m;
                }
            }
            out_ << "\n" << std::flush;
            return success ? std::nullopt : std::optional<failure>(failure{exit_failed, {}});
        }
        const std::string type = json_string(*step, "operationType");
        const std::string operation = json_string(*step, "operationId");
        if (type == "transceive") {
            if (auto f = transceive(operation)) {
                return f;
            }
            wipe_text(body);
            body = bare_fetch(session_id_);
        } else if (type == "user-interaction" || type == "action") {
            std::optional<failure> fail;
            auto answer = operation_result(*step, fail);
            if (!answer) {
                return fail;
            }
            wipe_text(body);
            body = std::move(*answer);
        } else {
            return failure{exit_protocol, "unsupported operation type '" + type + "'"};
        }
    }
}

void fidesmo_long_poll_driver::report_client_error(const std::string& message) {
    core::json_writer w;
    w.begin_object().key("sessionId").value(session_id_).key("message").value(message);
    w.key("fatal").value(true).end_object();
    // The client ignores the answer (section 3.9); one attempt.
    http_.request("POST", "service/error", std::move(w).str());
}

int fidesmo_long_poll_driver::run() {
    std::optional<failure> fail;
    try {
        device d;
        fail = identify(d);
        if (!fail) {
            fail = describe_and_deliver(d);
        }
        if (!fail) {
            fail = delivery_loop();
            if (fail && !fail->message.empty()) {
                report_client_error(fail->message);
            }
        }
    } catch (const card_lost_error& e) {
        fail = failure{exit_connection, e.what()};
        if (!session_id_.empty()) {
            report_client_error(e.what());
        }
    }
    if (!fail) {
        return exit_ok;
    }
    if (!fail->message.empty()) {
        err_ << "tsm-touchpoint: " << fail->message << "\n";
    }
    return fail->code;
}

} // namespace tsm::tools::touchpoint
