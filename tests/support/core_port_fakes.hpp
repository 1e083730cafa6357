#pragma once
/// In-memory fakes of the core ports, for unit tests of core and of anything built on it: a
/// record store that applies write_sets to maps and records every commit, an SP port whose calls
/// the test answers by hand, and a touch point that records frames and closes per connection.
/// (tests/support/fake_sp.hpp is a different thing: a real HTTP server playing the SP.)
/// Single-threaded: used on the test's own thread.
#include "tsm/core/ports.hpp"
#include "tsm/core/record_store.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <system_error>
#include <vector>

namespace tsm::core {

// Printers so that Boost.Test can show enum values in failed checks.
inline std::ostream& operator<<(std::ostream& os, durability d) {
    return os << (d == durability::sync ? "sync" : "relaxed");
}
inline std::ostream& operator<<(std::ostream& os, session_state s) {
    return os << "session_state(" << static_cast<int>(s) << ")";
}
inline std::ostream& operator<<(std::ostream& os, operation_state s) {
    return os << "operation_state(" << static_cast<int>(s) << ")";
}

} // namespace tsm::core

namespace tsm::test {

/// record_store over std::maps. Completions are posted to the caller's executor, so they run on
/// the next poll()/run_for(). With `hold` set, commits wait until release() (to observe what
/// happens before a write is durable).
class fake_store final : public core::record_store {
public:
    struct commit_record {
        core::write_set w;
        core::durability d;
    };

    void commit(core::write_set w, core::durability d, boost::asio::any_io_executor ex,
                commit_handler done) override;
    void load_operation(std::string operation_id, boost::asio::any_io_executor ex,
                        load_operation_handler done) override;
    std::error_code load_all(core::recovered_state& out) override;
    void close() override {}
    const core::store_stats& stats() const noexcept override { return stats_; }

    /// Fails the next commit with `ec` (nothing is applied).
    void fail_next_commit(std::error_code ec = std::make_error_code(std::errc::io_error)) { fail_next_ = ec; }
    /// Completes every held commit, in submission order. Returns how many.
    std::size_t release();

    bool hold = false;
    std::vector<commit_record> commits; ///< every commit, in submission order (failed ones too)
    std::map<std::string, core::app_record> apps;
    std::map<std::string, core::session_record> sessions;
    std::map<std::string, core::operation_record> operations;
    std::map<std::string, core::outbox_entry> outbox;
    std::size_t held() const noexcept { return held_.size(); }

private:
    void record(core::connection_ref conn, std::string frame);
    void apply(const core::write_set& w);
    void finish(std::function<void()> fn);

    std::optional<std::error_code> fail_next_;
    std::vector<std::function<void()>> held_;
    core::store_stats stats_;
};

/// sp_port that records calls; the test answers them with answer().
class fake_sp_port final : public core::sp_port {
public:
    struct call_record {
        std::string method;
        std::string url;
        std::string body;
        reply_handler done;
        bool answered = false;
    };

    void call(std::string method, std::string url, std::string body, reply_handler done) override;

    /// Answers call `index` (runs its handler inline, as the shard would).
    void answer(std::size_t index, int status, std::string body = {});
    /// Indexes of unanswered calls whose URL starts with `url_prefix`.
    std::vector<std::size_t> open_calls(std::string_view url_prefix = {}) const;
    /// Indexes of all calls whose URL starts with `url_prefix`.
    std::vector<std::size_t> calls_to(std::string_view url_prefix) const;

    std::vector<call_record> calls;
};

/// touch_point_port that records frames and closes per connection.
class fake_touch_point final : public core::touch_point_port {
public:
    struct close_record {
        std::uint16_t code = 0;
        std::string reason;
    };

    // Typed calls are recorded as their protocol v1 frames (transport/touch_point/v1).
    void send_commands(core::connection_ref conn, std::uint64_t batch_number, std::string_view operation_id,
                       const core::apdu_batch& batch) override;
    void send_description(core::connection_ref conn, std::string_view app_id, std::string_view service_id,
                          std::string_view description_json) override;
    void send_session(core::connection_ref conn, std::string_view session_id,
                      std::string_view resume_token) override;
    void send_resumed(core::connection_ref conn, std::string_view session_id) override;
    void send_error(core::connection_ref conn, const core::api_error& error) override;
    void send_final_status(core::connection_ref conn, std::string_view final_status_json) override;
    void close(core::connection_ref conn, std::uint16_t code, std::string reason) override;
    void send_user_interaction(core::connection_ref conn, std::string_view operation_id,
                               const core::prompt& p) override;

    const std::vector<std::string>& frames(core::connection_ref conn) const;
    const std::vector<close_record>& closes(core::connection_ref conn) const;
    /// Frames of `conn` whose "type" is `type` (naive substring check on the JSON text).
    std::vector<std::string> frames_of_type(core::connection_ref conn, std::string_view type) const;

private:
    void record(core::connection_ref conn, std::string frame);
    using key = std::pair<unsigned, std::uint64_t>;
    std::map<key, std::vector<std::string>> frames_;
    std::map<key, std::vector<close_record>> closes_;
};

} // namespace tsm::test
