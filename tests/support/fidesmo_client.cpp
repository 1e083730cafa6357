#include "fidesmo_client.hpp"

#include <thread>

namespace tsm::test {
namespace {

std::string text(const boost::json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : std::string();
}

} // namespace

boost::json::object test_card_id() {
    return {{"iin", "8A2C10"}, {"cin", "0E48800471400A"}, {"platformVersion", 2}};
}

header_list fidesmo_client::headers() const {
    return {{"User-Agent", "fdsm/0.0.0"},
            {"Fidesmo-Client-Description", "fdsm/;fdsm/0.0.0/0.0.0;Linux-Desktop"},
            {"Fidesmo-Client-Capabilities", "se-access,payment-aid-access,accounts"},
            {"Accept-Language", "en"},
            {"Accept", "application/json; charset=UTF-8"},
            {"Content-Type", "application/json; charset=UTF-8"}};
}

http_reply fidesmo_client::describe(const std::string& app, const std::string& service,
                                    const std::string& cin) {
    std::string target = url("apps/" + app + "/services/" + service);
    if (!cin.empty()) {
        target += "?cin=" + cin;
    }
    return http_call(port_, "GET", target, headers());
}

http_reply fidesmo_client::deliver(const boost::json::object& body) {
    return post("service/deliver", boost::json::serialize(body));
}

std::string fidesmo_client::deliver_ok(const std::string& app, const std::string& service,
                                       const boost::json::object& extra) {
    boost::json::object body{{"appId", app}, {"serviceId", service}, {"cardId", test_card_id()}};
    for (const auto& [k, v] : extra) {
        body[k] = v;
    }
    auto r = deliver(body);
    if (r.status != 200 || !r.json().is_object()) {
        return {};
    }
    return text(r.json().as_object()["sessionId"]);
}

http_reply fidesmo_client::fetch(const std::string& session_id,
                                 const std::optional<boost::json::object>& result,
                                 std::chrono::milliseconds timeout) {
    boost::json::object body{{"sessionId", session_id}};
    if (result) {
        body["operationResult"] = *result;
    }
    return http_call(port_, "POST", url("service/fetch"), headers(), boost::json::serialize(body), timeout);
}

http_reply fidesmo_client::connector(const std::string& operation_id,
                                     const std::vector<std::string>& responses) {
    boost::json::array r;
    for (const auto& x : responses) {
        r.emplace_back(x);
    }
    boost::json::object body{{"uuid", operation_id}, {"open", true}, {"responses", r}};
    return post("connector/json", boost::json::serialize(body));
}

http_reply fidesmo_client::client_error(const std::string& session_id, const std::string& message) {
    boost::json::object body{{"sessionId", session_id}, {"message", message}, {"fatal", true}};
    return post("service/error", boost::json::serialize(body));
}

http_reply fidesmo_client::post(const std::string& path, const std::string& body) {
    return http_call(port_, "POST", url(path), headers(), body);
}

fidesmo_client::fetch_outcome fidesmo_client::fetch_loop(const std::string& session_id,
                                                         std::chrono::milliseconds deadline,
                                                         bool tolerate_restart) {
    fetch_outcome out;
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (int attempt = 0; attempt < 10000 && std::chrono::steady_clock::now() < until; ++attempt) {
        out.reply = fetch(session_id);
        if (out.reply.status == 204) {
            if (++out.no_content >= 5) {
                return out; // fdsm gives up here
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
            continue;
        }
        if (out.reply.status == 503) {
            ++out.unavailable;
            continue; // at once, as fdsm does
        }
        if (out.reply.status == 0 && tolerate_restart) {
            ++out.transport_failures;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            continue;
        }
        return out;
    }
    return out;
}

std::string fidesmo_client::next_operation(const std::string& session_id,
                                           std::chrono::milliseconds deadline) {
    auto out = fetch_loop(session_id, deadline);
    if (out.reply.status != 200 || !out.reply.json().is_object()) {
        return {};
    }
    auto o = out.reply.json().as_object();
    if (!o.contains("completed") || o["completed"] != false || text(o["operationType"]) != "transceive") {
        return {};
    }
    return text(o["operationId"]);
}

fidesmo_client::exchange
fidesmo_client::run_operation(const std::string& operation_id,
                              const std::function<std::string(const std::string&)>& card, int max_rounds,
                              const between_batches& meanwhile) {
    exchange ex;
    std::vector<std::string> responses;
    for (int round = 0; round < max_rounds; ++round) {
        auto r = connector(operation_id, responses);
        ex.last_status = r.status;
        if (r.status != 200) {
            return ex;
        }
        ex.bodies.push_back(r.body);
        auto j = r.json();
        if (!j.is_object() || !j.as_object().contains("commands")) {
            return ex;
        }
        std::vector<std::string> commands;
        for (const auto& c : j.as_object()["commands"].as_array()) {
            commands.push_back(text(c));
        }
        if (commands.empty()) {
            ex.ended = true;
            return ex;
        }
        ex.batches.push_back(commands);
        responses.clear();
        for (const auto& c : commands) {
            responses.push_back(card(c)); // every command, whatever the SW of the one before
        }
        ex.responses_sent += static_cast<int>(responses.size());
        if (meanwhile) {
            meanwhile(round);
        }
    }
    return ex;
}

} // namespace tsm::test
