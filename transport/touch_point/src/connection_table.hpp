#pragma once
/// One shard's touch-point connections and the session each carries (at most one). Owned by the
/// gateway; every call asserts it runs on its shard.
#include "tsm/core/shard_owned.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace tsm::transport::touch_point {

class connection_table {
public:
    explicit connection_table(unsigned shard) : owner_(shard, "touch-point connection table") {}

    void open(std::uint64_t id);
    /// Forgets the connection. Its session when it carried one.
    std::optional<std::string> close(std::uint64_t id);
    bool known(std::uint64_t id) const;
    /// The session the connection carries, nullopt when none (or unknown connection).
    std::optional<std::string> session_of(std::uint64_t id) const;
    /// Binds an open, unbound connection to `session_id`.
    void bind(std::uint64_t id, std::string session_id);
    /// Clears the binding when it still names `session_id` (a later bind stays).
    void unbind_if(std::uint64_t id, const std::string& session_id);

private:
    core::shard_owned owner_;
    std::unordered_map<std::uint64_t, std::optional<std::string>> sessions_;
};

} // namespace tsm::transport::touch_point
