#pragma once
// Cluster mode: this node's lease in tsm_nodes, renewed on its own connection and thread
// (`tsm-pg-lease`) so a long group commit on the writer never lets it lapse. Other nodes claim
// this node's sessions only once it has expired. Private to storage.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace tsm::storage::pg {

class node_lease {
public:
    /// Starts renewing at once, every `every`, for `lease`.
    node_lease(std::string conninfo, std::string node_id, std::chrono::milliseconds every,
               std::chrono::milliseconds lease);
    ~node_lease(); ///< stop()
    node_lease(const node_lease&) = delete;
    node_lease& operator=(const node_lease&) = delete;

    /// Whether the last renewal reached a writable primary (false until the first one).
    bool held() const noexcept { return held_.load(std::memory_order_relaxed); }
    /// Stops renewing (the lease then runs out); joins the thread. Idempotent.
    void stop();

private:
    void run();

    std::string conninfo_;
    std::string node_id_;
    std::chrono::milliseconds every_;
    std::chrono::milliseconds lease_;
    std::atomic<bool> held_{false};
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace tsm::storage::pg
