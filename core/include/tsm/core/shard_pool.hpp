#pragma once
/// The shard runtime: one single-threaded io_context per shard, each run by its own thread.
/// Every shard-owned object lives on exactly one of these contexts; the only way to reach another
/// shard is `post` (which moves a value-only closure onto the owner's context).
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <memory>
#include <thread>
#include <vector>

namespace tsm::core {

class shard_pool {
public:
    explicit shard_pool(unsigned shard_count);
    ~shard_pool();
    shard_pool(const shard_pool&) = delete;
    shard_pool& operator=(const shard_pool&) = delete;

    unsigned size() const noexcept { return static_cast<unsigned>(contexts_.size()); }
    boost::asio::io_context& context(unsigned shard) { return *contexts_[shard]; }

    /// Starts one thread per shard. Contexts keep running until stop().
    void start();
    /// Lets every context run out of work guard; handlers already posted still run.
    void release();
    /// Stops every context at once (pending handlers are dropped) and joins the threads.
    void stop();
    /// Joins the threads (after release() once the work has drained, or after stop()).
    void join();

    /// Index of the shard whose thread is calling, or `no_shard` off shard threads.
    static unsigned current() noexcept;
    static constexpr unsigned no_shard = ~0u;

    template <class Fn>
    void post(unsigned shard, Fn&& fn) {
        boost::asio::post(*contexts_[shard], std::forward<Fn>(fn));
    }

private:
    using guard_t = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::vector<std::unique_ptr<guard_t>> guards_;
    std::vector<std::thread> threads_;
};

} // namespace tsm::core
