#pragma once
// SP authentication: app_id + app_key headers, HTTP Basic (app id : key) or Bearer (key alone),
// the key in hex, checked against the calling shard's app directory. Private to tsm::sp_api.
#include "tsm/core/api_error.hpp"
#include "tsm/core/app_directory.hpp"
#include "tsm/core/secret_hasher.hpp"
#include "tsm/transport/http_types.hpp"

namespace tsm::transport::sp_api {

/// The app the credentials prove, or unauthorized. The key text and bytes are wiped after use.
/// The pointer is into `apps`: valid until the directory changes (use it synchronously).
[[nodiscard]] core::api_result<const core::app_record*>
authenticate(const http_request& req, const core::app_directory& apps, const core::secret_hasher& hasher);

/// The 401 answer: the error plus WWW-Authenticate (Basic), so browsers and curl know what to send.
http_response unauthorized_response(const core::api_error& e);

} // namespace tsm::transport::sp_api
