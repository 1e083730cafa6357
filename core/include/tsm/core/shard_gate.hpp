#pragma once
/// Counts the completions a shard still waits for (store writes and reads, SP calls), so shutdown
/// can wait for them instead of sleeping. Each asynchronous call takes a `pass` and captures it in
/// its completion handler; the pass leaves the gate when the handler is destroyed. close() stops
/// new entries and calls `drained` on the gate's executor once the count reaches zero.
/// Owner: one per shard. enter() and close() run on the owner's thread; passes may be copied and
/// destroyed on any thread (a handler travels through the store's writer thread).
#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>

namespace tsm::core {

class shard_gate {
    struct state;

public:
    /// Held by an in-flight completion. Copyable (std::function needs it); every copy counts.
    class pass {
    public:
        pass() = default;
        pass(const pass& o) noexcept;
        pass(pass&& o) noexcept = default;
        pass& operator=(const pass& o) noexcept;
        pass& operator=(pass&& o) noexcept;
        ~pass();
        /// False for a pass refused because the gate was closing.
        explicit operator bool() const noexcept { return s_ != nullptr; }

    private:
        friend class shard_gate;
        explicit pass(std::shared_ptr<state> s) noexcept : s_(std::move(s)) {}
        void leave() noexcept;
        std::shared_ptr<state> s_;
    };

    explicit shard_gate(boost::asio::any_io_executor ex);
    ~shard_gate();
    shard_gate(const shard_gate&) = delete;
    shard_gate& operator=(const shard_gate&) = delete;

    /// A pass for one completion; an empty pass once close() was called (the caller refuses the
    /// work, e.g. 503 "shutting down").
    [[nodiscard]] pass enter();
    /// Refuses new passes; `drained` runs on the gate's executor when none is left (posted, also
    /// when none is left already).
    void close(std::function<void()> drained);
    bool closed() const noexcept;
    /// Passes alive now (for metrics and tests).
    std::size_t in_flight() const noexcept;

private:
    std::shared_ptr<state> state_;
};

} // namespace tsm::core
