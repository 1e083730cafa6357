#pragma once
/// The registered SP apps as seen by one shard. Every shard holds its own copy; the admin API
/// commits a change, then posts the new record to every shard (no map shared between threads).
/// Owner: the shard given at construction; every method asserts so in debug builds.
#include "tsm/core/records.hpp"
#include "tsm/core/secret_hasher.hpp"
#include "tsm/core/shard_owned.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tsm::core {

class app_directory {
public:
    explicit app_directory(unsigned owner_shard) noexcept : owner_(owner_shard, "app_directory") {}

    void put(app_record app);
    void erase(const std::string& app_id);
    const app_record* find(std::string_view app_id) const;
    const std::map<std::string, app_record, std::less<>>& all() const noexcept;

    /// The app when `app_key` (raw key bytes) matches its stored digest (constant-time), else
    /// nullptr. With an empty `app_id` the app is found by its key alone (Bearer auth).
    const app_record* authenticate(std::string_view app_id, std::string_view app_key,
                                   const secret_hasher& hasher) const;

    /// Context string under which app keys are hashed.
    static constexpr std::string_view key_context = "opentsm/app-key/v1";

private:
    shard_owned owner_;
    std::map<std::string, app_record, std::less<>> apps_;
    std::map<bytes, std::string, std::less<>> by_key_hash_; ///< digest -> app id
};

/// True when `url` is an http(s) URL starting with one of the app's callback prefixes.
bool callback_url_allowed(const app_record& app, std::string_view url);

} // namespace tsm::core
