#include "pg_append_listener.hpp"

#include "pg_connection.hpp"

#include "tsm/core/log.hpp"

#include <poll.h>
#include <pthread.h>

#include <cerrno>
#include <chrono>
#include <string_view>

namespace tsm::storage::pg {

append_listener::append_listener(std::string conninfo, std::string node_id,
                                 std::function<void(const std::string&)> woken)
    : conninfo_(std::move(conninfo)), node_id_(std::move(node_id)), woken_(std::move(woken)) {
    thread_ = std::thread([this] { run(); });
    pthread_setname_np(thread_.native_handle(), "tsm-pg-listen");
}

append_listener::~append_listener() {
    stop();
}

void append_listener::stop() {
    stop_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) {
        thread_.join();
    }
}

void append_listener::run() {
    conn_ptr c;
    bool reported = false;
    // A short poll timeout: stop() is noticed promptly without a wake-up pipe.
    while (!stop_.load(std::memory_order_relaxed)) {
        if (!c || PQstatus(c.get()) != CONNECTION_OK) {
            std::string detail;
            c = connect(conninfo_, detail);
            if (c && exec(c.get(), "LISTEN tsm_appends", detail)) {
                c.reset();
            }
            if (!c) {
                if (!reported) {
                    core::log::error("storage: PostgreSQL listener cannot connect", {{"detail", detail}});
                    reported = true;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(250));
                continue;
            }
            reported = false;
            woken_({}); // resynchronise: look at every owned session
        }
        pollfd pfd{PQsocket(c.get()), POLLIN, 0};
        if (::poll(&pfd, 1, 250) < 0 && errno != EINTR) {
            c.reset();
            continue;
        }
        if (PQconsumeInput(c.get()) != 1) {
            c.reset(); // the next round reconnects, then resynchronises
            continue;
        }
        while (PGnotify* n = PQnotifies(c.get())) {
            const std::string_view payload{n->extra}; // "<owner node> <session id>"
            const auto space = payload.rfind(' ');
            if (space != std::string_view::npos && payload.substr(0, space) == node_id_) {
                woken_(std::string(payload.substr(space + 1)));
            }
            PQfreemem(n);
        }
    }
}

} // namespace tsm::storage::pg
