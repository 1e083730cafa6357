#pragma once
/// The /secure-transceive body `{"application":"<AID hex>","commands":["<C-APDU hex>",…]}`,
/// decoded over transport/json_reader: JSON shape only (what the values mean is core's,
/// secure_transceive_requests). Read with body_secrecy::secret: the commands are the SP's secrets,
/// read in place as hex; the caller wipes the request body. Also used for recipe actions whose
/// endpoint is /secure-transceive. Any thread.
#include "tsm/core/api_error.hpp"
#include "tsm/core/hex.hpp"
#include "tsm/transport/sp_api/body_decoders.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tsm::transport::sp_api {

/// The decoded body; wipes the commands when done.
struct secure_transceive_body {
    std::string application;           ///< as sent ("" when absent; core says it is required)
    std::vector<core::bytes> commands; ///< decoded, within `lim`; non-empty

    secure_transceive_body() = default;
    secure_transceive_body(const secure_transceive_body&) = delete;
    secure_transceive_body& operator=(const secure_transceive_body&) = delete;
    ~secure_transceive_body();
};

/// Missing or empty commands -> bad_request; other members are ignored.
[[nodiscard]] core::api_status decode_secure_transceive_body(std::string_view body, const limits& lim,
                                                             secure_transceive_body& out);

} // namespace tsm::transport::sp_api
