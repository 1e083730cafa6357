#pragma once
/// Turns a persisted operation record into a live operation when it reaches the head of its
/// session's queue. Some kinds need data that is not in the record and must be loaded first
/// (card keys, the executable load file), so building may complete asynchronously.
#include "tsm/core/operation.hpp"
#include "tsm/core/records.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string_view>

namespace tsm::core {

class operation_builder {
public:
    /// Exactly one of the two is set: the operation, or why it cannot run (it then fails).
    using done_handler =
        std::function<void(std::unique_ptr<operation>, std::optional<operation_outcome>)>;

    virtual ~operation_builder() = default;
    /// Whether `payload` is a well-formed request of `kind`; checked before an operation is
    /// accepted, so a malformed one is refused with 400 and never stored.
    virtual bool accepts(std::string_view kind, std::string_view payload) const = 0;
    /// Builds the live operation. `done` must run on the session's shard (inline is fine).
    virtual void build(const operation_record& op, const session_record& session,
                       done_handler done) = 0;
};

/// The kinds that need nothing beyond their record (transceive).
class basic_operation_builder : public operation_builder {
public:
    bool accepts(std::string_view kind, std::string_view payload) const override;
    void build(const operation_record& op, const session_record& session, done_handler done) override;
};

} // namespace tsm::core
