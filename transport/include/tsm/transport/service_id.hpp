#pragma once
/// The one rule for app and service ids that reach URLs: touch points name them (all three
/// dialects) and SPs store recipes under them (PUT …/services/{serviceId}/recipe). Core builds
/// the SP's description URL as `descriptionUrl/serviceId`, so only URL-safe ids of bounded length
/// pass. Any thread.
#include <string_view>

namespace tsm::transport {

/// 1..128 characters of [0-9A-Za-z._-].
inline bool is_valid_service_id(std::string_view s) noexcept {
    if (s.empty() || s.size() > 128) {
        return false;
    }
    for (char c : s) {
        const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'
                        || c == '_' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

} // namespace tsm::transport
