#pragma once
/// Meets operation callbacks with the session workers waiting for them, keyed by operationId.
/// Thread safe: callbacks arrive on the HTTP thread, waiters are session worker threads. A
/// callback may arrive before its waiter (tsmd can call back before our /transceive call has
/// even returned the operationId), so results are parked until claimed, up to a bound.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace tsm::tools::example_sp {

struct operation_callback {
    std::string session_id; ///< from the callback URL path
    std::string body;       ///< the callback JSON, unparsed
};

class operation_waiter {
public:
    explicit operation_waiter(std::size_t max_parked = 4096) : max_parked_(max_parked) {}

    /// Records the callback for `operation_id`. False when it is a duplicate or the parking
    /// area is full (the caller answers 503 so tsmd retries later).
    bool deliver(const std::string& operation_id, operation_callback cb);

    /// Blocks until the callback for `operation_id` arrives, `timeout` passes (nullopt) or
    /// shutdown() is called (nullopt).
    std::optional<operation_callback> wait(const std::string& operation_id,
                                           std::chrono::milliseconds timeout);

    /// Wakes every waiter with nullopt; later waits return immediately.
    void shutdown();

private:
    struct slot {
        std::condition_variable cv;
        std::optional<operation_callback> result;
        bool claimed = false; ///< a waiter holds this slot
    };

    std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<slot>> slots_;
    std::size_t max_parked_;
    bool stopped_ = false;
};

} // namespace tsm::tools::example_sp
