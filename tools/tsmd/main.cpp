// tsmd: the OpenTSM server. Composition root: the only place that knows every module.
#include "config.hpp"
#include "server_secrets.hpp"
#include "tsm/core/log.hpp"

#include "tsm/core/app_validation.hpp"
#include "tsm/core/ids.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/recipe_source.hpp"
#include "tsm/core/register_operation_kinds.hpp"
#include "tsm/core/shard_pool.hpp"
#include "tsm/core/shard_runtime.hpp"
#include "tsm/core/shard_services.hpp"
#include "tsm/storage/postgres_store.hpp"
#include "tsm/storage/rocksdb_store.hpp"
#include "tsm/transport/admin_api/admin_api.hpp"
#include "tsm/transport/health/health_api.hpp"
#include "tsm/transport/http_client.hpp"
#include "tsm/transport/http_server.hpp"
#include "tsm/transport/http_sp_port.hpp"
#include "tsm/transport/json_reader.hpp"
#include "tsm/transport/sp_api/handler.hpp"
#include "tsm/transport/touch_point/fidesmo/client_api.hpp"
#include "tsm/transport/touch_point/fidesmo/devices.hpp"
#include "tsm/transport/touch_point/fidesmo/long_poll.hpp"
#include "tsm/transport/touch_point/fidesmo_ws/codec.hpp"
#include "tsm/transport/touch_point/gateway.hpp"
#include "tsm/transport/touch_point/touch_point_mux.hpp"
#include "tsm/transport/touch_point/v1/codec.hpp"
#include "tsm/transport/ws_hub.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>

#include <sodium.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace tsm;

/// The main listener: the Fidesmo client API's routes first, then the SP API (with health).
class main_listener final : public transport::http_handler {
public:
    main_listener(const transport::touch_point::fidesmo::client_api& clients, transport::http_handler& sp)
        : clients_(clients), sp_(sp) {}
    void on_request(transport::http_request req, transport::http_responder respond) override {
        if (clients_.dispatch(req, respond)) {
            return;
        }
        sp_.on_request(std::move(req), std::move(respond));
    }

private:
    const transport::touch_point::fidesmo::client_api& clients_;
    transport::http_handler& sp_;
};

int run(const tsmd::config& cfg) {
    if (sodium_init() < 0) {
        throw std::runtime_error("libsodium failed to initialise");
    }
    core::log::set_level(core::log::parse_level(cfg.log_level));
    std::filesystem::create_directories(cfg.data_dir);
    const bool shared_store = !cfg.store_url.empty();
    core::secret_hasher hasher(
        tsmd::load_pepper(cfg.pepper_env, cfg.pepper_file, cfg.data_dir, shared_store));
    bool kek_generated = false;
    core::key_vault vault(
        tsmd::load_kek(cfg.kek_env, cfg.kek_file, cfg.data_dir, kek_generated, shared_store));
    if (kek_generated) {
        core::log::warn("generated a key-encryption key in the data directory; configure keys.kek_file "
                        "or keys.kek_env to keep it apart from the database");
    }

    std::error_code ec;
    // Completes the start-up writes below. Declared before the store so it outlives the store's
    // writer thread, which may still be inside post() after the handler ran.
    boost::asio::io_context startup;
    std::unique_ptr<core::record_store> store;
    storage::postgres_store* cluster_store = nullptr; // for /readyz: its lease renewals
    if (shared_store) {
        std::string detail;
        storage::postgres_store_options pg_opts;
        pg_opts.node_id = cfg.node_id;
        pg_opts.heartbeat_interval = cfg.heartbeat_interval;
        pg_opts.lease = cfg.lease;
        pg_opts.max_queued_operations = cfg.max_queued_operations;
        auto pg = storage::postgres_store::open(cfg.store_url, pg_opts, ec, detail);
        cluster_store = pg.get();
        store = std::move(pg);
        if (!store) { // the connection string may hold a password: only the server's message is shown
            throw std::runtime_error("cannot open the PostgreSQL store: " + ec.message()
                                     + (detail.empty() ? "" : " (" + detail + ")"));
        }
    } else {
        store = storage::rocksdb_store::open(cfg.data_dir + "/db", storage::rocksdb_store_options{}, ec);
        if (!store) {
            throw std::runtime_error("cannot open the record store in " + cfg.data_dir + ": " + ec.message());
        }
    }
    core::recovered_state recovered;
    if (auto err = store->load_all(recovered)) {
        throw std::runtime_error("cannot read the record store: " + err.message());
    }

    // Apps declared in the config file are (re)registered at every start.
    const core::url_check is_http_url = [](const std::string& url) {
        transport::parsed_url p;
        return transport::parse_http_url(url, p);
    };
    std::vector<core::app_record> config_apps;
    for (const auto& a : cfg.apps) {
        core::app_definition def;
        def.app_id = a.id;
        if (auto key = core::from_hex(a.key_hex)) {
            def.key = std::move(*key);
        }
        def.description_url = a.description_url;
        def.delivery_url = a.delivery_url;
        def.delivery_method = a.delivery_method;
        def.callback_prefixes = a.callback_prefixes;
        auto app = core::validate_app(def, hasher, is_http_url);
        if (!app) {
            throw std::runtime_error("config app '" + a.id + "': " + app.error().message);
        }
        config_apps.push_back(std::move(*app));
    }
    if (!config_apps.empty()) {
        core::write_set w;
        w.put_apps = config_apps;
        auto guard = boost::asio::make_work_guard(startup); // run() must wait for the writer's post
        std::error_code commit_ec;
        store->commit(std::move(w), core::durability::sync, startup.get_executor(), [&](std::error_code e) {
            commit_ec = e;
            guard.reset();
        });
        startup.run();
        if (commit_ec) {
            throw std::runtime_error("cannot store config apps: " + commit_ec.message());
        }
        std::map<std::string, core::app_record> merged;
        for (auto& a : recovered.apps) {
            merged[a.app_id] = std::move(a);
        }
        for (auto& a : config_apps) {
            merged[a.app_id] = a;
        }
        recovered.apps.clear();
        for (auto& [id, a] : merged) {
            recovered.apps.push_back(std::move(a));
        }
    }

    core::shard_pool pool(cfg.shards);
    core::service_probe probe;
    // Per shard: the SP client and its port (declared first: the shard's services use them), then
    // the services themselves.
    std::vector<std::unique_ptr<transport::http_client>> sp_clients;
    std::vector<std::unique_ptr<transport::http_sp_port>> sp_ports;
    // Stored recipes (services without an SP server): one source serves every shard; declared
    // before the shards so that it outlives their session services.
    const core::recipe_source recipes(*store, vault);
    std::vector<std::unique_ptr<core::shard_services>> owned;
    std::vector<core::shard_services*> shards;
    std::vector<boost::asio::io_context*> contexts;
    for (unsigned i = 0; i < pool.size(); ++i) {
        owned.push_back(std::make_unique<core::shard_services>());
        shards.push_back(owned.back().get());
        contexts.push_back(&pool.context(i));
    }
    core::shard_runtime runtime(pool, shards);

    transport::touch_point::limits tp_limits;
    tp_limits.max_responses = cfg.max_commands_per_batch;
    tp_limits.max_apdu_bytes = cfg.max_apdu_bytes;
    const transport::touch_point::v1::codec touch_point_v1(tp_limits);
    const transport::touch_point::fidesmo_ws::codec touch_point_fidesmo_ws(tp_limits);
    transport::touch_point::gateway gateway(runtime, {&touch_point_v1, &touch_point_fidesmo_ws});
    transport::ws_hub hub(contexts, gateway); // the pool's contexts, in shard order
    transport::touch_point::ws_hub_sink hub_sink(hub);
    gateway.attach(hub_sink);
    // The sessions speak to every touch-point adapter through one port.
    transport::touch_point::touch_point_mux touch_points;
    touch_points.attach(transport::touch_point::via::websocket, gateway);
    transport::touch_point::fidesmo::long_poll_options lp_opts;
    lp_opts.fetch_hold = cfg.fetch_hold;
    lp_opts.idle_channel = std::max<std::chrono::milliseconds>(std::chrono::minutes(2), 2 * cfg.fetch_hold);
    lp_opts.body_limits = tp_limits;
    transport::touch_point::fidesmo::long_poll long_poll(runtime, *store, contexts, lp_opts);
    touch_points.attach(transport::touch_point::via::long_poll, long_poll);

    core::session_service_config scfg;
    scfg.session_expiry = cfg.session_expiry;
    scfg.finished_retention = cfg.finished_retention;
    scfg.sweep_interval = cfg.sweep_interval;
    scfg.max_queued_operations = cfg.max_queued_operations;
    scfg.cluster = shared_store;
    scfg.max_sessions = cfg.max_sessions_per_shard;
    scfg.is_json_object = [](std::string_view j) { return transport::json::is_json_object(j); };
    core::outbox_relay_config rcfg;
    rcfg.retry.initial = cfg.callback_initial_backoff;
    rcfg.retry.max_delay = cfg.callback_max_backoff;
    rcfg.retry.max_age = cfg.callback_max_age;
    rcfg.max_in_flight_per_host = cfg.callback_max_in_flight_per_host;
    transport::http_client_options hopts;
    hopts.request_timeout = cfg.sp_timeout;
    hopts.verify_tls = cfg.tls_verify;
    hopts.ca_file = cfg.ca_file;

    for (unsigned i = 0; i < pool.size(); ++i) {
        auto& s = *shards[i];
        s.index = i;
        s.ioc = contexts[i];
        s.apps = std::make_unique<core::app_directory>(i);
        sp_clients.push_back(std::make_unique<transport::http_client>(*s.ioc, hopts));
        sp_ports.push_back(std::make_unique<transport::http_sp_port>(*sp_clients.back(), cfg.sp_timeout));
        s.sp = sp_ports.back().get();
        rcfg.owner_shard = i;
        s.relay = std::make_unique<core::outbox_relay>(*s.ioc, *store, *s.sp, rcfg, probe, &vault);
        core::register_operation_kinds(s.kinds, {*store, vault, s.ioc->get_executor()});
        scfg.owner_shard = i;
        s.sessions = std::make_unique<core::session_service>(*s.ioc, *store, touch_points, *s.sp, *s.relay,
                                                             *s.apps, hasher, s.kinds, vault, scfg, probe);
        s.sessions->use_recipes(recipes);
    }

    // Recovery: every shard gets the apps; sessions and callbacks go to their owners.
    pool.start();
    runtime.invoke_on_all_and_wait([&](core::shard_services& s) {
        for (const auto& a : recovered.apps) {
            s.apps->put(a);
        }
    });
    std::map<std::string, std::vector<core::operation_record>> ops_by_session;
    for (auto& op : recovered.operations) {
        ops_by_session[op.session_id].push_back(std::move(op));
    }
    runtime.invoke_on_all_and_wait([&](core::shard_services& s) {
        for (const auto& rec : recovered.sessions) {
            if (runtime.owner_of(rec.session_id) == s.index) {
                auto it = ops_by_session.find(rec.session_id);
                std::vector<core::operation_record> ops;
                if (it != ops_by_session.end()) {
                    ops = it->second;
                }
                s.sessions->adopt(rec, std::move(ops));
            }
        }
        for (const auto& e : recovered.outbox) {
            if (runtime.owner_of(e.id) == s.index) {
                s.relay->enqueue(e);
            }
        }
        s.sessions->start();
    });
    core::log::info("recovered", {{"sessions", std::to_string(recovered.sessions.size())},
                                  {"operations", std::to_string(recovered.operations.size())},
                                  {"callbacks", std::to_string(recovered.outbox.size())},
                                  {"apps", std::to_string(recovered.apps.size())}});
    recovered = {};
    // Cluster mode: operations any node accepted for a session held here wake its shard (after
    // recovery, so every session it may name is adopted; its first call looks at all of them).
    store->listen_appends([&runtime](const std::string& session_id) {
        if (session_id.empty()) {
            runtime.invoke_on_all([](core::shard_services& s) { s.sessions->on_operations_appended({}); },
                                  [] {});
        } else {
            runtime.invoke_on_owner(session_id, [session_id](core::shard_services& s) {
                s.sessions->on_operations_appended(session_id);
            });
        }
    });

    transport::health_api health(
        {.probe = &probe,
         .store = &store->stats(),
         .ws_connections = [&hub] { return hub.connection_count(); },
         .http_connections = {},
         .store_writable = cluster_store == nullptr
                               ? std::function<bool()>()
                               : [cluster_store] { return cluster_store->lease_held(); }});
    health.set_held_fetches([&long_poll] { return long_poll.held_fetches(); });

    // CPU-heavy, rare work (CAP parsing) runs here instead of on a shard.
    boost::asio::thread_pool blocking(1);
    transport::sp_api::limits sp_limits;
    sp_limits.max_commands = cfg.max_commands_per_batch;
    sp_limits.max_apdu_bytes = cfg.max_apdu_bytes;
    transport::sp_api::handler sp(
        runtime, *store, hasher, vault, sp_limits,
        [&health](transport::http_request& req, transport::http_responder& respond) {
            return health.serve(req, respond);
        },
        blocking);
    transport::touch_point::fidesmo::client_api fidesmo_clients(long_poll);
    // The device registry's client endpoints, under each prefix of the client API.
    for (const char* prefix : transport::touch_point::fidesmo::client_api::prefixes) {
        transport::fidesmo::add_device_routes(fidesmo_clients.routes(), runtime, *store, prefix);
    }
    main_listener listener(fidesmo_clients, sp);
    transport::http_server_options sopts;
    sopts.max_body_bytes = cfg.max_body_bytes;
    sopts.max_connections_per_shard = cfg.max_connections_per_shard;
    sopts.ws.max_message_bytes = cfg.max_frame_bytes;
    sopts.ws.idle_timeout = cfg.ws_idle_timeout;
    transport::http_server server(contexts, sopts, listener, &hub, gateway.ws_paths());
    health.set_http_connections([&server] { return server.connection_count(); });
    const std::string bound = server.listen(cfg.listen);

    transport::admin::admin_api admin(runtime, *store, hasher, vault, cfg.admin_token, health);
    transport::http_server_options aopts;
    transport::http_server admin_server({contexts[0]}, aopts, admin, nullptr, {});
    const std::string admin_bound = admin_server.listen(cfg.admin_listen);

    long_poll.start();
    server.start();
    admin_server.start();
    health.set_ready(true);
    std::printf("tsmd: listening on %s\ntsmd: admin on %s\ntsmd: ready (%u shards, data in %s)\n",
                bound.c_str(), admin_bound.c_str(), pool.size(), cfg.data_dir.c_str());
    std::fflush(stdout);
    core::log::info("started", {{"listen", bound},
                                {"admin", admin_bound},
                                {"shards", std::to_string(pool.size())},
                                {"node", shared_store ? cfg.node_id : std::string()}});

    // The main thread only waits for a signal; shards do the work.
    boost::asio::io_context signals_ctx;
    boost::asio::signal_set signals(signals_ctx, SIGTERM, SIGINT);
    int received = 0;
    signals.async_wait([&](const boost::system::error_code&, int sig) { received = sig; });
    signals_ctx.run();

    core::log::info("shutting down", {{"signal", std::to_string(received)}});
    health.set_draining(true);
    server.stop_accepting();
    admin_server.stop_accepting();
    hub.close_all(1001, "server shutting down");
    long_poll.shutdown(); // held fetches get 503: the client retries against the next process
    // Sessions and relays stop (no new writes or SP calls) and close their gates; each reports
    // on its shard once its last store or SP completion has run.
    auto left = std::make_shared<std::atomic<unsigned>>(2 * pool.size());
    auto all_drained = std::make_shared<std::promise<void>>();
    auto drained = all_drained->get_future();
    const auto arrive = [left, all_drained] {
        if (left->fetch_sub(1) == 1) {
            all_drained->set_value();
        }
    };
    runtime.invoke_on_all_and_wait([&](core::shard_services& s) {
        s.sessions->shutdown(arrive);
        s.relay->shutdown(arrive);
    });
    // Drain the store while the shards still run, so every write already submitted completes
    // and its handler (an acknowledgement, a callback) runs; later writes fail with 503 and are
    // retried by the SP.
    store->close();
    // Bounded: an SP that does not answer must not hold the shutdown (its call is cancelled
    // below; the work it belonged to is recovered from the store at the next start).
    if (drained.wait_for(std::chrono::seconds(3)) != std::future_status::ready) {
        core::log::warn("shutdown: completions still in flight after 3 s; stopping anyway");
    }
    // Runs after every handler the drained completions posted (responses, close frames), so
    // those writes have started before the pool stops.
    runtime.invoke_on_all_and_wait(
        [&sp_clients](core::shard_services& s) { sp_clients[s.index]->shutdown(); });
    blocking.join();
    pool.stop();
    core::log::info("stopped");
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        bool help = false;
        auto cfg = tsm::tsmd::load_config(argc, argv, help);
        if (help) {
            std::fputs(tsm::tsmd::usage(), stdout);
            return 0;
        }
        return run(cfg);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tsmd: %s\n", e.what());
        return 2;
    }
}
