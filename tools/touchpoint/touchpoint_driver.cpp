#include "touchpoint/touchpoint_driver.hpp"

#include "touchpoint/batch_runner.hpp"
#include "touchpoint/card_error.hpp"
#include "touchpoint/fidesmo_json.hpp"

#include "tsm/core/hex.hpp"
#include "tsm/core/json_writer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <ostream>
#include <thread>

namespace tsm::tools::touchpoint {

namespace json = boost::json;

namespace {

std::string string_field(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<json::object> parse_object(const std::string& frame) {
    boost::system::error_code ec;
    auto v = json::parse(frame, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    return std::move(v.get_object());
}

std::string error_line(const json::object& o) {
    return "server error " + string_field(o, "code") + ": " + string_field(o, "message");
}

} // namespace

touchpoint_driver::touchpoint_driver(touchpoint_options opts, card& c, channel_factory connect,
                                     std::ostream& out, std::ostream& err)
    : opts_(std::move(opts)), card_(c), connect_(std::move(connect)), out_(out), err_(err),
      prompts_(opts_, nullptr, out_) {}

touchpoint_driver::~touchpoint_driver() {
    wipe_text(last_input_frame_);
    wipe_fields(opts_.fields);
}

std::string touchpoint_driver::describe_frame() const {
    core::json_writer w;
    w.begin_object().key("type").value("describe");
    w.key("appId").value(opts_.app_id).key("serviceId").value(opts_.service_id);
    w.end_object();
    return std::move(w).str();
}

std::string touchpoint_driver::deliver_frame(const prompt_answer& fields) const {
    core::json_writer w;
    w.begin_object().key("type").value("deliver");
    w.key("appId").value(opts_.app_id).key("serviceId").value(opts_.service_id);
    w.key("cardId").begin_object();
    w.key("iin").value(opts_.iin_hex).key("cin").value(opts_.cin_hex);
    w.key("platformVersion").value(opts_.platform_version);
    w.end_object();
    // This client answers user-interaction and user-action steps (docs/touchpoint-protocol.md).
    w.key("features").begin_array().value("user-interaction").end_array();
    if (!fields.fields.empty()) {
        write_answer_members(w, fields);
    }
    w.end_object();
    return std::move(w).str();
}

std::string touchpoint_driver::resume_frame() const {
    core::json_writer w;
    w.begin_object().key("type").value("resume");
    w.key("sessionId").value(session_id_).key("resumeToken").value(resume_token_);
    // Announced again: the server asks the new connection the prompt left unanswered.
    w.key("features").begin_array().value("user-interaction").end_array();
    w.end_object();
    return std::move(w).str();
}

bool touchpoint_driver::send(const std::string& frame, std::string& error) {
    return ch_ && ch_->write(frame, error);
}

int touchpoint_driver::run() {
    std::string error;
    ch_ = connect_(error);
    if (!ch_) {
        err_ << "tsm-touchpoint: " << error << "\n";
        return exit_connection;
    }

    // Describe and deliver happen before a session exists, so a connection lost here cannot be
    // resumed: report it as a connection failure.
    std::string frame;
    if (!send(describe_frame(), error) || !ch_->read(frame, error)) {
        err_ << "tsm-touchpoint: connection lost during describe: " << error << "\n";
        return exit_connection;
    }
    auto desc = parse_object(frame);
    if (!desc) {
        protocol_error("describe answer is not a JSON object");
        return exit_;
    }
    std::string type = string_field(*desc, "type");
    if (type == "error") {
        err_ << "tsm-touchpoint: " << error_line(*desc) << "\n";
        return exit_failed;
    }
    if (type != "description") {
        protocol_error("expected description, got type '" + type + "'");
        return exit_;
    }
    const auto* d = desc->if_contains("description");
    const json::object* dobj = d && d->is_object() ? &d->get_object() : nullptr;
    out_ << "service: " << (dobj ? json_text(dobj->if_contains("title")) : std::string()) << "\n";
    if (dobj) {
        if (auto text = json_text(dobj->if_contains("description")); !text.empty()) {
            out_ << "  " << text << "\n";
        }
    }

    std::string fields_error;
    auto fields = prompts_.delivery_fields(dobj, {}, fields_error);
    if (!fields) {
        err_ << "tsm-touchpoint: " << fields_error << "\n";
        ch_->close();
        return exit_failed;
    }
    std::string deliver = deliver_frame(*fields);
    fields.reset();
    const bool sent = send(deliver, error);
    wipe_text(deliver);
    if (!sent || !ch_->read(frame, error)) {
        err_ << "tsm-touchpoint: connection lost during deliver: " << error << "\n";
        return exit_connection;
    }
    auto sess = parse_object(frame);
    if (!sess) {
        protocol_error("deliver answer is not a JSON object");
        return exit_;
    }
    type = string_field(*sess, "type");
    if (type == "error") {
        err_ << "tsm-touchpoint: " << error_line(*sess) << "\n";
        return exit_failed;
    }
    session_id_ = string_field(*sess, "sessionId");
    resume_token_ = string_field(*sess, "resumeToken");
    if (type != "session" || session_id_.empty()) {
        protocol_error("expected session with a sessionId, got type '" + type + "'");
        return exit_;
    }
    out_ << "session: " << session_id_ << "\n" << std::flush;

    for (;;) {
        outcome o = outcome::lost;
        if (ch_->read(frame, error)) {
            o = handle_frame(frame);
        }
        if (o == outcome::finished) {
            ch_->close();
            return exit_;
        }
        if (o == outcome::lost && !reconnect(error)) {
            return exit_connection;
        }
    }
}

bool touchpoint_driver::reconnect(const std::string& reason) {
    ch_.reset();
    while (reconnects_ < opts_.max_reconnects) {
        ++reconnects_;
        err_ << "tsm-touchpoint: connection lost (" << reason << "); resuming session, attempt "
             << reconnects_ << "/" << opts_.max_reconnects << "\n";
        std::this_thread::sleep_for(reconnect_delay_ * reconnects_);
        std::string error;
        ch_ = connect_(error);
        if (ch_ && ch_->write(resume_frame(), error)) {
            return true;
        }
        err_ << "tsm-touchpoint: resume failed: " << error << "\n";
        ch_.reset();
    }
    err_ << "tsm-touchpoint: giving up after " << reconnects_ << " reconnect attempt(s)\n";
    return false;
}

touchpoint_driver::outcome touchpoint_driver::handle_frame(const std::string& frame) {
    auto obj = parse_object(frame);
    if (!obj) {
        return protocol_error("frame is not a JSON object");
    }
    std::string type = string_field(*obj, "type");
    if (type == "commands") {
        return on_commands(*obj);
    }
    if (type == "status") {
        return on_status(*obj);
    }
    if (type == "user-interaction") {
        return on_user_interaction(*obj);
    }
    if (type == "user-action") {
        return on_user_action(*obj);
    }
    if (type == "error") {
        err_ << "tsm-touchpoint: " << error_line(*obj) << "\n";
        exit_ = exit_failed;
        return outcome::finished;
    }
    if (type == "session") {
        // A resume may be acknowledged with a fresh token; keep it for the next resume.
        if (auto t = string_field(*obj, "resumeToken"); !t.empty()) {
            resume_token_ = std::move(t);
        }
        return outcome::next;
    }
    // Unknown frame types are ignored so that newer servers can add informational frames.
    return outcome::next;
}

touchpoint_driver::outcome touchpoint_driver::on_commands(const json::object& o) {
    const auto* batch_v = o.if_contains("batch");
    const auto* cmds_v = o.if_contains("commands");
    if (!batch_v || !batch_v->is_int64() || !cmds_v || !cmds_v->is_array()) {
        return protocol_error("commands frame needs an integer batch and a commands array");
    }
    std::int64_t batch = batch_v->get_int64();
    std::string error;
    if (last_batch_ && *last_batch_ == batch) {
        out_ << "batch " << batch << ": re-sending the responses already computed\n" << std::flush;
        return send(last_responses_frame_, error) ? outcome::next : outcome::lost;
    }
    bool stop_on_error = false;
    if (const auto* s = o.if_contains("stopOnError"); s && s->is_bool()) {
        stop_on_error = s->get_bool();
    }
    std::vector<std::string> commands;
    for (const auto& c : cmds_v->get_array()) {
        auto bin = c.is_string() ? core::from_hex(c.get_string()) : std::nullopt;
        if (!bin || bin->empty()) {
            return protocol_error("batch " + std::to_string(batch) + " has a command that is not hex");
        }
        commands.push_back(std::move(*bin));
    }
    std::vector<std::string> responses;
    try {
        responses = run_batch(card_, commands, stop_on_error, opts_.trace_apdu ? &out_ : nullptr);
    } catch (const card_lost_error& e) {
        return card_lost(e.what());
    }
    out_ << "batch " << batch << ": executed " << responses.size() << "/" << commands.size()
         << " command(s)\n"
         << std::flush;

    core::json_writer w;
    w.begin_object().key("type").value("responses").key("batch").value(batch);
    w.key("responses").begin_array();
    for (const auto& r : responses) {
        w.hex_value(r);
    }
    w.end_array().end_object();
    last_batch_ = batch;
    last_responses_frame_ = std::move(w).str();
    return send(last_responses_frame_, error) ? outcome::next : outcome::lost;
}

touchpoint_driver::outcome touchpoint_driver::on_status(const json::object& o) {
    std::string code = string_field(o, "code");
    bool success = code == "OK";
    if (const auto* s = o.if_contains("success"); s && s->is_bool()) {
        success = s->get_bool();
    }
    std::string message = json_text(o.if_contains("message"));
    out_ << "status: " << code << " success=" << (success ? "true" : "false");
    if (!message.empty()) {
        out_ << " message=" << message;
    }
    out_ << "\n" << std::flush;
    exit_ = code == "OK" && success ? exit_ok : exit_failed;
    return outcome::finished;
}

touchpoint_driver::outcome touchpoint_driver::on_user_interaction(const json::object& o) {
    const std::string operation_id = string_field(o, "operationId");
    if (operation_id.empty()) {
        return protocol_error("user-interaction frame without an operationId");
    }
    std::string error;
    if (operation_id == last_input_operation_) {
        out_ << "user-interaction " << operation_id << ": re-sending the answer already given\n"
             << std::flush;
        return send(last_input_frame_, error) ? outcome::next : outcome::lost;
    }
    bool encrypted = false;
    if (const auto* e = o.if_contains("encrypted"); e && e->is_bool()) {
        encrypted = e->get_bool();
    }
    auto answer = prompts_.answer_fields(o.if_contains("fields"), encrypted, error);
    if (!answer) {
        return client_error(error, exit_failed);
    }
    return send_user_input(operation_id, *answer);
}

touchpoint_driver::outcome touchpoint_driver::on_user_action(const json::object& o) {
    const std::string operation_id = string_field(o, "operationId");
    if (operation_id.empty()) {
        return protocol_error("user-action frame without an operationId");
    }
    std::string error;
    if (operation_id == last_input_operation_) {
        return send(last_input_frame_, error) ? outcome::next : outcome::lost;
    }
    const auto answer = prompts_.answer_actions(o.if_contains("actions"));
    core::json_writer w;
    w.begin_object().key("type").value("user-input").key("operationId").value(operation_id);
    if (answer.declined) {
        w.key("declined").value(true);
    }
    w.end_object();
    wipe_text(last_input_frame_);
    last_input_operation_ = operation_id;
    last_input_frame_ = std::move(w).str();
    return send(last_input_frame_, error) ? outcome::next : outcome::lost;
}

touchpoint_driver::outcome touchpoint_driver::send_user_input(const std::string& operation_id,
                                                              const prompt_answer& a) {
    core::json_writer w;
    w.begin_object().key("type").value("user-input").key("operationId").value(operation_id);
    if (a.declined) {
        w.key("declined").value(true);
    } else {
        write_answer_members(w, a);
    }
    w.end_object();
    wipe_text(last_input_frame_);
    last_input_operation_ = operation_id;
    last_input_frame_ = std::move(w).str();
    out_ << "user-interaction " << operation_id << ": "
         << (a.declined ? "declined" : std::to_string(a.fields.size()) + " answer(s) sent")
         << (a.ephemeral_key_hex.empty() ? "" : " (encrypted)") << "\n"
         << std::flush;
    std::string error;
    return send(last_input_frame_, error) ? outcome::next : outcome::lost;
}

touchpoint_driver::outcome touchpoint_driver::client_error(const std::string& what, int code) {
    err_ << "tsm-touchpoint: " << what << "\n";
    core::json_writer w;
    w.begin_object().key("type").value("status").key("code").value("CLIENT_ERROR");
    w.key("message").value(what).end_object();
    std::string error;
    send(std::move(w).str(), error);
    if (ch_) {
        ch_->close();
    }
    exit_ = code;
    return outcome::finished;
}

touchpoint_driver::outcome touchpoint_driver::card_lost(const std::string& what) {
    err_ << "tsm-touchpoint: card lost: " << what << "\n";
    // The session fails as CLIENT_ERROR: the SP gets failure callbacks instead of a time-out.
    core::json_writer w;
    w.begin_object().key("type").value("status").key("code").value("CLIENT_ERROR");
    w.key("message").value("card lost: " + what).end_object();
    std::string error;
    send(std::move(w).str(), error);
    if (ch_) {
        ch_->close();
    }
    exit_ = exit_connection;
    return outcome::finished;
}

touchpoint_driver::outcome touchpoint_driver::protocol_error(const std::string& what) {
    err_ << "tsm-touchpoint: protocol error: " << what << "\n";
    // Tell the server why we abort so the SP gets a meaningful failure instead of a timeout.
    core::json_writer w;
    w.begin_object().key("type").value("status").key("code").value("CLIENT_ERROR");
    w.key("message").value(what).end_object();
    std::string error;
    send(std::move(w).str(), error);
    if (ch_) {
        ch_->close();
    }
    exit_ = exit_protocol;
    return outcome::finished;
}

} // namespace tsm::tools::touchpoint
