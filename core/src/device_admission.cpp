#include "tsm/core/device_admission.hpp"

namespace tsm::core {

api_status admit_device(const service_requirements& required, const card_keys_record& device) {
    // A UID the registry does not know may be random per tap: such a device can never qualify,
    // whatever keys are added later (403), while missing keys can be registered later (412).
    if (required.fixed_uid && device.uid.empty()) {
        return make_api_error(
            api_errc::device_not_eligible,
            "the service needs a card with a fixed UID; none is registered for this device");
    }
    if (required.java_card && !device.has_gp_keys()) {
        return make_api_error(
            api_errc::device_not_ready,
            "the service needs GlobalPlatform keys for this device; none are registered yet");
    }
    if (required.mifare && !device.has_desfire_key()) {
        return make_api_error(api_errc::device_not_ready,
                              "the service needs a DESFire key for this device; none is registered yet");
    }
    return {};
}

} // namespace tsm::core
