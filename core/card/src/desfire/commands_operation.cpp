// /desfire/ev1/commands: the SP's native commands, plain (no authentication), in its application.
//
// Every batch goes out with stop_on_error off (the touch point would stop at the first 91xx).
// Since the card runs a whole batch even after an error, a batch may carry past a command only
// what cannot change the card: a batch holds one command of any kind (all its frames) followed
// only by read-only commands, and ends after a command whose answer may continue in more frames
// (91AF has to be answered with 90 AF 00 00 00 before the card takes anything else):
//   round 1  SELECT DESFire, SelectApplication(aid), command 1 [+ read-only commands]
//   round k  the next command [+ read-only commands], or 90 AF 00 00 00 for an answer that
//            ended in 91AF
// so reads ride along and each command that changes the card costs a round trip. A command
// longer than 1 + 54 bytes goes as AF continuation frames in the same batch (the card answers
// 91AF to each but the last). GetVersion, whose answer always has three frames, gets its two
// 90 AF frames in the same batch. SelectApplication failing (A0) leaves the card at PICC level,
// where the one command behind it cannot do harm: validate() refuses PICC management commands.
//
// Success: responses = one entry per command, the data of all its answer frames || 91 || final
// status (00). A status other than 00/AF ends the operation with desfire-error naming the
// command; the responses so far, the failed command's included, come with it.
#include "native_exchange.hpp"

#include <memory>

namespace tsm::core::desfire {
namespace {

using namespace detail;

// Guards against a card (or a touch point) that never stops answering 91AF.
constexpr std::size_t max_answer_bytes = 64 * 1024;
constexpr std::size_t max_continuations = max_answer_bytes / 32;

struct command_traits {
    bool read_only = false;        ///< changes nothing on the card
    bool may_continue = true;      ///< its answer may end in 91AF (more frames)
    std::size_t answer_frames = 1; ///< frames its answer always has (asked for up front)
};

command_traits traits(std::uint8_t ins) {
    switch (ins) {
    case 0x60: return {true, true, 3};  // GetVersion: hardware, software, UID/batch
    case 0x6A:                          // GetApplicationIDs
    case 0x6D:                          // GetDFNames
    case 0x61:                          // GetISOFileIDs
    case 0xBD:                          // ReadData
    case 0xBB: return {true, true, 1};  // ReadRecords
    case 0x6E:                          // FreeMemory
    case 0x45:                          // GetKeySettings
    case 0x64:                          // GetKeyVersion
    case 0x51:                          // GetCardUID
    case 0x6F:                          // GetFileIDs
    case 0xF5:                          // GetFileSettings
    case 0x6C: return {true, false, 1}; // GetValue
    case 0x54:
    case 0xC4:
    case 0xC6: // key management
    case 0x5F:
    case 0xCD:
    case 0xCB:
    case 0xCC:
    case 0xC1:
    case 0xC0:
    case 0xDF: // files
    case 0x3D:
    case 0x3B:
    case 0x0C:
    case 0xDC:
    case 0x1C:
    case 0xEB:
    case 0xC7:
    case 0xA7: // data
        return {false, false, 1};
    default: return {}; // unknown: may change the card, may continue
    }
}

class commands_operation final : public operation {
public:
    explicit commands_operation(commands_request req) : req_(std::move(req)) {}

    operation_step start() override {
        if (phase_ != phase::idle) {
            return finish(internal_error("operation started twice"));
        }
        if (auto e = validate(req_)) {
            return finish(bad_request(*e));
        }
        phase_ = phase::running;
        plan_.clear();
        std::vector<bytes> batch{select_desfire(), wrap(select_application(req_.aid))};
        plan_.push_back({slot::kind::select, 0});
        plan_.push_back({slot::kind::select_application, 0});
        fill(batch);
        return send(std::move(batch));
    }

    operation_step on_responses(std::vector<bytes> responses) override {
        if (phase_ != phase::running) {
            return finish(internal_error("responses while no batch was outstanding"));
        }
        if (auto bad = check_answered(responses, plan_.size())) {
            return finish(std::move(*bad));
        }
        for (std::size_t i = 0; i < plan_.size(); ++i) {
            if (auto done = on_answer(i, read_answer(responses[i]))) {
                return finish(std::move(*done));
            }
        }
        if (continuing_) {
            if (++continuations_ > max_continuations) {
                operation_outcome o = desfire_error(ins_of(*continuing_), status_more_frames);
                o.error_message = "the answer goes on in frames without end";
                return finish(std::move(o));
            }
            plan_.assign(1, slot{slot::kind::more, *continuing_});
            return send({more_frames_request()});
        }
        if (next_ == req_.commands.size()) {
            operation_outcome o;
            o.responses = std::move(responses_);
            return finish(std::move(o));
        }
        plan_.clear();
        std::vector<bytes> batch;
        fill(batch);
        return send(std::move(batch));
    }

private:
    enum class phase { idle, running, done };

    /// What one command of the batch in flight is.
    struct slot {
        enum class kind {
            select,             ///< SELECT DESFire
            select_application, ///< SelectApplication(aid)
            frame,              ///< a frame of command `index` other than its last
            last_frame,         ///< the last (or only) frame of command `index`
            more,               ///< 90 AF for the next answer frame of command `index`
            planned_more,       ///< 90 AF sent up front for an answer known to continue
        };
        kind what;
        std::size_t index;
    };

    std::uint8_t ins_of(std::size_t index) const {
        return static_cast<std::uint8_t>(req_.commands[index][0]);
    }

    /// Adds the next command, then the read-only commands that may follow it.
    void fill(std::vector<bytes>& batch) {
        bool first = true;
        while (next_ < req_.commands.size()) {
            const std::uint8_t ins = ins_of(next_);
            const command_traits t = traits(ins);
            if (!first && !t.read_only) {
                break;
            }
            auto frames = wrap_frames(req_.commands[next_]);
            for (std::size_t f = 0; f < frames.size(); ++f) {
                batch.push_back(std::move(frames[f]));
                plan_.push_back({f + 1 == frames.size() ? slot::kind::last_frame : slot::kind::frame, next_});
            }
            for (std::size_t extra = 1; extra < t.answer_frames; ++extra) {
                batch.push_back(more_frames_request());
                plan_.push_back({slot::kind::planned_more, next_});
            }
            ++next_;
            first = false;
            if (t.may_continue && t.answer_frames == 1) {
                break; // an answer that may continue must be followed before anything else
            }
        }
        data_.clear();
        current_done_ = false;
    }

    operation_step send(std::vector<bytes> batch) {
        return operation_step::send(apdu_batch{std::move(batch), false, {}});
    }

    operation_step finish(operation_outcome o) {
        phase_ = phase::done;
        plan_.clear();
        return operation_step::finish(std::move(o));
    }

    operation_outcome failed(std::size_t index, const answer& a) {
        operation_outcome o = answer_error(ins_of(index), a);
        bytes entry = std::move(data_);
        entry += a.data;
        entry.push_back('\x91');
        entry.push_back(static_cast<char>(a.status()));
        responses_.push_back(std::move(entry));
        o.responses = std::move(responses_);
        return o;
    }

    /// Handles the answer to plan_[i]; an outcome ends the operation.
    std::optional<operation_outcome> on_answer(std::size_t i, const answer& a) {
        const slot& s = plan_[i];
        switch (s.what) {
        case slot::kind::select:
            if (a.sw != 0x9000 && (a.sw >> 8) != 0x61) {
                return card_error("SELECT", a.sw);
            }
            return std::nullopt;
        case slot::kind::select_application:
            if (!a.ok()) {
                return answer_error(ins_select_application, a);
            }
            return std::nullopt;
        case slot::kind::frame:
            if (current_index_ != s.index) {
                start_command(s.index);
            }
            if (a.more()) {
                return std::nullopt; // the card wants the next frame
            }
            if (a.ok()) {
                operation_outcome o = desfire_error(ins_of(s.index), status_ok);
                o.error_message =
                    "the card finished the command before its last frame (does its length match?)";
                return o;
            }
            return failed(s.index, a);
        case slot::kind::planned_more:
            if (current_done_) {
                return std::nullopt; // the answer ended sooner than planned; this frame was spare
            }
            [[fallthrough]];
        case slot::kind::last_frame:
        case slot::kind::more:
            if (current_index_ != s.index) {
                start_command(s.index);
            }
            if (a.more()) {
                data_ += a.data;
                if (data_.size() > max_answer_bytes) {
                    operation_outcome o = desfire_error(ins_of(s.index), status_more_frames);
                    o.error_message = "the answer goes on beyond 64 KiB";
                    return o;
                }
                const bool planned_next = i + 1 < plan_.size()
                                          && plan_[i + 1].what == slot::kind::planned_more
                                          && plan_[i + 1].index == s.index;
                if (planned_next) {
                    return std::nullopt;
                }
                if (i + 1 == plan_.size()) {
                    continuing_ = s.index;
                    return std::nullopt;
                }
                // Something else went out behind an answer that was still going on.
                operation_outcome o = desfire_error(ins_of(s.index), status_more_frames);
                o.error_message = "the answer continues in more frames, which this command does not do";
                return o;
            }
            continuing_.reset();
            if (!a.ok()) {
                return failed(s.index, a);
            }
            data_ += a.data;
            data_.push_back('\x91');
            data_.push_back('\0');
            responses_.push_back(std::move(data_));
            data_.clear();
            current_done_ = true;
            return std::nullopt;
        }
        return internal_error("unknown batch slot");
    }

    void start_command(std::size_t index) {
        continuations_ = 0;
        current_index_ = index;
        current_done_ = false;
        data_.clear();
    }

    commands_request req_;
    phase phase_ = phase::idle;
    std::size_t next_ = 0;                  ///< the first command not sent yet
    std::vector<slot> plan_;                ///< the batch in flight, one slot per APDU
    std::optional<std::size_t> continuing_; ///< the command whose answer ended in 91AF
    std::size_t current_index_ = static_cast<std::size_t>(-1);
    bool current_done_ = false;
    std::size_t continuations_ = 0; ///< 90 AF round trips for the current command
    bytes data_;                    ///< answer data of the current command so far
    std::vector<bytes> responses_;
};

} // namespace

std::unique_ptr<operation> make_commands(commands_request req) {
    return std::make_unique<commands_operation>(std::move(req));
}

} // namespace tsm::core::desfire
