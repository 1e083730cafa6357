#include "tsm/core/desfire/authentication.hpp"

#include "tsm/core/gp/crypto.hpp"

#include <utility>

namespace tsm::core::desfire {
namespace {

constexpr char more_frames = '\xAF';

std::string_view last_block(std::string_view data, key_type t) {
    return data.substr(data.size() - block_size(t));
}

// A 2K3DES key whose halves are equal is a DES key to the card: it derives the 8-byte DES
// session key (the Elmue traces authenticate a 16-byte zero key into an 8-byte session).
key_type session_type(const desfire_key& key) {
    const auto v = key.value.view();
    if (key.type == key_type::tdes2 && v.size() == 16 && gp::equal_ct(v.substr(0, 8), v.substr(8))) {
        return key_type::des;
    }
    return key.type;
}

result<session> open_session(const desfire_key& key, std::string_view rnd_a, std::string_view rnd_b) {
    const key_type t = session_type(key);
    // DES and 2K3DES both use 8-byte challenges, so switching to DES needs nothing else.
    auto sk = session_key(t, rnd_a, rnd_b);
    if (!sk) {
        return sk.error();
    }
    return session(t, std::move(*sk));
}

} // namespace

bytes rotate_left(std::string_view data) {
    if (data.empty()) {
        return {};
    }
    bytes out(data.substr(1));
    out.push_back(data.front());
    return out;
}

host_authentication::host_authentication(desfire_key key, std::uint8_t key_no, bytes rnd_a)
    : key_(std::move(key)), key_no_(key_no), rnd_a_(std::move(rnd_a)), iv_(block_size(key_.type), '\0') {}

bytes host_authentication::command() const {
    const char cmd = key_.type == key_type::aes ? '\xAA' : '\x1A';
    return bytes{cmd, static_cast<char>(key_no_)};
}

result<bytes> host_authentication::answer(std::string_view ek_rnd_b) {
    const std::size_t n = challenge_length(key_.type);
    if (ek_rnd_b.size() != n || rnd_a_.size() != n) {
        return gp::errc::bad_length;
    }
    auto rnd_b = cbc_decrypt(key_.type, key_.value, iv_, ek_rnd_b);
    if (!rnd_b) {
        return rnd_b.error();
    }
    rnd_b_ = std::move(*rnd_b);
    // The IV runs on through every frame of the exchange (reset only at the start).
    iv_ = bytes(last_block(ek_rnd_b, key_.type));
    bytes plain = rnd_a_ + rotate_left(rnd_b_);
    auto token = cbc_encrypt(key_.type, key_.value, iv_, plain);
    gp::wipe(plain);
    if (!token) {
        return token.error();
    }
    iv_ = bytes(last_block(*token, key_.type));
    return more_frames + *token;
}

result<session> host_authentication::finish(std::string_view ek_rnd_a_rotated) {
    if (rnd_b_.empty()) {
        return gp::errc::not_authenticated;
    }
    if (ek_rnd_a_rotated.size() != challenge_length(key_.type)) {
        return gp::errc::bad_length;
    }
    auto proof = cbc_decrypt(key_.type, key_.value, iv_, ek_rnd_a_rotated);
    if (!proof) {
        return proof.error();
    }
    const bool ok = gp::equal_ct(*proof, rotate_left(rnd_a_));
    gp::wipe(*proof);
    if (!ok) {
        return gp::errc::card_cryptogram_mismatch;
    }
    auto s = open_session(key_, rnd_a_, rnd_b_);
    gp::wipe(rnd_a_);
    gp::wipe(rnd_b_);
    return s;
}

card_authentication::card_authentication(desfire_key key, bytes rnd_b)
    : key_(std::move(key)), rnd_b_(std::move(rnd_b)) {}

result<bytes> card_authentication::challenge() {
    if (rnd_b_.size() != challenge_length(key_.type)) {
        return gp::errc::bad_length;
    }
    auto ek = cbc_encrypt(key_.type, key_.value, bytes(block_size(key_.type), '\0'), rnd_b_);
    if (!ek) {
        return ek.error();
    }
    iv_ = bytes(last_block(*ek, key_.type));
    return ek;
}

result<bytes> card_authentication::verify(std::string_view token) {
    if (iv_.empty()) {
        return gp::errc::not_authenticated; // challenge() first
    }
    const std::size_t n = challenge_length(key_.type);
    if (token.size() != 2 * n) {
        return gp::errc::bad_length;
    }
    auto plain = cbc_decrypt(key_.type, key_.value, iv_, token);
    if (!plain) {
        return plain.error();
    }
    iv_ = bytes(last_block(token, key_.type));
    const std::string_view p(*plain);
    if (!gp::equal_ct(p.substr(n), rotate_left(rnd_b_))) {
        gp::wipe(*plain);
        return gp::errc::card_cryptogram_mismatch;
    }
    bytes rnd_a(p.substr(0, n));
    gp::wipe(*plain);
    bytes rotated = rotate_left(rnd_a);
    auto answer = cbc_encrypt(key_.type, key_.value, iv_, rotated);
    gp::wipe(rotated);
    if (!answer) {
        gp::wipe(rnd_a);
        return answer.error();
    }
    auto s = open_session(key_, rnd_a, rnd_b_);
    gp::wipe(rnd_a);
    if (!s) {
        return s.error();
    }
    session_.emplace(std::move(*s));
    iv_ = bytes(last_block(*answer, key_.type));
    return answer;
}

} // namespace tsm::core::desfire
