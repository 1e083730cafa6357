#pragma once
/// The device endpoints of the Fidesmo client API, answered from the device registry (the card
/// records of the admin API, /admin/v1/cards/{cin}):
///   GET {prefix}/devices/identify?cplc=<hex>[&uid=<hex>] -> {"cin","batchId"?}
///   GET {prefix}/devices/{cin}[?batchId=<n>]            -> {"iin","description":{"capabilities":
///                                                           {"platformVersion","osTypeVersionName"?}}}
/// An unknown device is 404 unknown-device; a malformed CIN, CPLC, UID or batchId is 400
/// bad-request; a store failure 503. Nothing is written. Reference: the client protocol §2–§3.
/// Thread safety: the handlers run on the request's shard thread; the route table is read-only
/// once built; `runtime` and `store` must outlive it.
#include "tsm/core/record_store.hpp"
#include "tsm/core/shard_runtime.hpp"
#include "tsm/transport/route_table.hpp"

#include <string_view>

namespace tsm::transport::fidesmo {

/// Adds both routes under `prefix` ("/v3", "/v2" or "" — no trailing '/'), devices/identify
/// before devices/{cin} (the first matching pattern wins).
void add_device_routes(route_table& routes, core::shard_runtime& runtime, core::record_store& store,
                       std::string_view prefix);

} // namespace tsm::transport::fidesmo
