#pragma once
/// Whether a registered device may receive a service, from what the service description requires
/// (its "requirements" object, decoded by the transport) and what the device registry records.
/// A device that is not in the registry is not ruled out here: the caller only asks for devices it
/// found. Pure functions over values: usable on any thread.
#include "tsm/core/api_error.hpp"
#include "tsm/core/records.hpp"

#include <cstdint>
#include <optional>

namespace tsm::core {

/// A service description's "requirements", as presence flags: each is true when the description
/// names that requirement.
struct service_requirements {
    bool fixed_uid = false; ///< "fixedUid": the service needs a card whose UID does not change
    bool java_card = false; ///< "javaCard": the service installs applets (GlobalPlatform keys needed)
    bool mifare = false;    ///< "mifare": the service uses DESFire (a DESFire key needed)
    std::optional<std::int64_t> card_issuer; ///< "cardIssuer"; recorded, not checked yet
};

/// OK, or why `device` cannot have the service:
///   fixed UID required and no UID recorded            -> device_not_eligible (403),
///   Java Card required and no GlobalPlatform key part -> device_not_ready (412),
///   MIFARE required and no DESFire key part           -> device_not_ready (412).
/// The first failing rule, in that order, is reported.
[[nodiscard]] api_status admit_device(const service_requirements& required, const card_keys_record& device);

} // namespace tsm::core
