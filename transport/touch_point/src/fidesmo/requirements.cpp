#include "requirements.hpp"

#include "tsm/transport/json_reader.hpp"

namespace tsm::transport::touch_point::fidesmo {
namespace {

/// A requirement is asked for by any value but false and null ({} and true both ask).
bool asks(json::value& v) {
    const auto type = json::type_of(v);
    if (type == simdjson::ondemand::json_type::null) {
        return false;
    }
    if (type == simdjson::ondemand::json_type::boolean) {
        bool on = true;
        return !json::read_bool(v, "requirement", on) || on;
    }
    return true;
}

} // namespace

core::service_requirements decode_requirements(std::string_view description_json) {
    core::service_requirements r;
    core::service_requirements read;
    auto st = json::read_object(description_json, json::body_secrecy::plain,
                                [&](std::string_view key, json::value& v) -> core::api_status {
                                    if (key != "requirements") {
                                        return {};
                                    }
                                    return json::read_members(v, "requirements",
                                                              [&](std::string_view k,
                                                                  json::value& rv) -> core::api_status {
                                                                  if (k == "fixedUid") {
                                                                      read.fixed_uid = asks(rv);
                                                                  } else if (k == "javaCard") {
                                                                      read.java_card = asks(rv);
                                                                  } else if (k == "mifare") {
                                                                      read.mifare = asks(rv);
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

} // namespace tsm::transport::touch_point::fidesmo
