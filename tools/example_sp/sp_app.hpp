#pragma once
/// The example Service Provider: routes the SP endpoints to the "demo" service, the "desfire"
/// service (DESFire EV1 operations), the "pin" service (encrypted user input) and, with --cap,
/// the "hello" card content management
/// service, and runs each delivery session on its own
/// worker thread. Owns the listener, the operation waiter and the
/// workers; start() then stop() (or destruction) from one controlling thread.
#include "example_sp/hello_session.hpp"
#include "example_sp/http_listener.hpp"
#include "example_sp/operation_waiter.hpp"
#include "example_sp/sp_key.hpp"
#include "example_sp/sp_options.hpp"
#include "example_sp/step_log.hpp"
#include "example_sp/tsm_api_client.hpp"

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace tsm::tools::example_sp {

class sp_app {
public:
    sp_app(sp_options opts, std::ostream& log_out);
    ~sp_app(); ///< calls stop()

    /// Generates (or with --key-file loads) the "pin" service's key; with --cap, reads the CAP
    /// file and uploads it to tsmd (once); then binds and serves. False with `error` when the key
    /// or the CAP cannot be read, the CAP cannot be uploaded or the address cannot be bound.
    bool start(std::string& error);
    /// The base URL tsmd should use (the --public-url, or the bound address).
    const std::string& public_url() const { return public_url_; }
    std::uint16_t port() const { return listener_.port(); }
    /// The uploaded applet (after a successful start with --cap), else nullopt.
    const std::optional<hello_applet>& hello() const { return hello_; }
    /// Stops serving, wakes waiting sessions (they report failure) and joins every worker.
    void stop();

    /// Max sessions in flight; more deliveries are answered 503.
    static constexpr std::size_t max_sessions = 256;

private:
    struct worker {
        std::string session_id;
        std::thread thread;
        std::atomic<bool> done{false};
    };

    http_reply handle(const http_request_in& req);
    http_reply on_description(const std::string& service_id) const;
    http_reply on_delivery(const http_request_in& req);
    http_reply on_callback(const std::string& session_id, const http_request_in& req);
    void reap_finished_workers(); // mutex_ held
    bool upload_cap(std::string& error);

    sp_options opts_;
    step_log log_;
    tsm_api_client api_;
    operation_waiter waiter_;
    http_listener listener_;
    std::string public_url_;
    std::optional<hello_applet> hello_; ///< set once in start(), before the listener runs
    std::optional<sp_key> key_;         ///< the "pin" service's key; set once in start(), likewise

    std::mutex mutex_;
    std::list<worker> workers_;
    bool stopping_ = false;
};

} // namespace tsm::tools::example_sp
