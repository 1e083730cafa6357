#pragma once
/// The JSON the admin API answers with. Card key records are shown without any key: GP fields,
/// DESFire type, version and method, and whether a key is held. Pure functions: any thread.
#include "tsm/core/records.hpp"

#include <string>
#include <string_view>

namespace tsm::transport::admin {

/// `{"appId","descriptionUrl","deliveryUrl","deliveryMethod","callbackPrefixes"}` (never the key).
std::string app_json(const core::app_record& app);
/// `{"iin"}` or `{"cin","iin"}`, the GP fields when present, the "desfire" summary, and the
/// recorded device description ("platformVersion", "osTypeVersionName", "batchId", "cplc", "uid").
std::string card_keys_json(const core::card_keys_record& rec);
/// `{"deleted":"<id>"}`.
std::string deleted_json(std::string_view id);

} // namespace tsm::transport::admin
