#pragma once
/// The operations in flight: a ring indexed by sequence number. The sequence number travels in
/// the operation itself (in the callback URL and in the first APDU), so the touch point and the
/// callback sink find the operation without knowing tsmd's operationId. Slots are shared by the
/// harness threads; every field is atomic.
#include <atomic>
#include <cstdint>
#include <memory>

namespace tsm::tools::loadgen {

namespace op_flag {
inline constexpr std::uint32_t in_use = 1;
inline constexpr std::uint32_t acked = 2;     ///< SP got 200 {"operationId"}
inline constexpr std::uint32_t rejected = 4;  ///< SP got another status: no callback will come
inline constexpr std::uint32_t pushed = 8;    ///< the commands frame reached the touch point
inline constexpr std::uint32_t called = 16;   ///< the callback reached the sink
inline constexpr std::uint32_t ack_lost = 32; ///< the SP request failed in transport (fate unknown)
} // namespace op_flag

struct op_slot {
    std::atomic<std::uint64_t> seq{~0ull};
    std::atomic<std::int64_t> t_start{0}; ///< intended (open loop) or actual (closed loop) send time, ns
    std::atomic<std::uint32_t> session{0};
    std::atomic<std::uint32_t> step{0};
    std::atomic<std::uint32_t> flags{0};
    std::atomic<std::uint8_t> kind{0}; ///< op_kind
};

class op_table {
public:
    explicit op_table(std::size_t capacity_pow2 = 1u << 20)
        : mask_(capacity_pow2 - 1), slots_(std::make_unique<op_slot[]>(capacity_pow2)) {}

    /// Claims the slot of `seq`; false when it is still in use (more operations in flight than slots).
    bool claim(std::uint64_t seq, std::uint32_t session, std::uint32_t step, std::int64_t t_start,
               std::uint8_t kind = 0) {
        op_slot& s = slots_[seq & mask_];
        std::uint32_t expected = 0;
        if (!s.flags.compare_exchange_strong(expected, op_flag::in_use, std::memory_order_acq_rel)) {
            return false;
        }
        s.session.store(session, std::memory_order_relaxed);
        s.step.store(step, std::memory_order_relaxed);
        s.kind.store(kind, std::memory_order_relaxed);
        s.t_start.store(t_start, std::memory_order_relaxed);
        s.seq.store(seq, std::memory_order_release);
        return true;
    }

    /// The slot for `seq`, or null when the sequence number is unknown or already finished.
    op_slot* find(std::uint64_t seq) {
        op_slot& s = slots_[seq & mask_];
        if (s.seq.load(std::memory_order_acquire) != seq
            || (s.flags.load(std::memory_order_acquire) & op_flag::in_use) == 0) {
            return nullptr;
        }
        return &s;
    }

    /// Sets `bit`; returns the previous flags. Frees the slot when the operation is complete
    /// (acked and called back, or rejected); `completed` then is true.
    std::uint32_t mark(op_slot& s, std::uint32_t bit, bool& completed) {
        std::uint32_t old = s.flags.fetch_or(bit, std::memory_order_acq_rel);
        std::uint32_t now = old | bit;
        completed = false;
        bool done = (now & op_flag::rejected) != 0
                    || ((now & op_flag::called) != 0 && (now & (op_flag::acked | op_flag::ack_lost)) != 0);
        if (done && (old & op_flag::in_use) != 0) {
            // Exactly one thread wins the transition to "free".
            if (s.flags.compare_exchange_strong(now, 0, std::memory_order_acq_rel)) {
                s.seq.store(~0ull, std::memory_order_release);
                completed = true;
            }
        }
        return old;
    }

    std::size_t capacity() const noexcept { return mask_ + 1; }
    op_slot& at(std::size_t i) { return slots_[i]; }

private:
    std::size_t mask_;
    std::unique_ptr<op_slot[]> slots_;
};

} // namespace tsm::tools::loadgen
