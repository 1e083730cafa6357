#pragma once
/// The one place that knows every operation kind: kind -> {validate(payload), build(record,
/// session, done)}. The session service requires it: an operation whose kind is not registered is
/// refused at accept, and a stored one that cannot be rebuilt fails with internal-error.
/// Filled once per shard at start-up (register_operation_kinds.hpp), read-only afterwards; used on
/// its shard's thread only (build completions run on that shard).
#include "tsm/core/api_error.hpp"
#include "tsm/core/operation.hpp"
#include "tsm/core/records.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::core {

class operation_registry {
public:
    /// Exactly one of the two is set: the operation, or why it cannot run (it then fails).
    using done_handler = std::function<void(std::unique_ptr<operation>, std::optional<operation_outcome>)>;
    /// Whether `payload` is a well-formed request of the kind; a refusal names the problem (400).
    using validate_fn = std::function<api_status(std::string_view payload)>;
    /// Builds the live operation when it reaches the head of its session's queue. May complete
    /// later (keys and load files are read from the store); `done` runs on the session's shard.
    using build_fn =
        std::function<void(const operation_record& op, const session_record& session, done_handler done)>;

    struct kind {
        validate_fn validate;
        build_fn build;
    };

    /// Registers `name`. Throws std::logic_error for an empty name, a missing function or a
    /// kind registered twice (a wiring mistake, found at start-up).
    void add(std::string_view name, kind k);

    bool knows(std::string_view name) const noexcept;
    /// bad_request for an unknown kind or a malformed payload.
    [[nodiscard]] api_status validate(std::string_view name, std::string_view payload) const;
    /// An unknown kind fails the operation (internal-error): its record came from an older or
    /// newer server.
    void build(const operation_record& op, const session_record& session, done_handler done) const;

    /// The registered names, in order (start-up checks and tests).
    std::vector<std::string> names() const;

private:
    std::map<std::string, kind, std::less<>> kinds_;
};

/// An operation that fails with `e`: its HTTP status, wire code and message.
operation_outcome failed_outcome(const api_error& e);

} // namespace tsm::core
