#pragma once
/// The key record an operation on a session's card uses: the card's own (by CIN), else its IIN
/// master set's. Shared by the operation builders (CCM: any record; DESFire: one with a DESFire
/// part).
#include "tsm/core/operation.hpp"
#include "tsm/core/record_store.hpp"
#include "tsm/core/records.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>

namespace tsm::tsmd {

/// Loads the card's record (by upper-cased CIN); when there is none, or `usable` refuses it, the
/// IIN master set's. Calls `found` with the first usable record; otherwise `failed` with
/// `no_keys` (neither record is usable, or the session has no IIN) or 503 "unavailable" (the
/// store could not be read). Both run on `ex`.
void find_card_keys(core::record_store& store, const core::session_record& session,
                    boost::asio::any_io_executor ex,
                    std::function<bool(const core::card_keys_record&)> usable,
                    core::operation_outcome no_keys,
                    std::function<void(const core::card_keys_record&)> found,
                    std::function<void(core::operation_outcome)> failed);

} // namespace tsm::tsmd
