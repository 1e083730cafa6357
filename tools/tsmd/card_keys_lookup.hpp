#pragma once
/// The key record an operation on a session's card uses: the card's own (by CIN), else its IIN
/// master set's. Shared by the operation builders (CCM: any record; DESFire: one with a DESFire
/// part).
#include "tsm/core/record_store.hpp"
#include "tsm/core/records.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>

namespace tsm::tsmd {

/// Loads the card's record (by upper-cased CIN); when there is none, or `usable` refuses it, the
/// IIN master set's (none when the session has no IIN). `done` gets the store's error, or the
/// first usable record, or nullopt when neither is one. Runs `done` on `ex`.
void find_card_keys(core::record_store& store, const core::session_record& session,
                    boost::asio::any_io_executor ex,
                    std::function<bool(const core::card_keys_record&)> usable,
                    core::record_store::load_card_keys_handler done);

} // namespace tsm::tsmd
