#include "operations/card_keys_step.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <system_error>
#include <tuple>
#include <utility>

namespace tsm::core::operations {
namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

std::string upper(std::string s) {
    for (char& c : s) {
        if (c >= 'a' && c <= 'f') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return s;
}

/// The store's callbacks are std::function (copyable); the coroutine's handler is move-only.
template <class Handler>
auto shared_handler(Handler&& h) {
    return std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(h));
}

auto async_load_card_keys(record_store& store, bool master, std::string id, net::any_io_executor ex) {
    return net::async_initiate<decltype(use_tuple), void(std::error_code, std::optional<card_keys_record>)>(
        [&store, master, ex](auto handler, std::string key) {
            store.load_card_keys(master, std::move(key), ex,
                                 [h = shared_handler(std::move(
                                      handler))](std::error_code ec, std::optional<card_keys_record> rec) {
                                     std::move (*h)(ec, std::move(rec));
                                 });
        },
        use_tuple, std::move(id));
}

auto async_load_capfiles(record_store& store, std::string app_id, net::any_io_executor ex) {
    return net::async_initiate<decltype(use_tuple), void(std::error_code, std::vector<capfile_record>)>(
        [&store, ex](auto handler, std::string app) {
            store.load_capfiles(std::move(app), {}, ex,
                                [h = shared_handler(std::move(handler))](std::error_code ec,
                                                                         std::vector<capfile_record> files) {
                                    std::move (*h)(ec, std::move(files));
                                });
        },
        use_tuple, std::move(app_id));
}

api_error keys_unavailable() {
    return make_api_error(api_errc::unavailable, "could not read the card keys");
}

} // namespace

net::awaitable<api_result<std::optional<card_keys_record>>>
find_card_keys(record_store& store, session_record session, bool (*usable)(const card_keys_record&),
               net::any_io_executor ex) {
    std::string cin = upper(session.card_cin);
    auto [card_ec, card] = co_await async_load_card_keys(store, false, std::move(cin), ex);
    if (card_ec) {
        co_return keys_unavailable();
    }
    if (card && usable(*card)) {
        co_return std::move(card);
    }
    if (session.card_iin.empty()) {
        co_return std::optional<card_keys_record>{};
    }
    std::string iin = upper(session.card_iin);
    auto [master_ec, master] = co_await async_load_card_keys(store, true, std::move(iin), ex);
    if (master_ec) {
        co_return keys_unavailable();
    }
    if (master && usable(*master)) {
        co_return std::move(master);
    }
    co_return std::optional<card_keys_record>{};
}

net::awaitable<api_result<std::vector<capfile_record>>> load_capfiles(record_store& store, std::string app_id,
                                                                      net::any_io_executor ex) {
    auto [ec, files] = co_await async_load_capfiles(store, std::move(app_id), ex);
    if (ec) {
        co_return make_api_error(api_errc::unavailable, "could not read the load files");
    }
    co_return std::move(files);
}

void spawn_build(net::any_io_executor ex, net::awaitable<built_operation> build,
                 operation_registry::done_handler done) {
    net::co_spawn(ex, std::move(build),
                  [done = std::move(done)](std::exception_ptr e, built_operation built) {
                      if (e) {
                          done(nullptr, failed_outcome(make_api_error(api_errc::internal_error,
                                                                      "the operation could not be built")));
                      } else if (!built) {
                          done(nullptr, failed_outcome(built.error()));
                      } else {
                          done(std::move(*built), std::nullopt);
                      }
                  });
}

api_error stored_request_damaged() {
    return make_api_error(api_errc::internal_error, "stored request damaged");
}

} // namespace tsm::core::operations
