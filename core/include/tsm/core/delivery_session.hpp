#pragma once
/// The in-memory state of one service delivery session on its owner shard: the persisted record,
/// the operation queue in acceptance order, the APDU batch awaiting an answer and the bound
/// touch-point connection. The state changes only through the named transitions below (bind,
/// hand_out, take_outstanding, end, ...); the I/O around them is the session service's.
/// Owner: the session service of its shard; not thread-safe.
#include "tsm/core/operation.hpp"
#include "tsm/core/ports.hpp"
#include "tsm/core/records.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tsm::core {

/// One queued operation and where it stands. The engine moves the head through
/// durable -> building -> started -> finishing.
struct live_operation {
    operation_record rec;
    std::unique_ptr<operation> op;
    bool durable = false;   ///< accept write completed; may run
    bool building = false;  ///< operation_registry::build in flight
    bool started = false;   ///< start() called (or failed to build)
    bool finishing = false; ///< result write in flight
    /// The prompt the operation waits on (operation_step::ask): the session's outstanding thing
    /// instead of a batch; answered once (session_service::on_user_input).
    std::optional<prompt> asking;
};

struct outstanding_batch {
    std::uint64_t number = 0; ///< of the part on the wire
    std::string operation_id;
    apdu_batch batch;
    /// The part of `batch` on the wire: all of it, unless the touch point runs every command
    /// (batch_parts.hpp); `answered` holds the answers to the parts before it.
    std::size_t part_begin = 0;
    std::size_t part_end = 0;
    std::vector<bytes> answered;

    bool whole() const noexcept { return part_begin == 0 && part_end == batch.commands.size(); }
    /// The commands on the wire, as a batch of its own.
    apdu_batch part() const;
};

class delivery_session {
public:
    explicit delivery_session(session_record rec) : rec_(std::move(rec)), next_batch_(rec_.last_batch + 1) {}

    const session_record& record() const noexcept { return rec_; }
    const std::string& id() const noexcept { return rec_.session_id; }
    session_state state() const noexcept { return rec_.state; }
    bool terminal() const noexcept { return is_terminal(rec_.state); }

    // ---- record
    /// Moves the record to `st` (the caller counts the transition).
    void set_state(session_state st) noexcept { rec_.state = st; }
    /// Progress was made at `now_ms`: the expiry clock restarts.
    void touch(std::int64_t now_ms) noexcept { rec_.last_progress_ms = now_ms; }
    /// The SP accepted the delivery. The description and fields only serve to repeat the delivery
    /// request after a restart; dropping them shrinks every later session write and the memory an
    /// idle session holds.
    void drop_delivery_request() noexcept;
    /// Sequence number for the next accepted operation.
    std::uint64_t take_operation_seq() noexcept { return rec_.next_operation_seq++; }

    // ---- connection binding
    bool bound() const noexcept { return conn_.valid(); }
    bool bound_to(const connection_ref& c) const noexcept { return conn_.valid() && conn_ == c; }
    const connection_ref& connection() const noexcept { return conn_; }
    void bind(connection_ref c) noexcept { conn_ = c; }
    /// Forgets the connection and returns it (invalid when none was bound).
    connection_ref unbind() noexcept { return std::exchange(conn_, connection_ref{}); }

    // ---- operation queue
    /// Appends an accepted operation (not yet durable).
    live_operation& enqueue(operation_record rec);
    /// Appends an operation recovered from the store: durable, and later operations queue behind it.
    void recover(operation_record rec);
    live_operation* head() noexcept { return queue_.empty() ? nullptr : &queue_.front(); }
    std::size_t queued() const noexcept { return queue_.size(); }
    live_operation* find_operation(std::string_view id);
    /// Removes the head (its result is durable).
    void pop_head() noexcept;
    /// Removes the operation `id` (its accept write failed). False when it is not queued.
    bool erase_operation(std::string_view id);
    /// Every operation whose result is not being written, in queue order.
    void for_each_unfinished(const std::function<void(live_operation&)>& fn);
    /// Removes every operation whose result is not being written; `each` sees each one first.
    void drop_unfinished(const std::function<void(const live_operation&)>& each);

    // ---- APDU batches
    /// Makes `batch` of the head operation the outstanding one, under the next batch number.
    const outstanding_batch& hand_out(std::string operation_id, apdu_batch batch);
    const std::optional<outstanding_batch>& outstanding() const noexcept { return outstanding_; }
    /// The outstanding batch when it is number `number`, or any number when `number` is 0 (else
    /// nullptr: stale or duplicate).
    const outstanding_batch* awaiting(std::uint64_t number) const noexcept;
    /// Takes the outstanding batch, answered at `now_ms`: the record remembers its number.
    outstanding_batch take_outstanding(std::int64_t now_ms);
    /// Before the outstanding batch is first sent: cuts it into parts for a touch point that runs
    /// every command (no-op once a part was answered).
    void split_for(bool runs_every_command) noexcept;
    /// The current part was answered in full at `now_ms` and more of the batch is left: keeps its
    /// answers and makes the next part outstanding under the next batch number.
    void next_part(std::vector<bytes> answers, bool runs_every_command, std::int64_t now_ms);

    // ---- ending
    /// Terminal: the final status frame (persisted, and replayed to a resuming touch point),
    /// no batch outstanding any more.
    void end(std::string final_frame, std::int64_t now_ms);
    const std::string& final_frame() const noexcept { return rec_.final_status_json; }
    std::int64_t finished_ms() const noexcept { return finished_ms_; }

    /// True when `responses` is a plausible answer to `commands` commands: no more answers than
    /// commands, each at least a status word.
    static bool valid_answer(std::size_t commands, const std::vector<bytes>& responses);

private:
    session_record rec_;
    std::deque<live_operation> queue_;
    std::optional<outstanding_batch> outstanding_;
    connection_ref conn_;
    std::int64_t finished_ms_ = 0;
    std::uint64_t next_batch_; ///< monotonic within the process lifetime
};

} // namespace tsm::core
