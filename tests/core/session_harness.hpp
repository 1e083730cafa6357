#pragma once
/// The session service tests' harness: one shard (io_context, fakes, relay and service) with
/// helpers that drive a session through its steps, and the constants the tests share. The test
/// thread counts as shard 0 while a harness lives, so the owner assertions hold.
/// The test files say `using namespace session_harness;`, which also brings the aliases below.
#include "tsm/core/session_service.hpp"
#include "tsm/core/shard_pool.hpp"
#include "tsm/core/transceive_operation.hpp"

#include "core_port_fakes.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace session_harness {

namespace core = tsm::core;
namespace bj = boost::json;
using namespace std::chrono_literals;
using namespace std::string_literals;
using tsm::core::bytes;
using tsm::core::connection_ref;

inline constexpr std::string_view app_id = "0A1B2C3D";
inline constexpr std::string_view resume_context = "opentsm/resume-token/v1"; // core/src/session
inline const std::string description = R"({"title":"Read CPLC","price":0})";
inline const std::string cb_prefix = "https://sp.example/cb/";
inline const std::string description_url = "https://sp.example/describe";
inline const std::string delivery_url = "https://sp.example/deliver";

inline const bytes select_cmd = "\x00\xa4\x04\x00\x00"s;
inline const bytes cplc_cmd = "\x80\xca\x9f\x7f\x00"s;

core::session_service_config default_config();

bj::object parse(const std::string& s);

struct accept_result {
    bool called = false;
    std::optional<core::api_error> error;
    std::string operation_id;
};

struct done_result {
    bool called = false;
    std::optional<core::api_error> error;
};

/// One shard: io_context, fakes, relay and service. Helpers drive a session through its steps.
struct harness {
    explicit harness(core::session_service_config cfg = default_config());
    static core::operation_registry transceive_only();

    static core::outbox_relay_config relay_config();

    /// Runs every ready handler (posted completions), without waiting for timers.
    void drain();

    core::delivery_request request() const;

    /// deliver → description 200 → session stored → session frame. Returns the resume token.
    /// Leaves the delivery request unanswered.
    std::string deliver(connection_ref c, const std::string& sid);

    /// deliver and let the SP accept the delivery request: the session is active.
    std::string open(connection_ref c, const std::string& sid);

    accept_result& accept(const std::string& sid, std::vector<bytes> cmds, std::string cb = {});

    done_result& complete(const std::string& sid, bool success, std::string msg,
                          std::string app = std::string(app_id));

    std::vector<bj::object> commands_frames(connection_ref c) const;

    /// Callback POSTs the relay made, parsed.
    std::vector<bj::object> callbacks() const;

    core::this_thread_as_shard as_shard{0};
    boost::asio::io_context ioc;
    tsm::test::fake_store store;
    tsm::test::fake_sp_port sp;
    tsm::test::fake_touch_point tp;
    core::service_probe probe;
    core::secret_hasher hasher{core::secret_hasher::generate_key()};
    core::app_directory apps{0};
    core::outbox_relay relay;
    core::operation_registry kinds;
    core::key_vault vault{core::bytes(core::key_vault::kek_size, '\x5a')}; ///< seals user input
    core::session_service svc;
    std::deque<accept_result> accepts;
    std::deque<done_result> completes;
};

inline const connection_ref conn1{0, 1};
inline const connection_ref conn2{0, 2};
inline const std::string sid = "123e4567-e89b-42d3-a456-426614174000";

std::string error_code_of(const bj::object& callback);

} // namespace session_harness
