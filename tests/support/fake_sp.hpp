#pragma once
/// A real HTTP Service Provider for integration tests, on 127.0.0.1 port 0 in its own thread.
/// Serves descriptions (`/desc/{serviceId}`), accepts delivery requests (`/deliver`) and records
/// operation callbacks (`/cb/...`). Behaviour is scripted per test; everything it receives is
/// recorded and can be awaited with a timeout. Answers can be held back (a latch the test
/// releases) to stand for a slow SP without sleeping in its only io thread.
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tsm::transport {
class http_server;
}

namespace tsm::test {

class fake_sp {
public:
    fake_sp();
    ~fake_sp();

    unsigned short port() const noexcept { return port_; }
    std::string base() const; ///< "http://127.0.0.1:PORT"

    // Scripting.
    std::atomic<int> delivery_status{200}; ///< answer to the delivery request
    std::atomic<int> fail_callbacks{0};    ///< the next N callbacks get 500

    /// From now on delivery requests (callbacks) are recorded at once but answered only by
    /// release_deliveries() (release_callbacks()); later ones are answered at once again.
    void hold_deliveries();
    void release_deliveries();
    void hold_callbacks();
    void release_callbacks();
    std::size_t held_callbacks(); ///< callbacks received and not answered yet

    /// Waits for the next delivery request body.
    std::optional<boost::json::object>
    wait_delivery(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Waits for the callback of `operation_id` (successful ones: answered 200).
    std::optional<boost::json::object>
    wait_callback(const std::string& operation_id,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Every callback received so far (including the ones answered 500), with its target path.
    std::vector<std::pair<std::string, boost::json::object>> callbacks();
    std::size_t callback_count(const std::string& operation_id);
    std::size_t delivery_count();
    std::string delivery_method(); ///< method of the last delivery request

private:
    struct handler;
    /// Stops holding and sends every held answer.
    void release(bool& holding, std::vector<std::function<void()>>& held);
    std::unique_ptr<handler> handler_;
    boost::asio::io_context ioc_;
    std::unique_ptr<transport::http_server> server_;
    std::thread thread_;
    unsigned short port_ = 0;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<boost::json::object> deliveries_;
    std::size_t delivery_total_ = 0;
    std::string last_method_;
    std::vector<std::pair<std::string, boost::json::object>> callbacks_;
    std::vector<std::pair<std::string, boost::json::object>> accepted_callbacks_;
    bool holding_deliveries_ = false;
    bool holding_callbacks_ = false;
    std::vector<std::function<void()>> held_deliveries_; ///< answers not sent yet
    std::vector<std::function<void()>> held_callbacks_;
};

} // namespace tsm::test
