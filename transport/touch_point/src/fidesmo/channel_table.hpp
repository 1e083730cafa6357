#pragma once
/// One shard's long-poll state: the channels of the sessions this shard owns (by session id and
/// by connection id), the describe requests waiting for their SP answer (a one-shot
/// "connection" on the request's shard), and the operation routes (operation id → session id)
/// for the operation ids this shard owns (owner_of(operation id)). Every call runs on the shard
/// (asserted); other shards reach it through shard_runtime::invoke_on.
#include "channel.hpp"

#include "tsm/core/shard_owned.hpp"
#include "tsm/transport/http_types.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace tsm::transport::touch_point::fidesmo {

/// A describe request waiting for the SP's description.
struct pending_describe {
    http_responder respond;
    std::string cin; ///< hex; empty when the client named no device
};

class channel_table {
public:
    explicit channel_table(unsigned shard) : owner_(shard, "long-poll channel table") {}

    /// A process-unique connection id for this shard (the shard is in the connection_ref).
    std::uint64_t next_id() noexcept { return ++last_id_; }

    channel* find(std::string_view session_id);
    channel* find(std::uint64_t id);
    /// Adds a channel for a session that has none here.
    channel& add(std::unique_ptr<channel> c);
    /// Drops the channel (its held requests get 503, its routes are removed).
    void drop(std::uint64_t id);
    template <class Fn>
    void for_each(Fn&& fn) {
        owner_.assert_on_owner();
        for (auto& [id, c] : by_id_) {
            fn(*c);
        }
    }
    std::size_t size() const noexcept { return by_id_.size(); }

    void add_describe(std::uint64_t id, pending_describe d);
    std::optional<pending_describe> take_describe(std::uint64_t id);
    /// Every waiting describe (shutdown answers them).
    std::vector<pending_describe> take_describes();

    void add_route(std::string operation_id, std::string session_id);
    void remove_route(const std::string& operation_id);
    std::optional<std::string> route(const std::string& operation_id) const;
    std::size_t route_count() const noexcept { return routes_.size(); }

private:
    core::shard_owned owner_;
    std::uint64_t last_id_ = 0;
    std::unordered_map<std::uint64_t, std::unique_ptr<channel>> by_id_;
    std::map<std::string, std::uint64_t, std::less<>> by_session_;
    std::unordered_map<std::uint64_t, pending_describe> describes_;
    std::unordered_map<std::string, std::string> routes_;
};

} // namespace tsm::transport::touch_point::fidesmo
