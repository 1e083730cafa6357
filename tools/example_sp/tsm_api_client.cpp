#include "example_sp/tsm_api_client.hpp"

#include "tsmctl/sync_http_client.hpp"

#include "tsm/core/json_writer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace tsm::tools::example_sp {

namespace json = boost::json;

namespace {

std::string describe_failure(const sync_http_response& res) {
    if (res.ec) {
        return res.error;
    }
    std::string text = "HTTP " + std::to_string(res.status);
    boost::system::error_code ec;
    auto v = json::parse(res.body, ec);
    if (!ec && v.is_object()) {
        if (const auto* e = v.get_object().if_contains("error"); e && e->is_object()) {
            if (const auto* m = e->get_object().if_contains("message"); m && m->is_string()) {
                text += ": " + std::string(m->get_string());
            }
        }
    }
    return text;
}

} // namespace

tsm_api_client::tsm_api_client(tsm_api_config cfg) : cfg_(std::move(cfg)) {
    while (cfg_.tsm_url.ends_with('/')) {
        cfg_.tsm_url.pop_back();
    }
}

api_result tsm_api_client::transceive(
    const std::string& session_id, const std::string& callback_url,
    const std::vector<std::string>& commands) const {
    core::json_writer w;
    w.begin_object().key("commands").begin_array();
    for (const auto& c : commands) {
        w.value(c);
    }
    w.end_array().end_object();

    sync_http_request req;
    req.method = "POST";
    req.url = cfg_.tsm_url + "/transceive";
    req.headers = {
        {"app_id", cfg_.app_id},
        {"app_key", cfg_.app_key},
        {"sessionId", session_id},
        {"callbackUrl", callback_url}};
    req.body = std::move(w).str();
    req.timeout = cfg_.timeout;
    auto res = http_call(req);

    api_result out;
    // Only 200 counts as accepted (fidesmo-api.md §5: the SP must treat anything else as refusal).
    if (res.ec || res.status != 200) {
        out.error = describe_failure(res);
        return out;
    }
    boost::system::error_code ec;
    auto v = json::parse(res.body, ec);
    const json::value* id = !ec && v.is_object() ? v.get_object().if_contains("operationId") : nullptr;
    if (!id || !id->is_string() || id->get_string().empty()) {
        out.error = "transceive answer has no operationId: " + res.body;
        return out;
    }
    out.ok = true;
    out.operation_id = std::string(id->get_string());
    return out;
}

api_result tsm_api_client::complete(
    const std::string& session_id, bool success, const std::string& message) const {
    core::json_writer w;
    w.begin_object().key("success").value(success).key("message").value(message).end_object();
    sync_http_request req;
    req.method = "POST";
    req.url = cfg_.tsm_url + "/service/completed";
    req.headers = {{"app_id", cfg_.app_id}, {"app_key", cfg_.app_key}, {"sessionId", session_id}};
    req.body = std::move(w).str();
    req.timeout = cfg_.timeout;
    auto res = http_call(req);
    api_result out;
    out.ok = !res.ec && res.status >= 200 && res.status <= 299;
    if (!out.ok) {
        out.error = describe_failure(res);
    }
    return out;
}

} // namespace tsm::tools::example_sp
