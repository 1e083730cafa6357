#pragma once
// A device registry as tsmd has it, for the transport tests: two shards, a real rocksdb_store in a
// fresh temp dir, the admin API over it, and the Fidesmo device routes (add_device_routes under
// "/v3" and "") in a route table of their own. Requests run on a shard thread, as the listeners
// run them; every call waits at most 10 s for its response.
#include "tsm/core/app_directory.hpp"
#include "tsm/core/shard_pool.hpp"
#include "tsm/core/shard_runtime.hpp"
#include "tsm/storage/rocksdb_store.hpp"
#include "tsm/transport/admin_api/admin_api.hpp"
#include "tsm/transport/route_table.hpp"
#include "tsm/transport/touch_point/fidesmo/devices.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tsm::test {

/// A fresh directory under /tmp, removed at scope end.
struct registry_dir {
    std::string path;
    registry_dir() {
        std::string tmpl = "/tmp/tsm-device-registry-XXXXXX";
        BOOST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~registry_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    registry_dir(const registry_dir&) = delete;
    registry_dir& operator=(const registry_dir&) = delete;
    std::string db() const { return path + "/db"; }
};

struct device_registry_fixture {
    static constexpr unsigned shard_count = 2;

    /// `before_open` runs on the database directory before the store opens it (to plant records
    /// written by an older version).
    explicit device_registry_fixture(const std::function<void(const std::string&)>& before_open = {})
        : pool(shard_count), hasher(core::bytes(32, 'p')), vault(core::bytes(core::key_vault::kek_size, 'k')),
          health({.probe = &probe,
                  .store = nullptr,
                  .ws_connections = {},
                  .http_connections = {},
                  .store_writable = {}}) {
        if (before_open) {
            before_open(dir.db());
        }
        std::error_code ec;
        store = storage::rocksdb_store::open(dir.db(), {}, ec);
        BOOST_REQUIRE_MESSAGE(store && !ec, ec.message());
        std::vector<core::shard_services*> views;
        for (unsigned i = 0; i < shard_count; ++i) {
            services.push_back(std::make_unique<core::shard_services>());
            services.back()->index = i;
            services.back()->ioc = &pool.context(i);
            services.back()->apps = std::make_unique<core::app_directory>(i);
            views.push_back(services.back().get());
        }
        runtime = std::make_unique<core::shard_runtime>(pool, std::move(views));
        admin = std::make_unique<transport::admin::admin_api>(*runtime, *store, hasher, vault, std::string(),
                                                              health);
        for (const char* prefix : {"/v3", ""}) {
            transport::fidesmo::add_device_routes(client_routes, *runtime, *store, prefix);
        }
        pool.start();
    }
    ~device_registry_fixture() {
        pool.stop();
        store->close();
    }

    static transport::http_request request(std::string method, std::string target, std::string body = {}) {
        transport::http_request r;
        r.method = std::move(method);
        r.target = std::move(target);
        r.body = std::move(body);
        return r;
    }

    /// Runs `fn(req, respond)` on `shard` and waits for the response.
    transport::http_response
    on_shard(unsigned shard, transport::http_request req,
             std::function<void(transport::http_request&, transport::http_responder&)> fn) {
        auto p = std::make_shared<std::promise<transport::http_response>>();
        auto f = p->get_future();
        req.shard = shard;
        pool.invoke_on(shard, [req = std::move(req), fn = std::move(fn), p]() mutable {
            transport::http_responder respond = [p](transport::http_response r) {
                p->set_value(std::move(r));
            };
            fn(req, respond);
        });
        BOOST_REQUIRE_MESSAGE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready,
                              "no response within 10 s");
        return f.get();
    }

    /// An admin API call (shard 0, the admin listener's).
    transport::http_response admin_call(std::string method, std::string target, std::string body = {}) {
        return on_shard(0, request(std::move(method), std::move(target), std::move(body)),
                        [this](transport::http_request& req, transport::http_responder& respond) {
                            admin->on_request(std::move(req), std::move(respond));
                        });
    }

    /// A client API call through the device routes (shard 1: any shard serves them).
    transport::http_response client_call(std::string method, std::string target) {
        return on_shard(1, request(std::move(method), std::move(target)),
                        [this](transport::http_request& req, transport::http_responder& respond) {
                            client_routes.dispatch(req, respond);
                        });
    }

    registry_dir dir;
    core::shard_pool pool;
    std::vector<std::unique_ptr<core::shard_services>> services;
    std::unique_ptr<core::shard_runtime> runtime;
    std::unique_ptr<storage::rocksdb_store> store;
    core::secret_hasher hasher;
    core::key_vault vault;
    core::service_probe probe;
    transport::health_api health;
    std::unique_ptr<transport::admin::admin_api> admin;
    transport::route_table client_routes;
};

inline boost::json::object json_of(const transport::http_response& r) {
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    BOOST_REQUIRE_MESSAGE(!ec && v.is_object(), "not a JSON object: " << r.body);
    return v.as_object();
}

/// The error code of a {"error":{"code","message"}} body.
inline std::string error_code_in(const transport::http_response& r) {
    auto j = json_of(r);
    BOOST_REQUIRE(j.contains("error"));
    const auto& e = j.at("error").as_object();
    BOOST_REQUIRE(e.contains("message") && e.at("message").is_string());
    return std::string(e.at("code").as_string());
}

inline std::string error_message_in(const transport::http_response& r) {
    return std::string(json_of(r).at("error").as_object().at("message").as_string());
}

} // namespace tsm::test
