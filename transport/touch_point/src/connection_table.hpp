#pragma once
/// One shard's touch-point connections: the dialect each speaks (an index into the gateway's
/// dialects, fixed at open) and the session each carries (at most one). Owned by the gateway;
/// every call asserts it runs on its shard.
#include "tsm/core/shard_owned.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace tsm::transport::touch_point {

class connection_table {
public:
    explicit connection_table(unsigned shard) : owner_(shard, "touch-point connection table") {}

    void open(std::uint64_t id, std::uint8_t dialect);
    /// Forgets the connection. Its session when it carried one.
    std::optional<std::string> close(std::uint64_t id);
    /// The connection's dialect index, nullopt for an unknown connection.
    std::optional<std::uint8_t> dialect_of(std::uint64_t id) const;
    /// The session the connection carries, nullopt when none (or unknown connection).
    std::optional<std::string> session_of(std::uint64_t id) const;
    /// Binds an open, unbound connection to `session_id` (never empty).
    void bind(std::uint64_t id, std::string session_id);
    /// Clears the binding when it still names `session_id` (a later bind stays).
    void unbind_if(std::uint64_t id, const std::string& session_id);

private:
    struct entry {
        std::string session; ///< empty: none (session ids are never empty)
        std::uint8_t dialect = 0;
    };
    core::shard_owned owner_;
    std::unordered_map<std::uint64_t, entry> connections_;
};

} // namespace tsm::transport::touch_point
