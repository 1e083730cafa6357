#pragma once
/// /admin/v1/apps[/{id}]: list, read, register (PUT) and remove apps. A change is committed
/// durably, then copied to every shard's directory (shard_runtime::invoke_on_all), then
/// acknowledged, so the next SP call on any shard sees it. Reads use the calling shard's directory.
/// Thread safety: called on a shard thread (the admin listener's); holds no per-request state.
#include "tsm/core/record_store.hpp"
#include "tsm/core/secret_hasher.hpp"
#include "tsm/core/shard_runtime.hpp"
#include "tsm/transport/http_types.hpp"

#include <string>
#include <string_view>

namespace tsm::transport::admin {

class apps_handler {
public:
    apps_handler(core::shard_runtime& runtime, core::record_store& store, const core::secret_hasher& hasher)
        : runtime_(runtime), store_(store), hasher_(hasher) {}

    void list(http_responder& respond) const;
    void get(std::string_view app_id, http_responder& respond) const;
    /// Decodes and validates the body (wiped afterwards: it holds the app key), stores the app.
    void put(std::string app_id, http_request& req, http_responder& respond);
    void erase(std::string app_id, http_responder& respond);

private:
    core::shard_runtime& runtime_;
    core::record_store& store_;
    const core::secret_hasher& hasher_;
};

} // namespace tsm::transport::admin
