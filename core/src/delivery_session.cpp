#include "tsm/core/delivery_session.hpp"

#include "tsm/core/batch_parts.hpp"

#include <algorithm>

namespace tsm::core {

void delivery_session::drop_delivery_request() noexcept {
    std::string().swap(rec_.description_json);
    std::string().swap(rec_.fields_json);
    std::string().swap(rec_.sealed_fields);
    std::string().swap(rec_.ephemeral_key);
    std::string().swap(rec_.email);
    std::string().swap(rec_.msisdn);
}

live_operation& delivery_session::enqueue(operation_record rec) {
    live_operation& op = queue_.emplace_back();
    op.rec = std::move(rec);
    return op;
}

void delivery_session::recover(operation_record rec) {
    // New operations must queue behind every recovered one.
    rec_.next_operation_seq = std::max(rec_.next_operation_seq, rec.seq + 1);
    live_operation& op = enqueue(std::move(rec)); // built when it reaches the head of the queue
    op.durable = true;
}

live_operation* delivery_session::find_operation(std::string_view id) {
    for (auto& op : queue_) {
        if (op.rec.operation_id == id) {
            return &op;
        }
    }
    return nullptr;
}

void delivery_session::pop_head() noexcept {
    if (!queue_.empty()) {
        queue_.pop_front();
    }
}

bool delivery_session::erase_operation(std::string_view id) {
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (it->rec.operation_id == id) {
            queue_.erase(it);
            return true;
        }
    }
    return false;
}

void delivery_session::for_each_unfinished(const std::function<void(live_operation&)>& fn) {
    for (auto& op : queue_) {
        if (!op.finishing) {
            fn(op);
        }
    }
}

void delivery_session::drop_unfinished(const std::function<void(const live_operation&)>& each) {
    for (auto it = queue_.begin(); it != queue_.end();) {
        if (it->finishing) {
            ++it;
            continue;
        }
        each(*it);
        it = queue_.erase(it);
    }
}

apdu_batch outstanding_batch::part() const {
    apdu_batch p;
    p.commands.assign(batch.commands.begin() + static_cast<std::ptrdiff_t>(part_begin),
                      batch.commands.begin() + static_cast<std::ptrdiff_t>(part_end));
    p.stop_on_error = batch.stop_on_error;
    return p;
}

const outstanding_batch& delivery_session::hand_out(std::string operation_id, apdu_batch batch) {
    outstanding_batch out;
    out.number = next_batch_++;
    out.operation_id = std::move(operation_id);
    out.batch = std::move(batch);
    out.part_end = out.batch.commands.size();
    outstanding_ = std::move(out);
    return *outstanding_;
}

void delivery_session::split_for(bool runs_every_command) noexcept {
    if (outstanding_ && outstanding_->part_begin == 0) {
        outstanding_->part_end = batch_parts::part_end(outstanding_->batch, 0, runs_every_command);
    }
}

void delivery_session::next_part(std::vector<bytes> answers, bool runs_every_command, std::int64_t now_ms) {
    outstanding_batch& out = *outstanding_;
    rec_.last_progress_ms = now_ms;
    rec_.last_batch = out.number;
    out.answered.insert(out.answered.end(), std::make_move_iterator(answers.begin()),
                        std::make_move_iterator(answers.end()));
    out.number = next_batch_++;
    out.part_begin = out.part_end;
    out.part_end = batch_parts::part_end(out.batch, out.part_begin, runs_every_command);
}

const outstanding_batch* delivery_session::awaiting(std::uint64_t number) const noexcept {
    return outstanding_ && (number == 0 || outstanding_->number == number) ? &*outstanding_ : nullptr;
}

outstanding_batch delivery_session::take_outstanding(std::int64_t now_ms) {
    outstanding_batch out = std::move(*outstanding_);
    outstanding_.reset();
    rec_.last_progress_ms = now_ms;
    rec_.last_batch = out.number;
    return out;
}

void delivery_session::end(std::string final_frame, std::int64_t now_ms) {
    rec_.final_status_json = std::move(final_frame);
    outstanding_.reset();
    finished_ms_ = now_ms;
}

bool delivery_session::valid_answer(std::size_t commands, const std::vector<bytes>& responses) {
    if (responses.size() > commands) {
        return false;
    }
    for (const auto& r : responses) {
        if (r.size() < 2) {
            return false;
        }
    }
    return true;
}

} // namespace tsm::core
