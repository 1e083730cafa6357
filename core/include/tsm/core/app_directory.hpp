#pragma once
/// The registered SP apps as seen by one shard. Every shard holds its own copy; the admin API
/// commits a change, then posts the new record to every shard (no map shared between threads).
#include "tsm/core/records.hpp"
#include "tsm/core/secret_hasher.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tsm::core {

class app_directory {
public:
    void put(app_record app) { apps_[app.app_id] = std::move(app); }
    void erase(const std::string& app_id) { apps_.erase(app_id); }
    const app_record* find(std::string_view app_id) const;
    const std::map<std::string, app_record, std::less<>>& all() const noexcept { return apps_; }

    /// The app when `app_key` matches its stored digest (constant-time), else nullptr.
    const app_record* authenticate(std::string_view app_id, std::string_view app_key,
                                   const secret_hasher& hasher) const;

    /// Context string under which app keys are hashed.
    static constexpr std::string_view key_context = "opentsm/app-key/v1";

private:
    std::map<std::string, app_record, std::less<>> apps_;
};

/// True when `url` is an http(s) URL starting with one of the app's callback prefixes.
bool callback_url_allowed(const app_record& app, std::string_view url);

} // namespace tsm::core
