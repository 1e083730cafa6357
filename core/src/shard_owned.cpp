#include "tsm/core/shard_owned.hpp"

#include "tsm/core/shard_pool.hpp"

#include <cstdio>
#include <cstdlib>

namespace tsm::core {

bool shard_owned::on_owner() const noexcept {
    return shard_pool::current() == owner_;
}

void shard_owned::check() const noexcept {
    if (!on_owner()) {
        const unsigned cur = shard_pool::current();
        std::fprintf(stderr, "tsm: %.*s of shard %u called from %s %u\n", static_cast<int>(what_.size()),
                     what_.data(), owner_, cur == shard_pool::no_shard ? "a non-shard thread" : "shard",
                     cur == shard_pool::no_shard ? 0u : cur);
        std::abort();
    }
}

} // namespace tsm::core
