#pragma once
/// A service description's "requirements" object, decoded for core::admit_device (the device
/// registry's rule, core/device_admission.hpp). Pure function: any thread.
#include "tsm/core/device_admission.hpp"

#include <string_view>

namespace tsm::transport::touch_point::fidesmo {

/// Reads `description_json`'s "requirements" (absent: nothing required; a member is required
/// unless it is false or null). A description whose requirements do not read requires nothing:
/// the SP's text is relayed, not judged.
core::service_requirements decode_requirements(std::string_view description_json);

} // namespace tsm::transport::touch_point::fidesmo
