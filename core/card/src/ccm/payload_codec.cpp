// Payload codecs for the CCM operation records (layout: payload_fields.hpp). No key material is
// ever part of a payload. The install payload carries the LFDB hash as a 7th field only when it
// is set (install by hash), so payloads written before it existed decode unchanged.
#include "payload_fields.hpp"
#include "tsm/core/ccm/operations.hpp"

#include <cstdint>

namespace tsm::core::ccm {

bytes encode_install_request(const install_request& r) {
    payload::writer w;
    w.field(r.elf_aid)
        .field(r.lfdb)
        .field(r.module_aid)
        .field(r.instance_aid)
        .field(r.params)
        .field(r.privileges);
    if (!r.lfdb_hash.empty()) {
        w.field(r.lfdb_hash);
    }
    return w.done();
}

std::optional<install_request> decode_install_request(std::string_view payload) {
    payload::reader in(payload);
    install_request r;
    r.elf_aid = in.field();
    r.lfdb = in.field();
    r.module_aid = in.field();
    r.instance_aid = in.field();
    r.params = in.field();
    r.privileges = in.field();
    if (in.ok() && !in.finished()) {
        r.lfdb_hash = in.field();
        if (r.lfdb_hash.empty()) { // written only when set: an empty one is no payload of ours
            return std::nullopt;
        }
    }
    if (!in.finished() || validate(r)) {
        return std::nullopt;
    }
    return r;
}

bytes encode_delete_request(const delete_request& r) {
    return payload::writer().field(r.aid).u8(r.with_related ? 1 : 0).done();
}

std::optional<delete_request> decode_delete_request(std::string_view payload) {
    payload::reader in(payload);
    delete_request r;
    r.aid = in.field();
    r.with_related = in.u8(1) == 1;
    if (!in.finished() || validate(r)) {
        return std::nullopt;
    }
    return r;
}

bytes encode_storedata_request(const storedata_request& r) {
    return payload::writer().field(r.instance_aid).u8(static_cast<std::uint8_t>(r.type)).field(r.data).done();
}

std::optional<storedata_request> decode_storedata_request(std::string_view payload) {
    payload::reader in(payload);
    storedata_request r;
    r.instance_aid = in.field();
    r.type = static_cast<tag_type>(in.u8(1));
    r.data = in.field();
    if (!in.finished() || validate(r)) {
        return std::nullopt;
    }
    return r;
}

} // namespace tsm::core::ccm
