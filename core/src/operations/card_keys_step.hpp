#pragma once
// The step every keyed kind shares (the CCM kinds, DESFire createApp and deleteApp): find the
// card's key record (its own by CIN, else its IIN master set's), open it into the protocol's card
// context, then build the operation. Runs on the session's shard; store reads complete there.
//
// Written as a coroutine (boost::asio::awaitable, co_spawn on the shard executor) so the step reads
// top to bottom. ADR-1 keeps coroutines off the connection paths because an idle frame per
// connection costs memory; a build lives for two or three store reads and runs once per
// operation, so that argument does not apply here (docs/architecture.md ADR-11). House rules for
// g++ 12: named coroutines with by-value parameters, no capturing lambda coroutines, co_await
// only as a statement or a named local's initialiser, errors as values (as_tuple).
#include "tsm/core/api_error.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/operation.hpp"
#include "tsm/core/operation_registry.hpp"
#include "tsm/core/record_store.hpp"
#include "tsm/core/records.hpp"
#include "tsm/core/register_operation_kinds.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tsm::core::operations {

namespace net = boost::asio;

/// What a build produces: the live operation, or why it cannot run (it then fails with that).
using built_operation = api_result<std::unique_ptr<operation>>;

/// The card's own record (by upper-cased CIN) when `usable` accepts it, else its IIN master
/// set's; nullopt when neither is usable or the session has no IIN. unavailable (503) when the
/// store cannot be read.
net::awaitable<api_result<std::optional<card_keys_record>>>
find_card_keys(record_store& store, session_record session, bool (*usable)(const card_keys_record&),
               net::any_io_executor ex);

/// Every CAP file of `app_id`; unavailable (503) when the store cannot be read.
net::awaitable<api_result<std::vector<capfile_record>>> load_capfiles(record_store& store, std::string app_id,
                                                                      net::any_io_executor ex);

/// How one card protocol finds and opens its keys. `Context` holds the opened keys
/// (ccm::card_context, desfire::card_context) and wipes them with itself.
template <class Context>
struct card_protocol {
    /// Whether a record holds this protocol's keys.
    bool (*usable)(const card_keys_record&);
    /// 412 no-card-keys, naming what to register.
    api_error (*no_keys)(const session_record&);
    /// key-error when the record does not open with this KEK or is damaged.
    api_result<Context> (*open)(const card_keys_record&, const session_record&, const key_vault&);
};

/// A kind's last part: the operation from its record, with the opened keys.
template <class Context>
using keyed_build = net::awaitable<built_operation> (*)(Context, operation_record, operation_dependencies);

/// Load the card keys -> open them -> build.
template <class Context>
net::awaitable<built_operation> with_card_keys(operation_dependencies deps, operation_record op,
                                               session_record session, card_protocol<Context> protocol,
                                               keyed_build<Context> build) {
    auto keys = co_await find_card_keys(deps.store, session, protocol.usable, deps.executor);
    if (!keys) {
        co_return keys.error();
    }
    if (!*keys) {
        co_return protocol.no_keys(session);
    }
    auto context = protocol.open(**keys, session, deps.vault);
    if (!context) {
        co_return context.error();
    }
    auto built = co_await build(std::move(*context), std::move(op), deps);
    co_return built;
}

/// Runs `build` on `ex` (the session's shard) and hands its result to `done` there. An exception
/// out of the coroutine fails the operation with internal-error.
void spawn_build(net::any_io_executor ex, net::awaitable<built_operation> build,
                 operation_registry::done_handler done);

/// internal-error: a payload that was valid at accept no longer decodes (storage damage).
api_error stored_request_damaged();

} // namespace tsm::core::operations
