// Payload codecs for the DESFire operation records: version byte 01, then each field as a
// 4-byte big-endian length + bytes (the CCM record layout). Fixed-size fields keep their exact
// size, so a record written by another layout never decodes by accident. create_app payloads
// carry the application keys; the integrator seals them before they are stored.
#include "tsm/core/desfire/operations.hpp"

#include "tsm/core/gp/secret_key.hpp"

#include <algorithm>
#include <cstdint>

namespace tsm::core::desfire {
namespace {

constexpr char payload_version = '\x01';
constexpr std::size_t max_list = 0xFFFF;

class writer {
public:
    writer() { out_.push_back(payload_version); }
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
    /// 3 bytes; an out-of-range id keeps all 4 so that decoding refuses it instead of truncating.
    writer& aid(application_id v) {
        std::string b{static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
        if (v > 0xFFFFFF) {
            b.insert(b.begin(), static_cast<char>(v >> 24));
        }
        return field(b);
    }
    bytes done() { return std::move(out_); }

private:
    bytes out_;
};

class reader {
public:
    explicit reader(std::string_view p) : p_(p) {
        ok_ = !p_.empty() && p_[0] == payload_version;
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
        const std::uint32_t n = (std::uint32_t(u[0]) << 24) | (std::uint32_t(u[1]) << 16) |
                                (std::uint32_t(u[2]) << 8) | std::uint32_t(u[3]);
        p_.remove_prefix(4);
        if (p_.size() < n) {
            ok_ = false;
            return {};
        }
        bytes v(p_.substr(0, n));
        p_.remove_prefix(n);
        return v;
    }
    /// A field of exactly `n` bytes, big-endian, as an integer.
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
    application_id aid() { return fixed(3); }
    bool ok() const { return ok_; }
    /// True when everything decoded and nothing is left over.
    bool finished() const { return ok_ && p_.empty(); }

private:
    std::string_view p_;
    bool ok_ = false;
};

void wipe_keys(create_app_request& r) {
    for (auto& k : r.keys) {
        gp::wipe(k);
    }
    r.keys.clear();
}

} // namespace

// create_app: aid(3) KS1(1) numberOfKeys(1) keyType(1) isoFileId(0|2) isoDfName keysVersion(1)
// keyCount(2) key x keyCount.
bytes encode_create_app_request(const create_app_request& r) {
    writer w;
    w.aid(r.aid).u8(r.key_settings).u8(r.number_of_keys).u8(static_cast<std::uint8_t>(r.keys_type));
    if (r.iso_file_id) {
        w.u16(*r.iso_file_id);
    } else {
        w.field({});
    }
    w.field(r.iso_df_name).u8(r.keys_version).u16(static_cast<std::uint16_t>(r.keys.size()));
    for (const auto& k : r.keys) {
        w.field(k);
    }
    return w.done();
}

std::optional<create_app_request> decode_create_app_request(std::string_view payload) {
    reader in(payload);
    create_app_request r;
    r.aid = in.aid();
    r.key_settings = in.u8();
    r.number_of_keys = in.u8();
    r.keys_type = static_cast<key_type>(in.u8(static_cast<std::uint8_t>(key_type::aes)));
    const bytes fid = in.field();
    if (fid.size() == 2) {
        r.iso_file_id = static_cast<std::uint16_t>((static_cast<unsigned char>(fid[0]) << 8) |
                                                   static_cast<unsigned char>(fid[1]));
    } else if (!fid.empty()) {
        return std::nullopt;
    }
    r.iso_df_name = in.field();
    r.keys_version = in.u8();
    const std::size_t n = in.u16();
    for (std::size_t i = 0; in.ok() && i < n; ++i) {
        r.keys.push_back(in.field());
    }
    if (!in.finished() || validate(r)) {
        wipe_keys(r);
        return std::nullopt;
    }
    return r;
}

// commands: aid(3) count(2) command x count.
bytes encode_commands_request(const commands_request& r) {
    writer w;
    w.aid(r.aid).u16(static_cast<std::uint16_t>(std::min(r.commands.size(), max_list)));
    for (const auto& c : r.commands) {
        w.field(c);
    }
    return w.done();
}

std::optional<commands_request> decode_commands_request(std::string_view payload) {
    reader in(payload);
    commands_request r;
    r.aid = in.aid();
    const std::size_t n = in.u16();
    for (std::size_t i = 0; in.ok() && i < n; ++i) {
        r.commands.push_back(in.field());
    }
    if (!in.finished() || validate(r)) {
        return std::nullopt;
    }
    return r;
}

// delete_app: aid(3).
bytes encode_delete_app_request(const delete_app_request& r) {
    return writer().aid(r.aid).done();
}

std::optional<delete_app_request> decode_delete_app_request(std::string_view payload) {
    reader in(payload);
    delete_app_request r;
    r.aid = in.aid();
    if (!in.finished() || validate(r)) {
        return std::nullopt;
    }
    return r;
}

} // namespace tsm::core::desfire
