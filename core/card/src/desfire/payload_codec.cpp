// Payload codecs for the DESFire operation records, in the CCM record layout (payload_fields.hpp).
// create_app payloads carry the application keys; the integrator seals them before they are
// stored.
#include "payload_fields.hpp"
#include "tsm/core/desfire/operations.hpp"

#include "tsm/core/gp/secret_key.hpp"

#include <algorithm>
#include <cstdint>

namespace tsm::core::desfire {
namespace {

constexpr std::size_t max_list = 0xFFFF;

/// 3 bytes; an out-of-range id keeps all 4 so that decoding refuses it instead of truncating.
bytes aid_field(application_id v) {
    bytes b{static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
    if (v > 0xFFFFFF) {
        b.insert(b.begin(), static_cast<char>(v >> 24));
    }
    return b;
}

application_id read_aid(payload::reader& in) {
    return in.fixed(3);
}

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
    payload::writer w;
    w.field(aid_field(r.aid))
        .u8(r.key_settings)
        .u8(r.number_of_keys)
        .u8(static_cast<std::uint8_t>(r.keys_type));
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
    payload::reader in(payload);
    create_app_request r;
    r.aid = read_aid(in);
    r.key_settings = in.u8();
    r.number_of_keys = in.u8();
    r.keys_type = static_cast<key_type>(in.u8(static_cast<std::uint8_t>(key_type::aes)));
    const bytes fid = in.field();
    if (fid.size() == 2) {
        r.iso_file_id = static_cast<std::uint16_t>((static_cast<unsigned char>(fid[0]) << 8)
                                                   | static_cast<unsigned char>(fid[1]));
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
    payload::writer w;
    w.field(aid_field(r.aid)).u16(static_cast<std::uint16_t>(std::min(r.commands.size(), max_list)));
    for (const auto& c : r.commands) {
        w.field(c);
    }
    return w.done();
}

std::optional<commands_request> decode_commands_request(std::string_view payload) {
    payload::reader in(payload);
    commands_request r;
    r.aid = read_aid(in);
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
    return payload::writer().field(aid_field(r.aid)).done();
}

std::optional<delete_app_request> decode_delete_app_request(std::string_view payload) {
    payload::reader in(payload);
    delete_app_request r;
    r.aid = read_aid(in);
    if (!in.finished() || validate(r)) {
        return std::nullopt;
    }
    return r;
}

} // namespace tsm::core::desfire
