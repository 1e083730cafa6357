#pragma once
/// Decoders of the admin API request bodies, over transport::json (json_reader), into the plain
/// structs core validates (core::app_definition, core::card_keys_input). Both bodies carry
/// secrets: they are read with body_secrecy::secret and keys are read as hex in place; the caller
/// wipes the request body afterwards. Errors are bad_request naming the field.
/// Threads: any (per-thread parser).
#include "tsm/core/api_error.hpp"
#include "tsm/core/app_validation.hpp"
#include "tsm/core/card_keys/card_keys_spec.hpp"

#include <string_view>

namespace tsm::transport::admin {

/// `{"key","descriptionUrl","deliveryUrl","deliveryMethod","callbackPrefixes"}`; unknown members
/// are ignored. Fills everything but out.app_id (the path gives it).
[[nodiscard]] core::api_status decode_app_body(std::string_view body, core::app_definition& out);

/// `{"iin","isd","scp","kvn","enc","mac","dek","securityLevel","diversification","desfire":{…},
///   "platformVersion","osTypeVersionName","batchId","cplc","uid"}`;
/// unknown top-level members are ignored, unknown members of "desfire" refused (a misspelt
/// "systemIdentifier" must not silently give another key).
[[nodiscard]] core::api_status decode_card_keys_body(std::string_view body, core::card_keys_input& out);

} // namespace tsm::transport::admin
