#include "example_sp/tsm_api_client.hpp"

#include "tsmctl/sync_http_client.hpp"

#include "tsm/core/json_writer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

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

api_result tsm_api_client::transceive(const std::string& session_id, const std::string& callback_url,
                                      const std::vector<std::string>& commands) const {
    core::json_writer w;
    w.begin_object().key("commands").begin_array();
    for (const auto& c : commands) {
        w.value(c);
    }
    w.end_array().end_object();
    return post_operation("/transceive", session_id, callback_url, std::move(w).str());
}

api_result tsm_api_client::ccm_install(const std::string& session_id, const std::string& callback_url,
                                       const std::string& elf_aid, const std::string& module_aid,
                                       const std::string& instance_aid) const {
    core::json_writer w;
    w.begin_object().key("executableLoadFile").value(elf_aid).key("executableModule").value(module_aid);
    w.key("application").value(instance_aid).end_object();
    return post_operation("/ccm/install", session_id, callback_url, std::move(w).str());
}

api_result tsm_api_client::ccm_storedata(const std::string& session_id, const std::string& callback_url,
                                         const std::string& instance_aid, const std::string& tag_type,
                                         const std::string& data_hex) const {
    core::json_writer w;
    w.begin_object().key("application").value(instance_aid).key("tagType").value(tag_type);
    w.key("data").value(data_hex).end_object();
    return post_operation("/ccm/storedata", session_id, callback_url, std::move(w).str());
}

api_result tsm_api_client::ccm_delete(const std::string& session_id, const std::string& callback_url,
                                      const std::string& aid, bool with_related) const {
    core::json_writer w;
    w.begin_object().key("application").value(aid).key("withRelated").value(with_related).end_object();
    return post_operation("/ccm/delete", session_id, callback_url, std::move(w).str());
}

api_result tsm_api_client::desfire_create_app(const std::string& session_id, const std::string& callback_url,
                                              const std::string& aid, const std::string& key_type,
                                              int number_of_keys, const std::string& key_settings_hex,
                                              const std::vector<std::string>& keys_hex) const {
    core::json_writer w;
    w.begin_object().key("aid").value(aid).key("keySettings").value(key_settings_hex);
    w.key("numberOfKeys").value(static_cast<std::int64_t>(number_of_keys)).key("keyType").value(key_type);
    if (!keys_hex.empty()) {
        w.key("keys").begin_array();
        for (const auto& k : keys_hex) {
            w.value(k);
        }
        w.end_array();
    }
    w.end_object();
    return post_operation("/desfire/ev1/createApp", session_id, callback_url, std::move(w).str());
}

api_result tsm_api_client::desfire_commands(const std::string& session_id, const std::string& callback_url,
                                            const std::string& aid,
                                            const std::vector<std::string>& commands) const {
    core::json_writer w;
    w.begin_object().key("aid").value(aid).key("commands").begin_array();
    for (const auto& c : commands) {
        w.value(c);
    }
    w.end_array().end_object();
    return post_operation("/desfire/ev1/commands", session_id, callback_url, std::move(w).str());
}

api_result tsm_api_client::desfire_delete_app(const std::string& session_id, const std::string& callback_url,
                                              const std::string& aid) const {
    core::json_writer w;
    w.begin_object().key("aid").value(aid).end_object();
    return post_operation("/desfire/ev1/deleteApp", session_id, callback_url, std::move(w).str());
}

api_result tsm_api_client::post_operation(const std::string& path, const std::string& session_id,
                                          const std::string& callback_url, std::string body) const {
    sync_http_request req;
    req.method = "POST";
    req.url = cfg_.tsm_url + path;
    req.headers = {{"app_id", cfg_.app_id},
                   {"app_key", cfg_.app_key},
                   {"sessionId", session_id},
                   {"callbackUrl", callback_url}};
    req.body = std::move(body);
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
        out.error = path.substr(1) + " answer has no operationId: " + res.body;
        return out;
    }
    out.ok = true;
    out.operation_id = std::string(id->get_string());
    return out;
}

cap_upload_result tsm_api_client::upload_cap(const std::string& cap_bytes) const {
    sync_http_request req;
    req.method = "POST";
    req.url = cfg_.tsm_url + "/v3/apps/";
    append_path_segment(req.url, cfg_.app_id);
    req.url += "/capfiles";
    req.headers = {{"app_id", cfg_.app_id},
                   {"app_key", cfg_.app_key},
                   {"Content-Type", "application/octet-stream"}};
    req.body = cap_bytes;
    req.timeout = std::max(cfg_.timeout, std::chrono::milliseconds(30000)); // parsing a CAP takes a moment
    auto res = http_call(req);
    cap_upload_result out;
    if (res.ec || res.status != 200) {
        out.error = describe_failure(res);
        return out;
    }
    boost::system::error_code ec;
    auto v = json::parse(res.body, ec);
    const json::object* o = !ec && v.is_object() ? &v.get_object() : nullptr;
    auto text = [&](std::string_view key) {
        const json::value* x = o ? o->if_contains(key) : nullptr;
        return x && x->is_string() ? std::string(x->get_string()) : std::string();
    };
    out.id = text("id");
    out.elf_aid = text("elfAid");
    if (out.elf_aid.empty()) {
        out.elf_aid = text("executableLoadFile");
    }
    if (const json::value* m = o ? o->if_contains("executableModules") : nullptr; m && m->is_array()) {
        for (const auto& x : m->get_array()) {
            if (x.is_string()) {
                out.modules.emplace_back(x.get_string());
            }
        }
    }
    if (out.id.empty() || out.elf_aid.empty()) {
        out.error = "CAP upload answer has no id or elfAid: " + res.body;
        return out;
    }
    out.ok = true;
    return out;
}

api_result tsm_api_client::user_interaction(const std::string& session_id, const std::string& callback_url,
                                            const std::string& fields_json, bool encrypted) const {
    core::json_writer w;
    w.begin_object().key("fields").raw(fields_json).key("encrypted").value(encrypted).end_object();
    return post_operation("/user-interaction", session_id, callback_url, std::move(w).str());
}

api_result tsm_api_client::complete(const std::string& session_id, bool success,
                                    const std::string& message) const {
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
