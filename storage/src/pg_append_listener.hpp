#pragma once
// Cluster mode: LISTENs on `tsm_appends` on its own connection and thread (`tsm-pg-listen`) and
// hands each append to a session this node owns to `woken`. After every (re)connect it calls
// woken("") first: appends committed while it was not listening must be looked for. Private to
// storage.
#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace tsm::storage::pg {

class append_listener {
public:
    /// `woken` runs on the listener's thread: it must only hand the id on (post).
    append_listener(std::string conninfo, std::string node_id, std::function<void(const std::string&)> woken);
    ~append_listener(); ///< stop()
    append_listener(const append_listener&) = delete;
    append_listener& operator=(const append_listener&) = delete;

    /// Stops listening; joins the thread (within a poll interval). Idempotent.
    void stop();

private:
    void run();

    std::string conninfo_;
    std::string node_id_;
    std::function<void(const std::string&)> woken_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

} // namespace tsm::storage::pg
