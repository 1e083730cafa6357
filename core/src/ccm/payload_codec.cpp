// Payload codecs for the CCM operation records: version byte 01, then each field as a 4-byte
// big-endian length + bytes. No key material is ever part of a payload.
#include "tsm/core/ccm/operations.hpp"

#include <cstdint>

namespace tsm::core::ccm {
namespace {

constexpr char payload_version = '\x01';

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
    writer& flag(std::uint8_t v) { return field(std::string(1, static_cast<char>(v))); }
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
    /// A one-byte field whose value is at most `max`.
    std::uint8_t flag(std::uint8_t max) {
        const bytes v = field();
        if (!ok_ || v.size() != 1 || static_cast<std::uint8_t>(v[0]) > max) {
            ok_ = false;
            return 0;
        }
        return static_cast<std::uint8_t>(v[0]);
    }
    /// True when everything decoded and nothing is left over.
    bool finished() const { return ok_ && p_.empty(); }

private:
    std::string_view p_;
    bool ok_ = false;
};

} // namespace

bytes encode_install_request(const install_request& r) {
    return writer()
        .field(r.elf_aid)
        .field(r.lfdb)
        .field(r.module_aid)
        .field(r.instance_aid)
        .field(r.params)
        .field(r.privileges)
        .done();
}

std::optional<install_request> decode_install_request(std::string_view payload) {
    reader in(payload);
    install_request r;
    r.elf_aid = in.field();
    r.lfdb = in.field();
    r.module_aid = in.field();
    r.instance_aid = in.field();
    r.params = in.field();
    r.privileges = in.field();
    if (!in.finished() || validate(r)) {
        return std::nullopt;
    }
    return r;
}

bytes encode_delete_request(const delete_request& r) {
    return writer().field(r.aid).flag(r.with_related ? 1 : 0).done();
}

std::optional<delete_request> decode_delete_request(std::string_view payload) {
    reader in(payload);
    delete_request r;
    r.aid = in.field();
    r.with_related = in.flag(1) == 1;
    if (!in.finished() || validate(r)) {
        return std::nullopt;
    }
    return r;
}

bytes encode_storedata_request(const storedata_request& r) {
    return writer().field(r.instance_aid).flag(static_cast<std::uint8_t>(r.type)).field(r.data).done();
}

std::optional<storedata_request> decode_storedata_request(std::string_view payload) {
    reader in(payload);
    storedata_request r;
    r.instance_aid = in.field();
    r.type = static_cast<tag_type>(in.flag(1));
    r.data = in.field();
    if (!in.finished() || validate(r)) {
        return std::nullopt;
    }
    return r;
}

} // namespace tsm::core::ccm
