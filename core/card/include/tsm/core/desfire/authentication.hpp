#pragma once
/// EV1 ISO (1A, DES-family keys) and AES (AA) three-pass authentication, both sides. CBC runs
/// with the IV reset to zero only at the start and chained through every frame (section 5.3).
/// The host side (reader/TSM) needs a live card challenge, so an authentication spans two
/// round trips of native commands: `command()` then `answer(ek_rnd_b)` then `finish(...)`.
/// A 2K3DES key whose halves are equal is DES to the card: both sides then open a DES session
/// (8-byte session key, session::type() == des), as the EV1 traces show.
#include "tsm/core/desfire/crypto.hpp"
#include "tsm/core/desfire/secure_messaging.hpp"

#include <cstdint>
#include <optional>

namespace tsm::core::desfire {

/// Host (PCD) side. One object per authentication attempt.
class host_authentication {
public:
    /// `rnd_a` is challenge_length(key.type) bytes (random; injectable for tests).
    host_authentication(desfire_key key, std::uint8_t key_no, bytes rnd_a);

    /// Native command opening the exchange: AA keyNo for AES keys, 1A keyNo otherwise.
    bytes command() const;
    /// Takes the card's encrypted RndB (data of the 91AF answer) and returns the native
    /// continuation `AF || E(RndA || rotl1(RndB))`. bad_length when ek_rnd_b has the wrong size.
    result<bytes> answer(std::string_view ek_rnd_b);
    /// Takes the card's final answer data (E(rotl1(RndA))); on success the secure-messaging
    /// session (IV zero). card_cryptogram_mismatch when the card did not prove the key;
    /// not_authenticated before a successful answer().
    result<session> finish(std::string_view ek_rnd_a_rotated);

private:
    desfire_key key_;
    std::uint8_t key_no_;
    bytes rnd_a_;
    bytes rnd_b_;
    bytes iv_;
};

/// Card (PICC) side, for the sandbox card and for tests.
class card_authentication {
public:
    /// `rnd_b` is challenge_length(key.type) bytes.
    card_authentication(desfire_key key, bytes rnd_b);

    /// E(RndB): the data of the card's first answer (status AF).
    result<bytes> challenge();
    /// Takes the host's token (the data after AF: E(RndA || rotl1(RndB))). On success returns
    /// the data of the final answer (E(rotl1(RndA))) and `session()` becomes available;
    /// card_cryptogram_mismatch when rotl1(RndB) does not match (the card answers AE);
    /// not_authenticated before challenge().
    result<bytes> verify(std::string_view token);
    /// The session established by a successful verify(); nullopt before.
    const std::optional<session>& established() const noexcept { return session_; }

private:
    desfire_key key_;
    bytes rnd_b_;
    bytes iv_;
    std::optional<session> session_;
};

/// rotl1: rotate left by one byte.
bytes rotate_left(std::string_view data);

} // namespace tsm::core::desfire
