#pragma once
/// The in-memory state of one service delivery session on its owner shard: the persisted record,
/// the operation queue in acceptance order, the APDU batch awaiting an answer and the bound
/// touch-point connection. Plain data plus the small rules that need no I/O.
#include "tsm/core/operation.hpp"
#include "tsm/core/ports.hpp"
#include "tsm/core/records.hpp"

#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace tsm::core {

struct live_operation {
    operation_record rec;
    std::unique_ptr<operation> op;
    bool durable = false;   ///< accept write completed; may run
    bool building = false;  ///< operation_builder::build in flight
    bool started = false;   ///< start() called
    bool finishing = false; ///< result write in flight
};

struct outstanding_batch {
    std::uint64_t number = 0;
    std::string operation_id;
    apdu_batch batch;
};

class delivery_session {
public:
    explicit delivery_session(session_record rec) : rec_(std::move(rec)), next_batch_(rec_.last_batch + 1) {}

    session_record& record() noexcept { return rec_; }
    const session_record& record() const noexcept { return rec_; }
    std::deque<live_operation>& queue() noexcept { return queue_; }
    std::optional<outstanding_batch>& outstanding() noexcept { return outstanding_; }
    connection_ref& connection() noexcept { return conn_; }
    std::string& final_frame() noexcept { return final_frame_; }
    std::int64_t& finished_ms() noexcept { return finished_ms_; }

    /// Allocates the next batch number (monotonic within the process lifetime).
    std::uint64_t take_batch_number() noexcept { return next_batch_++; }

    /// True when `responses` is a plausible answer to `batch`: no more answers than commands,
    /// each at least a status word.
    static bool valid_answer(const apdu_batch& batch, const std::vector<bytes>& responses);

    live_operation* find_operation(std::string_view id);

private:
    session_record rec_;
    std::deque<live_operation> queue_;
    std::optional<outstanding_batch> outstanding_;
    connection_ref conn_;
    std::string final_frame_; ///< status frame once terminal
    std::int64_t finished_ms_ = 0;
    std::uint64_t next_batch_;
};

} // namespace tsm::core
