#pragma once
/// The SP API bodies of the DESFire operations (/desfire/ev1/createApp, /commands, /deleteApp):
/// JSON → core::desfire request → the operation record's kind and payload. Everything the SP can
/// get wrong is found here, before anything is stored, and named in the error (400).
///
/// createApp payloads are sealed with the key vault whether or not they hold application keys
/// (bound to the session, as /ccm/storedata payloads are); commands and deleteApp payloads are
/// stored as encoded. Key material parsed from a body is wiped once encoded. Stateless; runs on
/// the shard that received the request.
#include "tsm/core/hex.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/transport/json_codec.hpp"

#include <string>
#include <string_view>

namespace tsm::tsmd {

/// True for the three DESFire operation paths.
bool is_desfire_path(std::string_view path) noexcept;

/// An operation as it will be stored: its kind and (possibly sealed) payload.
struct desfire_operation_request {
    std::string kind;
    core::bytes payload;
};

/// Parses and validates the body of `path` (one of the is_desfire_path() paths). Returns an
/// empty string and fills `out` on success, else a message naming the field. `session_id` is
/// the (lower-case) sessionId header: a sealed createApp payload opens only in that session.
std::string parse_desfire_request(std::string_view path, std::string_view body,
                                  const transport::json_limits& limits, const core::key_vault& vault,
                                  std::string_view session_id, desfire_operation_request& out);

} // namespace tsm::tsmd
