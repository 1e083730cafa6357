#include "admission.hpp"

#include "tsm/transport/json_reader.hpp"

namespace tsm::transport::touch_point::fidesmo {

service_requirements decode_requirements(std::string_view description_json) {
    service_requirements r;
    service_requirements read;
    auto st = json::read_object(description_json, json::body_secrecy::plain,
                                [&](std::string_view key, json::value& v) -> core::api_status {
                                    if (key != "requirements") {
                                        return {};
                                    }
                                    return json::read_members(v, "requirements",
                                                              [&](std::string_view k,
                                                                  json::value& rv) -> core::api_status {
                                                                  if (k == "fixedUid") {
                                                                      read.fixed_uid = true;
                                                                  } else if (k == "javaCard") {
                                                                      read.java_card = true;
                                                                  } else if (k == "mifare") {
                                                                      read.mifare = true;
                                                                  } else if (k == "cardIssuer") {
                                                                      std::int64_t issuer = 0;
                                                                      auto got =
                                                                          json::read_int(rv, "cardIssuer", 0,
                                                                                         INT64_MAX, issuer);
                                                                      if (got) {
                                                                          read.card_issuer = issuer;
                                                                      }
                                                                  }
                                                                  return {};
                                                              });
                                });
    if (st) {
        r = read;
    }
    return r;
}

core::api_status admit_device(const service_requirements& req, const core::card_keys_record& device) {
    if (req.fixed_uid && device.uid.empty()) {
        return core::make_api_error(core::api_errc::device_not_eligible,
                                    "the service needs a device with a fixed UID");
    }
    if (req.java_card && !device.has_gp_keys()) {
        return core::make_api_error(
            core::api_errc::device_not_ready,
            "the service needs the device's GlobalPlatform keys, which are not registered");
    }
    if (req.mifare && !device.has_desfire_key()) {
        return core::make_api_error(core::api_errc::device_not_ready,
                                    "the service needs the device's DESFire key, which is not registered");
    }
    return {};
}

} // namespace tsm::transport::touch_point::fidesmo
