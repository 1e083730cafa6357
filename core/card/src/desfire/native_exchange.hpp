#pragma once
// The exchange every DESFire operation shares: native commands ISO 7816-4 wrapped (reference
// notes 5.1), split into AF frames when long, answers split into data and status, the failure
// outcomes of operations.hpp, and the two round trips of an ISO/AES authentication.
#include "bad_request.hpp"
#include "tsm/core/desfire/authentication.hpp"
#include "tsm/core/desfire/operations.hpp"
#include "tsm/core/operation.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tsm::core::desfire::detail {

/// Data bytes one native frame carries after its command (or AF) byte: 1 + 54 = 55, libfreefare's
/// FRAME_PAYLOAD_SIZE, which every EV1 card takes.
inline constexpr std::size_t max_frame_data = 54;

inline constexpr std::uint8_t status_ok = 0x00;
inline constexpr std::uint8_t status_authentication_error = 0xAE;
inline constexpr std::uint8_t status_more_frames = 0xAF;

inline constexpr std::uint8_t ins_select_application = 0x5A;
inline constexpr std::uint8_t ins_create_application = 0xCA;
inline constexpr std::uint8_t ins_delete_application = 0xDA;
inline constexpr std::uint8_t ins_change_key = 0xC4;
inline constexpr std::uint8_t ins_more_frames = 0xAF;

/// `00 A4 04 00 07 D2760000850100 00`: selects the DESFire application (PICC level).
bytes select_desfire();
/// `90 INS 00 00 [Lc data] 00` for a native command INS || data (data at most 255 bytes).
bytes wrap(std::string_view native);
/// The native command as ISO-wrapped frames: INS || first data, then AF || next data, each
/// frame carrying at most max_frame_data data bytes. One frame for short commands.
std::vector<bytes> wrap_frames(std::string_view native);
/// `90 AF 00 00 00`: asks for the next frame of an answer that ended in 91AF.
bytes more_frames_request();
/// The AID as the card takes it: 3 bytes, LSB first.
bytes aid_bytes(application_id aid);
/// Native SelectApplication (5A aid).
bytes select_application(application_id aid);

/// One response APDU split into its data and status word.
struct answer {
    bytes data;
    std::uint16_t sw = 0;

    /// A DESFire status (SW1 = 91) rather than an ISO status word.
    bool native() const noexcept { return (sw >> 8) == 0x91; }
    std::uint8_t status() const noexcept { return static_cast<std::uint8_t>(sw & 0xFF); }
    bool ok() const noexcept { return sw == 0x9100; }
    bool more() const noexcept { return sw == 0x91AF; }
};
/// `response` has at least the two status bytes (the session engine guarantees it).
answer read_answer(std::string_view response);

/// "desfire-error": command_name(ins), the status as 2 hex digits, status_name() as message.
operation_outcome desfire_error(std::uint8_t ins, std::uint8_t status);
/// "card-error" for an ISO status word (SELECT failed, or a wrapped command the card did not
/// take as DESFire: 6E00, 6700, ...): the command and the 4-digit SW.
operation_outcome card_error(std::string_view command, std::uint16_t sw);
/// The failure for a native command's answer that is not 9100.
operation_outcome answer_error(std::uint8_t ins, const answer& a);
operation_outcome authentication_failed(std::string message);
operation_outcome secure_messaging_error(std::string message);
operation_outcome touch_point_error(std::string message);
operation_outcome internal_error(std::string message);

/// Batches go out with stop_on_error off (the touch point would stop at the first 91xx), so
/// every command must be answered: fewer answers than commands is a touch-point error.
std::optional<operation_outcome> check_answered(const std::vector<bytes>& responses, std::size_t sent);

/// `n` random bytes from `source` (tests) or RAND_bytes; nullopt when none are available.
std::optional<bytes> random_bytes(const std::function<bytes(std::size_t)>& source, std::size_t n);

/// ISO (1A) / AES (AA) authentication as two round trips of an operation: command_apdu() goes
/// out, on_challenge() turns the card's 91AF E(RndB) into the continuation frame, on_proof()
/// checks E(rotl1(RndA)) and yields the secure-messaging session. Status AE or a proof that
/// does not verify gives "authentication-failed"; any other status "desfire-error".
class authenticator {
public:
    /// `what` names the key in messages ("PICC master key 0", "application key 0").
    authenticator(desfire_key key, std::uint8_t key_no, bytes rnd_a, std::string what);

    bytes command_apdu() const;
    std::variant<bytes, operation_outcome> on_challenge(std::string_view response);
    /// on_challenge() for a batch that ran SelectApplication just before the authentication:
    /// its answer must be 9100 first.
    std::variant<bytes, operation_outcome> on_challenge_after_select(std::string_view select_response,
                                                                     std::string_view response);
    std::variant<session, operation_outcome> on_proof(std::string_view response);

private:
    /// "authentication-failed" naming the command and the key: "<command> with the <what>: <why>".
    operation_outcome failed(std::string_view why) const;

    host_authentication auth_;
    std::uint8_t ins_;
    std::string what_;
};

/// Base of the operations that open with the PICC master key (createApp, deleteApp):
///   round 1: SELECT DESFire, SelectApplication(000000), Authenticate(picc_key_no)
///   round 2: the authentication answer (the card's proof is checked before anything else goes
///            out; a failure ends the operation there)
/// then the subclass's rounds, in which picc_session() keeps the CMAC chain. Every batch goes
/// out with stop_on_error off and must be fully answered (check_answered). Key material (the
/// context's PICC key, the subclass's through wipe()) is cleared when the operation finishes.
class picc_operation : public operation {
public:
    explicit picc_operation(card_context ctx);
    ~picc_operation() override;

    operation_step start() final;
    operation_step on_responses(std::vector<bytes> responses) final;

protected:
    /// Request validation; an outcome refuses the operation before anything is sent.
    virtual std::optional<operation_outcome> check() const = 0;
    /// The first step once the PICC session is open.
    virtual operation_step authenticated() = 0;
    /// The answers to a batch the subclass sent (already checked to be complete).
    virtual operation_step on_script(const std::vector<bytes>& responses) = 0;
    /// Clears the subclass's key material.
    virtual void wipe() noexcept {}

    operation_step send(std::vector<bytes> commands);
    operation_step finish(operation_outcome o);
    session& picc_session() { return *session_; }
    const card_context& context() const noexcept { return ctx_; }

private:
    enum class phase { idle, challenge, proof, script, done };

    operation_step on_challenge(const std::vector<bytes>& responses);
    operation_step on_proof(const std::vector<bytes>& responses);

    card_context ctx_;
    phase phase_ = phase::idle;
    std::size_t sent_ = 0;
    std::optional<authenticator> auth_;
    std::optional<session> session_;
};

} // namespace tsm::core::desfire::detail
