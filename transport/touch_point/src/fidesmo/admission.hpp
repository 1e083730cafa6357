#pragma once
/// The device check of a service description: its "requirements" against the device's registry
/// record. A local stand-in with the signature of core::admit_device
/// (core/include/tsm/core/device_admission.hpp, the device registry's rule); replace the body by
/// a call to it once that header is on main. Pure functions: any thread.
#include "tsm/core/api_error.hpp"
#include "tsm/core/records.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace tsm::transport::touch_point::fidesmo {

/// What a description's "requirements" object asks of the device (members present = required).
struct service_requirements {
    bool fixed_uid = false;
    bool java_card = false;
    bool mifare = false;
    std::optional<std::int64_t> card_issuer;
};

/// Reads `description_json`'s "requirements" (absent: nothing required). A description whose
/// requirements do not read requires nothing: the SP's text is relayed, not judged.
service_requirements decode_requirements(std::string_view description_json);

/// device_not_eligible (403) when the record rules the service out, device_not_ready (412) when
/// the device lacks what the service needs now (keys).
core::api_status admit_device(const service_requirements& req, const core::card_keys_record& device);

} // namespace tsm::transport::touch_point::fidesmo
