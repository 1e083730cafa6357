#pragma once
/// The SP API under test without tsmd: a real core::shard_pool of two shards, each with its own
/// app directory, outbox relay and session service over the core fakes (tests/support/core_port_fakes.hpp:
/// one fake store, an SP port and a touch point per shard), the runtime over them, and the
/// handler. Requests are handed to on_request on a shard thread, as the listener does; the
/// response is waited for (bounded). Everything the test reads of a shard it reads through run_on.
#include "tsm/transport/sp_api/handler.hpp"

#include "tsm/core/key_vault.hpp"
#include "tsm/core/outbox_relay.hpp"
#include "tsm/core/service_probe.hpp"
#include "tsm/core/session_service.hpp"
#include "tsm/core/shard_pool.hpp"
#include "tsm/core/shard_runtime.hpp"

#include "core_port_fakes.hpp"

#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sp_api_test {

namespace core = tsm::core;
namespace tr = tsm::transport;

inline constexpr std::string_view app_id = "0A1B2C3D";
inline constexpr std::string_view other_app_id = "0E0F1011";
inline const std::string app_key_hex = "00112233445566778899AABBCCDDEEFF";
inline const std::string other_key_hex = "FFEEDDCCBBAA99887766554433221100";
inline const std::string cb_prefix = "https://sp.example/cb/";
inline const std::string description_url = "https://sp.example/describe";
inline const std::string delivery_url = "https://sp.example/deliver";

/// fake_store plus CAP files and recipes (which it does not keep): the record store the SP API sees.
class test_store final : public core::record_store {
public:
    void commit(core::write_set w, core::durability d, boost::asio::any_io_executor ex,
                commit_handler done) override;
    void load_operation(std::string operation_id, boost::asio::any_io_executor ex,
                        load_operation_handler done) override {
        fake.load_operation(std::move(operation_id), std::move(ex), std::move(done));
    }
    void load_capfiles(std::string app_id, std::string id, boost::asio::any_io_executor ex,
                       load_capfiles_handler done) override;
    void load_recipe(std::string app_id, std::string service_id, boost::asio::any_io_executor ex,
                     load_recipe_handler done) override;
    void list_recipes(std::string app_id, boost::asio::any_io_executor ex,
                      list_recipes_handler done) override;
    std::error_code load_all(core::recovered_state& out) override { return fake.load_all(out); }
    void close() override {}
    const core::store_stats& stats() const noexcept override { return fake.stats(); }

    tsm::test::fake_store fake;
    std::map<std::pair<std::string, std::string>, core::capfile_record> capfiles; ///< (app, id) -> file
    std::map<std::pair<std::string, std::string>, core::recipe_record> recipes; ///< (app, service) -> recipe
};

struct fixture {
    explicit fixture(std::size_t max_queued_operations = 256);
    ~fixture();
    fixture(const fixture&) = delete;
    fixture& operator=(const fixture&) = delete;

    /// Runs `fn(services)` on shard `shard` and waits for it (bounded: fails the test after 5 s).
    void run_on(unsigned shard, const std::function<void(core::shard_services&)>& fn);

    /// A new session id owned by `shard`.
    std::string session_owned_by(unsigned shard) const;
    /// Opens a session of `app` owned by its shard: delivery started, description and delivery
    /// request answered by the fake SP. Returns the session id (lower case).
    void open_session(const std::string& sid, std::string_view app = app_id);

    /// Hands `req` to the handler on shard `on_shard` and waits for the one response.
    tr::http_response call(tr::http_request req, unsigned on_shard = 0);

    /// A request with app_id/app_key credentials, sessionId and callbackUrl headers.
    static tr::http_request sp_request(std::string method, std::string target, std::string body,
                                       const std::string& sid = {}, std::string_view app = app_id,
                                       const std::string& key_hex = app_key_hex);

    core::shard_pool pool{2};
    test_store store;
    core::service_probe probe;
    core::secret_hasher hasher{core::secret_hasher::generate_key()};
    core::key_vault vault{core::bytes(core::key_vault::kek_size, '\x5a')};
    std::vector<std::unique_ptr<tsm::test::fake_sp_port>> sps;
    std::vector<std::unique_ptr<tsm::test::fake_touch_point>> tps;
    std::vector<std::unique_ptr<core::shard_services>> services;
    std::unique_ptr<core::shard_runtime> runtime;
    boost::asio::thread_pool blocking{1};
    std::atomic<int> health_calls{0};
    std::unique_ptr<tr::sp_api::handler> api;
};

std::string header(const tr::http_response& r, std::string_view name);
boost::json::object body_of(const tr::http_response& r);
/// error.code of an error response ("" when the body is no error).
std::string error_code(const tr::http_response& r);
std::string error_message(const tr::http_response& r);

} // namespace sp_api_test
