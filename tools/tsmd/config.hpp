#pragma once
/// tsmd configuration: defaults, the TOML file, then command-line overrides (in that order).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tsm::tsmd {

struct app_config {
    std::string id;
    std::string key_hex; ///< hashed at load; never stored or logged in clear
    std::string description_url;
    std::string delivery_url;
    std::string delivery_method = "PUT";
    std::vector<std::string> callback_prefixes;
};

struct config {
    // [server]
    std::string listen = "127.0.0.1:8080";
    std::string admin_listen = "127.0.0.1:8081";
    std::string admin_token; ///< empty: admin API open (it listens on loopback by default)
    unsigned shards = 0;     ///< 0: one per core
    std::string data_dir = "./data";
    // [store]: empty = RocksDB in data_dir (the embedded default); else a libpq connection string
    // or postgres:// URI: PostgreSQL holds every record (docs/cluster.md)
    std::string store_url;
    // [cluster] (with a PostgreSQL store): this node's name — unique among live nodes; empty:
    // "<hostname>:<listen port>" — and its lease (another node may take over its sessions once
    // it has not renewed it for lease_ms)
    std::string node_id;
    std::chrono::milliseconds heartbeat_interval{1000};
    std::chrono::milliseconds lease{5000};
    // [limits]
    std::size_t max_body_bytes = 4 << 20; ///< CAP uploads are the largest bodies
    std::size_t max_frame_bytes = 256 * 1024;
    std::size_t max_apdu_bytes = 65544;
    std::size_t max_commands_per_batch = 256;
    std::size_t max_queued_operations = 256;
    std::size_t max_sessions_per_shard = 200000;
    std::size_t max_connections_per_shard = 50000;
    std::chrono::seconds ws_idle_timeout{60};
    std::chrono::milliseconds session_expiry{15 * 60 * 1000};
    std::chrono::milliseconds finished_retention{60 * 60 * 1000};
    std::chrono::milliseconds sweep_interval{1000};
    // [callbacks]
    std::chrono::milliseconds callback_initial_backoff{500};
    std::chrono::milliseconds callback_max_backoff{60'000};
    std::chrono::milliseconds callback_max_age{24LL * 3600 * 1000};
    std::chrono::milliseconds sp_timeout{10'000};
    std::size_t callback_max_in_flight_per_host = 64;
    bool tls_verify = true;
    std::string ca_file;
    // [keys]: the key-encryption key for card keys at rest (64 hex digits)
    std::string kek_file; ///< file holding the KEK
    std::string kek_env;  ///< or: the environment variable holding it
    /// The hashing key of app keys and resume tokens (64 hex digits). Without either, the pepper
    /// lives in <data_dir>/pepper (created at first start; refused with a PostgreSQL store,
    /// whose nodes must share it).
    std::string pepper_file;
    std::string pepper_env;
    // [fidesmo]: the Fidesmo client API (long poll)
    std::chrono::milliseconds fetch_hold{25000}; ///< a service/fetch is held this long, then 503
    // [log]
    std::string log_level = "info";
    // [[apps]]
    std::vector<app_config> apps;
};

/// Parses argv (and the TOML file named by --config). Throws std::runtime_error with a message
/// naming the bad option or key. Sets `help` when --help was given (usage is printed by main).
config load_config(int argc, char** argv, bool& help);

/// The usage text.
const char* usage();

} // namespace tsm::tsmd
