#include "touchpoint/fidesmo_ws_driver.hpp"

#include "touchpoint/batch_runner.hpp"
#include "touchpoint/card_error.hpp"
#include "touchpoint/fidesmo_json.hpp"

#include "tsm/core/hex.hpp"
#include "tsm/core/json_writer.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <cctype>
#include <ostream>

namespace tsm::tools::touchpoint {

namespace json = boost::json;

namespace {

std::string query_encode(const std::string& s) {
    return boost::urls::encode(s, boost::urls::unreserved_chars);
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

} // namespace

std::optional<std::string> fidesmo_ws_url(const touchpoint_options& opts, const std::string& cin_hex,
                                          std::string& error) {
    std::string base = opts.url;
    if (base.starts_with("http://")) {
        base = "ws://" + base.substr(7);
    }
    if (!base.starts_with("ws://")) {
        error = "--protocol fidesmo-ws needs a ws:// or http:// base URL: " + opts.url;
        return std::nullopt;
    }
    if (!base.ends_with('/')) {
        base += '/';
    }
    std::string url = base + "ws/apps/" + opts.app_id + "/services/" + opts.service_id + "?cin=" + cin_hex;
    for (const auto& [k, v] : opts.fields) {
        url += "&" + query_encode(k) + "=" + query_encode(v);
    }
    return url;
}

fidesmo_ws_driver::fidesmo_ws_driver(touchpoint_options opts, card& c, channel_factory connect,
                                     std::ostream& out, std::ostream& err)
    : opts_(std::move(opts)), card_(c), connect_(std::move(connect)), out_(out), err_(err) {}

int fidesmo_ws_driver::client_error(const std::string& message, int code) {
    err_ << "tsm-touchpoint: " << message << "\n";
    core::json_writer w;
    w.begin_object().key("type").value("status").key("code").value("CLIENT_ERROR");
    w.key("message").value(message).end_object();
    std::string error;
    if (ch_ && ch_->write(std::move(w).str(), error)) {
        ch_->close();
    }
    return code;
}

int fidesmo_ws_driver::run() {
    std::string error;
    ch_ = connect_(error);
    if (!ch_) {
        err_ << "tsm-touchpoint: " << error << "\n";
        return exit_connection;
    }
    std::string frame;
    // The server drives; every frame is bounded by the channel's idle timeout (pings keep a
    // slow but live server connected). The loop ends with the status or a lost connection.
    for (;;) {
        if (!ch_->read(frame, error)) {
            err_ << "tsm-touchpoint: connection lost before the final status: " << error << "\n";
            return exit_connection;
        }
        auto o = parse_json_object(frame);
        if (!o) {
            return client_error("frame is not a JSON object", exit_protocol);
        }
        const std::string type = json_string(*o, "type");
        if (type == "id") {
            session_id_ = json_string(*o, "value");
            out_ << "session: " << session_id_ << "\n" << std::flush;
        } else if (type == "commands") {
            const auto* cmds = o->if_contains("commands");
            if (!cmds || !cmds->is_array()) {
                return client_error("commands frame without a commands array", exit_protocol);
            }
            std::vector<std::string> commands;
            for (const auto& c : cmds->get_array()) {
                auto bin = c.is_string() ? core::from_hex(c.get_string()) : std::nullopt;
                if (!bin || bin->empty()) {
                    return client_error("a command is not hex", exit_protocol);
                }
                commands.push_back(std::move(*bin));
            }
            std::vector<std::string> responses;
            try {
                responses = run_batch(card_, commands, false, opts_.trace_apdu ? &out_ : nullptr);
            } catch (const card_lost_error& e) {
                return client_error(e.what(), exit_connection);
            }
            out_ << "batch: executed " << responses.size() << " command(s)\n" << std::flush;
            core::json_writer w;
            w.begin_object().key("type").value("responses").key("responses").begin_array();
            for (const auto& r : responses) {
                w.value(lower(core::to_hex(r)));
            }
            w.end_array().end_object();
            if (!ch_->write(std::move(w).str(), error)) {
                err_ << "tsm-touchpoint: connection lost: " << error << "\n";
                return exit_connection;
            }
        } else if (type == "status") {
            const std::string code = json_string(*o, "code");
            const std::string message = json_text(o->if_contains("message"));
            out_ << "status: " << code << " success=" << (code == "OK" ? "true" : "false");
            if (!message.empty()) {
                out_ << " message=" << message;
            }
            out_ << "\n" << std::flush;
            ch_->close();
            return code == "OK" ? exit_ok : exit_failed;
        } else {
            return client_error("unexpected frame type '" + type + "'", exit_protocol);
        }
    }
}

} // namespace tsm::tools::touchpoint
