#pragma once
/// The integration fixture: a temp data dir, a fake SP, and a real tsmd (2 shards) with one app
/// registered through the admin API. Helpers speak the SP API and the touch-point protocol.
#include "fake_sp.hpp"
#include "net_clients.hpp"
#include "temp_dir.hpp"
#include "tsmd_process.hpp"

#include <memory>
#include <string>
#include <vector>

namespace tsm::test {

inline const std::string app_id = "a1b2c3d4";
inline const std::string app_key = "00112233445566778899aabbccddeeff";

struct delivered_session {
    std::string session_id;
    std::string resume_token;
};

class tsm_env {
public:
    /// `config_toml` is appended to a generated config file (e.g. "[limits]\nsession_expiry_ms = 500").
    explicit tsm_env(unsigned shards = 2, std::string config_toml = {});
    /// When the running test case has failed, prints the end of tsmd's log (CI keeps only stdout).
    ~tsm_env();
    tsm_env(const tsm_env&) = delete;
    tsm_env& operator=(const tsm_env&) = delete;

    /// (Re)starts tsmd on the same data dir.
    void start();
    void restart_after_kill();

    std::string callback_url(const std::string& tag = "x") const { return sp.base() + "/cb/" + tag; }
    header_list sp_headers(const std::string& session_id, const std::string& callback = {}) const;

    /// Registers an app (PUT /admin/v1/apps/{id}) pointing at the fake SP.
    http_reply register_app(const std::string& id, const std::string& key,
                            const std::vector<std::string>& prefixes = {}, const std::string& sp_base = {});
    /// describe/deliver on `ws`; returns the session and consumes the SP's delivery request.
    delivered_session deliver(ws_client& ws, const std::string& service = "demo",
                              const std::string& app = app_id);
    /// POST /transceive; returns the reply.
    http_reply transceive(const std::string& session_id, const std::vector<std::string>& commands,
                          const std::string& callback = {});
    std::string transceive_ok(const std::string& session_id, const std::vector<std::string>& commands);
    http_reply complete(const std::string& session_id, bool success, const std::string& message = "done");
    /// The directory holding what the store wrote: RocksDB's, or the PostgreSQL server's (its
    /// tables and WAL) — for the checks that no secret reaches the disk in clear.
    std::string store_files() const;

    temp_dir dir;
    fake_sp sp;
    std::unique_ptr<tsmd_process> tsmd;
    unsigned shards;
    std::string config_path;
    /// The PostgreSQL database tsmd runs on (TSM_TEST_STORE=postgres); empty: RocksDB in dir.
    std::string store_url;
};

/// Answers one commands frame on `ws`: every command gets "9000" appended to its first 2 bytes.
/// Returns the operationId of the batch (empty when no batch arrived).
std::string answer_batch(ws_client& ws, std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// Proves that `ws` holds no unread frame: none arrives within `window`, then a `describe` is
/// sent and its `description` must be the very next frame (a late frame, an error included,
/// would come before it).
void require_no_frame_pending(ws_client& ws, std::chrono::milliseconds window = std::chrono::milliseconds(0));

std::string str(const boost::json::value& v);

} // namespace tsm::test
