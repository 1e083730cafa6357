#pragma once
// The record layout of the operation payloads (CCM and DESFire): version byte 01, then each
// field as a 4-byte big-endian length + bytes. Small integers are fields of their exact size,
// big-endian, so a record written by another layout never decodes by accident.
#include "tsm/core/hex.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace tsm::core::payload {

inline constexpr char version = '\x01';

class writer {
public:
    writer() { out_.push_back(version); }
    writer& field(std::string_view v) {
        const auto n = static_cast<std::uint32_t>(v.size());
        out_.push_back(static_cast<char>(n >> 24));
        out_.push_back(static_cast<char>(n >> 16));
        out_.push_back(static_cast<char>(n >> 8));
        out_.push_back(static_cast<char>(n));
        out_.append(v);
        return *this;
    }
    writer& u8(std::uint8_t v) { return field(std::string(1, static_cast<char>(v))); }
    writer& u16(std::uint16_t v) {
        return field(std::string{static_cast<char>(v >> 8), static_cast<char>(v)});
    }
    bytes done() { return std::move(out_); }

private:
    bytes out_;
};

/// Reads fields in order; the first malformed one (or a wrong version byte) makes ok() false
/// for good, and every later read returns an empty or zero value.
class reader {
public:
    explicit reader(std::string_view p) : p_(p) {
        ok_ = !p_.empty() && p_[0] == version;
        if (ok_) {
            p_.remove_prefix(1);
        }
    }
    bytes field() {
        if (!ok_ || p_.size() < 4) {
            ok_ = false;
            return {};
        }
        const auto* u = reinterpret_cast<const unsigned char*>(p_.data());
        const std::uint32_t n = (std::uint32_t(u[0]) << 24) | (std::uint32_t(u[1]) << 16)
                                | (std::uint32_t(u[2]) << 8) | std::uint32_t(u[3]);
        p_.remove_prefix(4);
        if (p_.size() < n) {
            ok_ = false;
            return {};
        }
        bytes v(p_.substr(0, n));
        p_.remove_prefix(n);
        return v;
    }
    /// A field of exactly `n` bytes (at most 4), big-endian, as an integer.
    std::uint32_t fixed(std::size_t n) {
        const bytes v = field();
        if (!ok_ || v.size() != n) {
            ok_ = false;
            return 0;
        }
        std::uint32_t x = 0;
        for (char c : v) {
            x = (x << 8) | static_cast<unsigned char>(c);
        }
        return x;
    }
    /// A one-byte field whose value is at most `max`.
    std::uint8_t u8(std::uint8_t max = 0xFF) {
        const auto v = fixed(1);
        if (v > max) {
            ok_ = false;
        }
        return static_cast<std::uint8_t>(v);
    }
    std::uint16_t u16() { return static_cast<std::uint16_t>(fixed(2)); }
    bool ok() const { return ok_; }
    /// True when everything decoded and nothing is left over.
    bool finished() const { return ok_ && p_.empty(); }

private:
    std::string_view p_;
    bool ok_ = false;
};

} // namespace tsm::core::payload
