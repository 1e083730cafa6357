#include "tsm/core/app_directory.hpp"

namespace tsm::core {

const app_record* app_directory::find(std::string_view app_id) const {
    owner_.assert_on_owner();
    auto it = apps_.find(app_id);
    return it == apps_.end() ? nullptr : &it->second;
}

const std::map<std::string, app_record, std::less<>>& app_directory::all() const noexcept {
    owner_.assert_on_owner();
    return apps_;
}

void app_directory::put(app_record app) {
    owner_.assert_on_owner();
    erase(app.app_id);
    by_key_hash_[app.key_hash] = app.app_id;
    std::string id = app.app_id;
    apps_[id] = std::move(app);
}

void app_directory::erase(const std::string& app_id) {
    owner_.assert_on_owner();
    auto it = apps_.find(app_id);
    if (it == apps_.end()) {
        return;
    }
    auto k = by_key_hash_.find(it->second.key_hash);
    if (k != by_key_hash_.end() && k->second == app_id) {
        by_key_hash_.erase(k);
    }
    apps_.erase(it);
}

const app_record* app_directory::authenticate(std::string_view app_id, std::string_view app_key,
                                              const secret_hasher& hasher) const {
    owner_.assert_on_owner();
    if (app_id.empty()) {
        // The digest is keyed, so looking it up leaks nothing an attacker can use offline.
        auto k = by_key_hash_.find(hasher.digest(key_context, app_key));
        return k == by_key_hash_.end() ? nullptr : find(k->second);
    }
    const app_record* app = find(app_id);
    if (app == nullptr) {
        // Hash anyway so that an unknown app id costs the same time as a wrong key.
        (void)hasher.digest(key_context, app_key);
        return nullptr;
    }
    return hasher.verify(key_context, app_key, app->key_hash) ? app : nullptr;
}

bool callback_url_allowed(const app_record& app, std::string_view url) {
    if (!(url.starts_with("http://") || url.starts_with("https://"))) {
        return false;
    }
    for (const auto& prefix : app.callback_prefixes) {
        if (prefix.empty() || !url.starts_with(prefix)) {
            continue;
        }
        // "http://sp.example" must not admit "http://sp.example.evil/": the match has to end at
        // a URL boundary unless the prefix itself ends with one.
        const char last = prefix.back();
        if (last == '/' || last == '?' || last == '#' || url.size() == prefix.size()) {
            return true;
        }
        const char next = url[prefix.size()];
        if (next == '/' || next == '?' || next == '#') {
            return true;
        }
    }
    return false;
}

} // namespace tsm::core
