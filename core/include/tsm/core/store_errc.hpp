#pragma once
/// Errors the record store port itself defines, so core can act on them whatever the store:
/// a fenced write means another node owns the session now.
#include <system_error>

namespace tsm::core {

enum class store_errc {
    fenced = 1,    ///< the write_set's session fence no longer holds: another node claimed the session
    not_claimable, ///< claim_session: the session is finished, unknown, or its owner's lease still runs
    not_supported, ///< the store has no cluster support (claim_session on the embedded store)
    // append_operations (cluster mode): why the session refuses the operation
    unknown_session,  ///< no such session, or another app's
    session_finished, ///< the session has ended
    runs_recipe,      ///< the session runs a stored recipe: no SP operations
    queue_full,       ///< max_queued_operations not done yet
};

const std::error_category& store_category() noexcept;

inline std::error_code make_error_code(store_errc e) noexcept {
    return {static_cast<int>(e), store_category()};
}

} // namespace tsm::core

template <>
struct std::is_error_code_enum<tsm::core::store_errc> : std::true_type {};
