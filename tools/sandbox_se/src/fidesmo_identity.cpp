// What identifies the sandbox card as a Fidesmo device to a touch point: the reader's GET UID
// pseudo-APDU and the Fidesmo identification applets (the Fidesmo client protocol, section 2).
#include "secure_element_impl.hpp"

namespace tsm::sandbox {

using namespace detail;

namespace {

// Big-endian, shortest form (at least one byte), as the platform applet reports the batch id.
bytes big_endian(std::uint32_t v) {
    bytes out;
    do {
        out.insert(out.begin(), static_cast<char>(v & 0xFF));
        v >>= 8;
    } while (v != 0);
    return out;
}

} // namespace

bytes secure_element::impl::get_uid(std::string_view raw) const {
    // FF CA 00 00 Le: the UID. P1 01 (historical bytes) is not offered.
    if (raw.size() != 5 && raw.size() != 4) {
        return sw_bytes(sw::wrong_length);
    }
    if (u8(raw, 2) != 0x00 || u8(raw, 3) != 0x00) {
        return sw_bytes(sw::wrong_p1p2);
    }
    return cfg.uid + sw_bytes(sw::ok);
}

bool secure_element::impl::is_fidesmo_applet(std::string_view aid) const {
    const auto& f = cfg.fidesmo;
    return f.enabled && (aid == f.platform_aid || aid == f.batch_aid || aid == f.capabilities_aid);
}

response secure_element::impl::select_fidesmo_applet(std::string_view aid) {
    const auto& f = cfg.fidesmo;
    selected = bytes(aid);
    if (aid == f.platform_aid) {
        return {tlv("\x6F", tlv("\x84", aid)
                                + tlv("\xA5", tlv("\x45", cfg.cin) + tlv("\x42", big_endian(f.batch_id)))),
                sw::ok};
    }
    if (aid == f.batch_aid) {
        return {tlv("\x6F", tlv("\x84", aid) + tlv("\xA5", tlv("\x42", big_endian(f.batch_id)))), sw::ok};
    }
    return status(sw::ok); // the capabilities applet: its presence is what counts
}

} // namespace tsm::sandbox
