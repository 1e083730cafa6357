#include "tsm_env.hpp"

#include "store_under_test.hpp"

#include <boost/test/results_collector.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>

namespace tsm::test {

std::string str(const boost::json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : std::string();
}

tsm_env::tsm_env(unsigned n, std::string config_toml) : shards(n) {
    config_path = dir.path() + "/tsmd.toml";
    std::ofstream cfg(config_path);
    // Fast retries keep callback tests short; tests add their own sections (never [callbacks]).
    cfg << config_toml << "\n";
    if (config_toml.find("[callbacks]") == std::string::npos) {
        cfg << "[callbacks]\ninitial_backoff_ms = 50\nmax_backoff_ms = 200\n";
    }
    if (postgres_under_test()) {
        // A PostgreSQL store takes its secrets from the configuration only (docs/cluster.md).
        const std::string pepper = dir.path() + "/pepper.hex";
        const std::string kek = dir.path() + "/kek.hex";
        std::ofstream(pepper) << std::string(64, '7') << "\n";
        std::ofstream(kek) << std::string(64, '3') << "\n";
        cfg << "[keys]\npepper_file = \"" << pepper << "\"\nkek_file = \"" << kek << "\"\n";
        store_url = fresh_postgres_database();
    }
    cfg.close();
    start();
    auto r = register_app(app_id, app_key);
    BOOST_REQUIRE_EQUAL(r.status, 200);
}

tsm_env::~tsm_env() {
    namespace ut = boost::unit_test;
    if (tsmd != nullptr && !ut::results_collector.results(ut::framework::current_test_case().p_id).passed()) {
        const std::string log = tsmd->log();
        constexpr std::size_t tail = 16 * 1024;
        std::cerr << "---- the last " << std::min(log.size(), tail) << " bytes of tsmd's log ----\n"
                  << log.substr(log.size() > tail ? log.size() - tail : 0) << "---- end of tsmd's log ----\n";
    }
    if (!store_url.empty()) {
        tsmd.reset();
        drop_postgres_database(store_url);
    }
}

void tsm_env::start() {
    std::vector<std::string> args{"--config", config_path};
    if (!store_url.empty()) {
        // One name across restarts: a node recovers the sessions it owns.
        args.insert(args.end(), {"--store", store_url, "--node-id", "node-a"});
    }
    tsmd = std::make_unique<tsmd_process>(dir.path() + "/data", shards, std::move(args));
}

std::string tsm_env::store_files() const {
    return store_url.empty() ? dir.path() + "/data/db" : postgres_files();
}

void tsm_env::restart_after_kill() {
    tsmd->kill();
    tsmd.reset();
    start();
}

header_list tsm_env::sp_headers(const std::string& session_id, const std::string& callback) const {
    header_list h = {{"app_id", app_id}, {"app_key", app_key}, {"sessionId", session_id}};
    if (!callback.empty()) {
        h.emplace_back("callbackUrl", callback);
    }
    return h;
}

http_reply tsm_env::register_app(const std::string& id, const std::string& key,
                                 const std::vector<std::string>& prefixes, const std::string& sp_base) {
    const std::string base = sp_base.empty() ? sp.base() : sp_base;
    boost::json::object body;
    body["key"] = key;
    body["descriptionUrl"] = base + "/desc";
    body["deliveryUrl"] = base + "/deliver";
    boost::json::array p;
    if (prefixes.empty()) {
        p.emplace_back(base + "/cb/");
    }
    for (const auto& x : prefixes) {
        p.emplace_back(x);
    }
    body["callbackPrefixes"] = p;
    return http_call(tsmd->admin_port(), "PUT", "/admin/v1/apps/" + id, {}, boost::json::serialize(body));
}

delivered_session tsm_env::deliver(ws_client& ws, const std::string& service, const std::string& app) {
    boost::json::object m;
    m["type"] = "deliver";
    m["appId"] = app;
    m["serviceId"] = service;
    m["cardId"] = boost::json::object{{"iin", "8A2C"}, {"cin", "0E48800471400A"}, {"platformVersion", 2}};
    ws.send_json(m);
    auto s = ws.read_type("session", std::chrono::seconds(10));
    BOOST_REQUIRE_MESSAGE(s, "no session frame");
    delivered_session d{str((*s)["sessionId"]), str((*s)["resumeToken"])};
    auto delivery = sp.wait_delivery();
    BOOST_REQUIRE_MESSAGE(delivery, "the SP got no delivery request");
    BOOST_REQUIRE_EQUAL(str((*delivery)["sessionId"]), d.session_id);
    return d;
}

http_reply tsm_env::transceive(const std::string& session_id, const std::vector<std::string>& commands,
                               const std::string& callback) {
    boost::json::array cmds;
    for (const auto& c : commands) {
        cmds.emplace_back(c);
    }
    boost::json::object body{{"commands", cmds}};
    return http_call(tsmd->port(), "POST", "/transceive",
                     sp_headers(session_id, callback.empty() ? callback_url(session_id) : callback),
                     boost::json::serialize(body));
}

std::string tsm_env::transceive_ok(const std::string& session_id, const std::vector<std::string>& commands) {
    auto r = transceive(session_id, commands);
    BOOST_REQUIRE_EQUAL(r.status, 200);
    auto j = r.json();
    BOOST_REQUIRE(j.is_object());
    return str(j.as_object()["operationId"]);
}

http_reply tsm_env::complete(const std::string& session_id, bool success, const std::string& message) {
    boost::json::object body{{"success", success}, {"message", message}};
    return http_call(tsmd->port(), "POST", "/service/completed", sp_headers(session_id),
                     boost::json::serialize(body));
}

std::string answer_batch(ws_client& ws, std::chrono::milliseconds timeout) {
    auto frame = ws.read_type("commands", timeout);
    if (!frame) {
        return {};
    }
    boost::json::array responses;
    for (const auto& c : (*frame)["commands"].as_array()) {
        std::string apdu = str(c);
        responses.emplace_back(apdu.substr(0, 4) + "9000");
    }
    boost::json::object reply{{"type", "responses"}, {"batch", (*frame)["batch"]}, {"responses", responses}};
    ws.send_json(reply);
    return str((*frame)["operationId"]);
}

void require_no_frame_pending(ws_client& ws, std::chrono::milliseconds window) {
    if (window.count() > 0) {
        auto early = ws.read(window);
        BOOST_REQUIRE_MESSAGE(!early, "unexpected frame: " << early.value_or(""));
    }
    ws.send(R"({"type":"describe","appId":")" + app_id + R"(","serviceId":"demo"})");
    auto next = ws.read_json(std::chrono::seconds(10));
    BOOST_REQUIRE_MESSAGE(next, "no frame after describe");
    BOOST_REQUIRE_MESSAGE(str((*next)["type"]) == "description",
                          "a frame came before the description: " << boost::json::serialize(*next));
}

} // namespace tsm::test
