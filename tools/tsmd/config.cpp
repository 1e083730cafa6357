#include "config.hpp"

#include <toml++/toml.h>

#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace tsm::tsmd {
namespace {

template <class T>
void read(const toml::table& t, std::string_view section, std::string_view key, T& out) {
    const toml::node* n = t.at_path(std::string(section) + "." + std::string(key)).node();
    if (n == nullptr) {
        return;
    }
    if constexpr (std::is_same_v<T, std::string>) {
        if (!n->is_string()) {
            throw std::runtime_error(std::string(section) + "." + std::string(key) + " must be a string");
        }
        out = n->as_string()->get();
    } else if constexpr (std::is_same_v<T, bool>) {
        if (!n->is_boolean()) {
            throw std::runtime_error(std::string(section) + "." + std::string(key) + " must be a boolean");
        }
        out = n->as_boolean()->get();
    } else {
        if (!n->is_integer() || n->as_integer()->get() < 0) {
            throw std::runtime_error(std::string(section) + "." + std::string(key)
                                     + " must be a non-negative integer");
        }
        out = static_cast<T>(n->as_integer()->get());
    }
}

template <class Dur>
void read_duration(const toml::table& t, std::string_view section, std::string_view key, Dur& out) {
    std::int64_t v = -1;
    read(t, section, key, v);
    if (v >= 0) {
        out = Dur(v);
    }
}

std::string string_field(const toml::table& app, std::string_view key, bool required) {
    const toml::node* n = app.get(key);
    if (n == nullptr) {
        if (required) {
            throw std::runtime_error("apps entry is missing " + std::string(key));
        }
        return {};
    }
    if (!n->is_string()) {
        throw std::runtime_error("apps." + std::string(key) + " must be a string");
    }
    return n->as_string()->get();
}

void load_file(const std::string& path, config& c) {
    toml::table t;
    try {
        t = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        throw std::runtime_error("config " + path + ": " + std::string(e.description()));
    }
    read(t, "server", "listen", c.listen);
    read(t, "server", "admin_listen", c.admin_listen);
    read(t, "server", "admin_token", c.admin_token);
    read(t, "server", "shards", c.shards);
    read(t, "server", "data_dir", c.data_dir);
    read(t, "limits", "max_body_bytes", c.max_body_bytes);
    read(t, "limits", "max_frame_bytes", c.max_frame_bytes);
    read(t, "limits", "max_apdu_bytes", c.max_apdu_bytes);
    read(t, "limits", "max_commands_per_batch", c.max_commands_per_batch);
    read(t, "limits", "max_queued_operations", c.max_queued_operations);
    read(t, "limits", "max_sessions_per_shard", c.max_sessions_per_shard);
    read(t, "limits", "max_connections_per_shard", c.max_connections_per_shard);
    std::int64_t secs = -1;
    read(t, "limits", "ws_idle_timeout_s", secs);
    if (secs >= 0) {
        c.ws_idle_timeout = std::chrono::seconds(secs);
    }
    secs = -1;
    read(t, "limits", "session_expiry_s", secs);
    if (secs >= 0) {
        c.session_expiry = std::chrono::seconds(secs);
    }
    secs = -1;
    read(t, "limits", "finished_retention_s", secs);
    if (secs >= 0) {
        c.finished_retention = std::chrono::seconds(secs);
    }
    read_duration(t, "limits", "session_expiry_ms", c.session_expiry);
    read_duration(t, "limits", "sweep_interval_ms", c.sweep_interval);
    read_duration(t, "callbacks", "initial_backoff_ms", c.callback_initial_backoff);
    read_duration(t, "callbacks", "max_backoff_ms", c.callback_max_backoff);
    secs = -1;
    read(t, "callbacks", "max_age_s", secs);
    if (secs >= 0) {
        c.callback_max_age = std::chrono::seconds(secs);
    }
    read_duration(t, "callbacks", "timeout_ms", c.sp_timeout);
    read(t, "callbacks", "max_in_flight_per_host", c.callback_max_in_flight_per_host);
    read(t, "callbacks", "tls_verify", c.tls_verify);
    read(t, "callbacks", "ca_file", c.ca_file);
    read(t, "keys", "kek_file", c.kek_file);
    read(t, "keys", "kek_env", c.kek_env);
    read(t, "keys", "pepper_file", c.pepper_file);
    read(t, "keys", "pepper_env", c.pepper_env);
    read(t, "store", "url", c.store_url);
    read(t, "cluster", "node_id", c.node_id);
    read_duration(t, "cluster", "heartbeat_ms", c.heartbeat_interval);
    read_duration(t, "cluster", "lease_ms", c.lease);
    read_duration(t, "fidesmo", "fetch_hold_ms", c.fetch_hold);
    read(t, "log", "level", c.log_level);
    if (const toml::array* apps = t["apps"].as_array()) {
        for (const auto& node : *apps) {
            const toml::table* a = node.as_table();
            if (a == nullptr) {
                throw std::runtime_error("apps must be an array of tables ([[apps]])");
            }
            app_config app;
            app.id = string_field(*a, "id", true);
            app.key_hex = string_field(*a, "key", true);
            app.description_url = string_field(*a, "description_url", true);
            app.delivery_url = string_field(*a, "delivery_url", true);
            std::string m = string_field(*a, "delivery_method", false);
            if (!m.empty()) {
                app.delivery_method = m;
            }
            if (const toml::array* p = a->get_as<toml::array>("callback_prefixes")) {
                for (const auto& e : *p) {
                    if (!e.is_string()) {
                        throw std::runtime_error("apps.callback_prefixes must be strings");
                    }
                    app.callback_prefixes.push_back(e.as_string()->get());
                }
            }
            c.apps.push_back(std::move(app));
        }
    }
}

/// "<hostname>:<port of the listener>": unique per machine and listener; a listener on port 0
/// gets the process id instead of the port (a test's or a demo's node).
std::string default_node_id(const std::string& listen) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
        std::snprintf(host, sizeof host, "tsmd");
    }
    std::string port =
        listen.substr(listen.rfind(':') == std::string::npos ? listen.size() : listen.rfind(':') + 1);
    if (port.empty() || port == "0") {
        port = "pid" + std::to_string(getpid());
    }
    return std::string(host) + ":" + port;
}

} // namespace

const char* usage() {
    return "usage: tsmd [--config FILE] [--listen HOST:PORT] [--admin-listen HOST:PORT]\n"
           "            [--data-dir DIR] [--store URL] [--node-id NAME] [--shards N]\n"
           "            [--admin-token TOKEN]\n"
           "            [--fetch-hold-ms MS]\n"
           "            [--help]\n"
           "\n"
           "  --config FILE          TOML configuration (see docs/operations.md)\n"
           "  --listen HOST:PORT     SP API and touch-point WebSocket (default 127.0.0.1:8080; port 0 = "
           "any)\n"
           "  --admin-listen H:P     admin API, health and metrics (default 127.0.0.1:8081)\n"
           "  --data-dir DIR         RocksDB and the hashing key (default ./data)\n"
           "  --store URL            PostgreSQL instead of RocksDB (libpq connection string or\n"
           "                         postgres:// URI; keys.kek_* and keys.pepper_* then required)\n"
           "  --node-id NAME         this node's name in a cluster (default <hostname>:<listen port>)\n"
           "  --shards N             reactor threads (default: one per core)\n"
           "  --admin-token TOKEN    require 'Authorization: Bearer TOKEN' on the admin API\n"
           "  --fetch-hold-ms MS     hold a Fidesmo service/fetch this long before 503 (default 25000)\n"
           "\n"
           "Prints 'tsmd: listening on HOST:PORT' and 'tsmd: admin on HOST:PORT', then 'tsmd: ready'.\n"
           "SIGTERM or SIGINT: stops accepting, closes touch points with 1001, flushes, exits 0.\n";
}

config load_config(int argc, char** argv, bool& help) {
    config c;
    help = false;
    std::vector<std::pair<std::string, std::string>> overrides;
    std::string config_path;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--help" || a == "-h") {
            help = true;
            return c;
        }
        auto take = [&](std::string_view name) -> std::string {
            if (i + 1 >= argc) {
                throw std::runtime_error(std::string(name) + " needs a value");
            }
            return argv[++i];
        };
        if (a == "--config") {
            config_path = take(a);
        } else if (a == "--listen" || a == "--admin-listen" || a == "--data-dir" || a == "--store"
                   || a == "--node-id" || a == "--shards" || a == "--admin-token" || a == "--fetch-hold-ms") {
            overrides.emplace_back(std::string(a), take(a));
        } else {
            throw std::runtime_error("unknown option " + std::string(a) + " (see --help)");
        }
    }
    if (!config_path.empty()) {
        load_file(config_path, c);
    }
    for (const auto& [k, v] : overrides) {
        if (k == "--listen") {
            c.listen = v;
        } else if (k == "--admin-listen") {
            c.admin_listen = v;
        } else if (k == "--data-dir") {
            c.data_dir = v;
        } else if (k == "--store") {
            c.store_url = v;
        } else if (k == "--node-id") {
            c.node_id = v;
        } else if (k == "--admin-token") {
            c.admin_token = v;
        } else if (k == "--fetch-hold-ms") {
            try {
                std::size_t used = 0;
                const long long ms = std::stoll(v, &used);
                if (used != v.size()) {
                    throw std::invalid_argument(v);
                }
                c.fetch_hold = std::chrono::milliseconds(ms);
            } catch (const std::exception&) {
                throw std::runtime_error("--fetch-hold-ms must be a number of milliseconds");
            }
        } else if (k == "--shards") {
            try {
                c.shards = static_cast<unsigned>(std::stoul(v));
            } catch (const std::exception&) {
                throw std::runtime_error("--shards must be a number");
            }
        }
    }
    if (c.shards == 0) {
        c.shards = std::max(1u, std::thread::hardware_concurrency());
    }
    if (c.heartbeat_interval.count() <= 0 || c.lease <= c.heartbeat_interval) {
        // a lease shorter than the renewal interval would expire between two renewals
        throw std::runtime_error("cluster.lease_ms must be longer than cluster.heartbeat_ms (both > 0)");
    }
    if (c.node_id.empty()) {
        c.node_id = default_node_id(c.listen);
    }
    if (c.fetch_hold.count() <= 0) {
        // 0 would answer every fetch with 503 at once, and the client retries without pausing.
        throw std::runtime_error("fidesmo.fetch_hold_ms (--fetch-hold-ms) must be at least 1");
    }
    return c;
}

} // namespace tsm::tsmd
