#pragma once
/// Delivers SP callbacks from the durable outbox: at least once, with exponential backoff and
/// jitter up to a maximum age. In-flight calls are bounded per SP host, so a slow or dead SP
/// delays only its own callbacks.
/// Owner: one relay per shard (`outbox_relay_config::owner_shard`); every public method runs on
/// that shard's thread and asserts so in debug builds. SP calls, store writes and retry timers
/// hold a pass of the relay's shard_gate, so shutdown can wait for the last completion.
/// Sealed entries (callbacks holding user input, outbox_entry::sealed) are opened with the key
/// vault just before each attempt; the clear copy is wiped once handed to the SP port.
#include "tsm/core/key_vault.hpp"
#include "tsm/core/ports.hpp"
#include "tsm/core/record_store.hpp"
#include "tsm/core/retry_schedule.hpp"
#include "tsm/core/service_probe.hpp"
#include "tsm/core/shard_gate.hpp"
#include "tsm/core/shard_owned.hpp"

#include <functional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <list>
#include <map>
#include <memory>
#include <string>

namespace tsm::core {

struct outbox_relay_config {
    unsigned owner_shard = 0; ///< the shard whose thread runs the relay
    retry_policy retry;
    std::size_t max_in_flight_per_host = 64;
};

class outbox_relay {
public:
    /// `vault` opens sealed entries; without one (test doubles that never seal) a sealed entry
    /// cannot be delivered and is dropped with an error in the log.
    outbox_relay(boost::asio::io_context& ioc, record_store& store, sp_port& sp, outbox_relay_config cfg,
                 service_probe& probe, const key_vault* vault = nullptr);
    ~outbox_relay();
    outbox_relay(const outbox_relay&) = delete;
    outbox_relay& operator=(const outbox_relay&) = delete;

    /// Takes a durable outbox entry and delivers it. `attempts` counts earlier failed attempts.
    void enqueue(outbox_entry e, std::uint32_t attempts = 0);
    /// Stops retry timers and refuses new calls; entries stay in the store for the next start.
    /// `drained` runs on this shard once every call, write and timer in flight has completed.
    void shutdown(std::function<void()> drained = {});
    std::size_t pending() const noexcept;

private:
    struct item {
        outbox_entry entry;
        std::uint32_t attempts = 0;
    };
    struct host_queue {
        std::deque<item> ready;
        std::size_t in_flight = 0;
    };
    struct waiting {
        item it;
        boost::asio::steady_timer timer;
        waiting(item i, boost::asio::io_context& ioc) : it(std::move(i)), timer(ioc) {}
    };

    void pump(const std::string& host);
    void attempt(const std::string& host, item it);
    void on_reply(const std::string& host, item it, sp_reply reply, std::uint64_t started_us);
    void retire(const outbox_entry& e);

    shard_owned owner_;
    boost::asio::io_context& ioc_;
    record_store& store_;
    sp_port& sp_;
    outbox_relay_config cfg_;
    service_probe& probe_;
    const key_vault* vault_;
    std::map<std::string, host_queue> hosts_;
    std::list<waiting> waiting_;
    std::size_t pending_ = 0;
    bool stopped_ = false;
    shard_gate gate_; ///< counts SP calls, outbox deletes and retry timers in flight
};

/// "scheme://host:port" part of a URL, used to group callbacks per SP host.
std::string url_origin(std::string_view url);

} // namespace tsm::core
