#pragma once
/// Ownership check for shard-owned objects (Redpanda's `oncore`): an object created for shard N
/// asserts, in debug builds, that every public entry point runs on shard N's thread. A wrong-thread
/// call aborts with the object's name instead of racing silently. Release builds compile it out.
#include <string_view>

namespace tsm::core {

class shard_owned {
public:
    shard_owned(unsigned owner, std::string_view what) noexcept : owner_(owner), what_(what) {}

    unsigned owner_shard() const noexcept { return owner_; }

    /// Aborts (debug builds) unless the calling thread is the owner shard's.
    void assert_on_owner() const noexcept {
#ifndef NDEBUG
        check();
#endif
    }

    /// Whether the calling thread is the owner shard's (any build).
    bool on_owner() const noexcept;

private:
    void check() const noexcept;
    unsigned owner_;
    std::string_view what_;
};

} // namespace tsm::core
