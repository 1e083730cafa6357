#include "tsm/core/app_directory.hpp"

namespace tsm::core {

const app_record* app_directory::find(std::string_view app_id) const {
    auto it = apps_.find(app_id);
    return it == apps_.end() ? nullptr : &it->second;
}

const app_record* app_directory::authenticate(std::string_view app_id, std::string_view app_key,
                                              const secret_hasher& hasher) const {
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
        if (!prefix.empty() && url.starts_with(prefix)) {
            return true;
        }
    }
    return false;
}

} // namespace tsm::core
