#include "tsm/core/card_keys/card_keys_spec.hpp"

#include "tsm/core/card_keys_context.hpp"
#include "tsm/core/desfire/key_type.hpp"
#include "tsm/core/gp/key_diversification.hpp"
#include "tsm/core/hex.hpp"

namespace tsm::core {
namespace {

api_error bad(std::string message) {
    return make_api_error(api_errc::bad_request, std::move(message));
}

std::string upper_hex(std::string_view hex) {
    std::string out(hex);
    for (char& c : out) {
        if (c >= 'a' && c <= 'f') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return out;
}

/// Wipes a byte string when the scope ends, whatever the outcome.
class wipe_at_exit {
public:
    explicit wipe_at_exit(bytes& b) noexcept : b_(b) {}
    ~wipe_at_exit() { wipe(b_); }
    wipe_at_exit(const wipe_at_exit&) = delete;
    wipe_at_exit& operator=(const wipe_at_exit&) = delete;

private:
    bytes& b_;
};

/// The DESFire part; seals the key into `out` (master flag and id set) when `vault` is given.
api_status check_desfire(const desfire_key_input& d, const key_vault* vault, card_keys_record& out) {
    namespace desfire = core::desfire;
    const auto type = desfire::parse_key_type(d.key_type);
    if (!type) {
        return bad("desfire.keyType must be AES, 3K3DES, 2K3DES or DES");
    }
    const std::size_t n = desfire::key_length(*type);
    if (d.key.empty()) {
        return bad("desfire.key must be a hex key");
    }
    if (d.key.size() != n) {
        return bad("desfire.key must be " + std::to_string(n) + " bytes for " + d.key_type + " (got "
                   + std::to_string(d.key.size()) + ")");
    }
    if (d.version < 0 || d.version > 255) {
        return bad("desfire.version must be an integer from 0 to 255");
    }
    if (out.master) {
        const std::string method = d.diversification.empty() ? std::string("none") : d.diversification;
        if (method != "none" && method != "an10922") {
            return bad("desfire.diversification must be none or an10922");
        }
        if (method == "an10922" && *type == desfire::key_type::des) {
            return bad("an10922 diversification applies to AES, 2K3DES and 3K3DES keys, not DES");
        }
        auto sid = from_hex(d.system_identifier);
        if (!sid) {
            return bad("desfire.systemIdentifier must be hex");
        }
        // AN10922: M = UID (7) || AID (3) || system identifier, at most 2 blocks less the prefix
        // byte: 31 bytes for AES, 15 for the DES family.
        const std::size_t max_m = 2 * desfire::block_size(*type) - 1;
        if (sid->size() > max_m - 10) {
            return bad("desfire.systemIdentifier is at most " + std::to_string(max_m - 10) + " bytes for "
                       + d.key_type + " (AN10922: UID (7) || AID (3) || system identifier <= "
                       + std::to_string(max_m) + " bytes)");
        }
        if (!sid->empty() && method != "an10922") {
            return bad("desfire.systemIdentifier applies to an10922 diversification only");
        }
        out.desfire_diversification = method;
        out.desfire_system_identifier = std::move(*sid);
    } else if (!d.diversification.empty() || !d.system_identifier.empty()) {
        return bad("desfire.diversification and desfire.systemIdentifier apply to IIN master key sets only");
    }
    out.desfire_key_type = std::string(desfire::key_type_name(*type));
    out.desfire_key_version = static_cast<std::uint8_t>(d.version);
    if (vault != nullptr) {
        out.desfire_sealed_key = vault->seal(d.key, desfire_key_context(out));
    }
    return {};
}

/// The security levels a protocol allows (EXTERNAL AUTHENTICATE P1).
bool level_allowed(std::uint8_t scp, std::string_view level) {
    if (scp == 3) {
        return level == "01" || level == "03" || level == "11" || level == "13" || level == "33";
    }
    return level == "01" || level == "03";
}

/// The GlobalPlatform part; seals ENC || MAC || DEK into `out` when `vault` is given.
api_status check_gp(const card_keys_input& in, const key_vault* vault, card_keys_record& out) {
    auto isd = from_hex(in.isd);
    if (!isd || isd->size() < 5 || isd->size() > 16) {
        return bad("isd must be an AID of 5 to 16 bytes in hex");
    }
    out.isd_aid = std::move(*isd);
    if (in.scp == "03") {
        out.scp = 3;
    } else if (in.scp == "02") {
        out.scp = 2;
    } else {
        return bad("scp must be \"03\" or \"02\"");
    }
    if (!in.kvn || *in.kvn < 0 || *in.kvn > 255) {
        return bad("kvn must be an integer from 0 to 255");
    }
    out.kvn = static_cast<std::uint8_t>(*in.kvn);
    if (in.enc.empty() || in.mac.empty() || in.dek.empty()) {
        return bad("enc, mac and dek must be hex keys");
    }
    if (in.enc.size() != in.mac.size() || in.enc.size() != in.dek.size()) {
        return bad("enc, mac and dek must have the same length");
    }
    const std::size_t n = in.enc.size();
    if (out.scp == 3 && n != 16 && n != 24 && n != 32) {
        return bad("SCP03 keys are AES-128, AES-192 or AES-256 (16, 24 or 32 bytes)");
    }
    if (out.scp == 2 && n != 16) {
        return bad("SCP02 keys are two-key 3DES (16 bytes)");
    }
    out.key_length = static_cast<std::uint8_t>(n);
    const std::string_view level = in.security_level.empty() ? std::string_view("03") : in.security_level;
    if (!level_allowed(out.scp, level)) {
        return bad(out.scp == 3 ? "securityLevel must be 01, 03, 11, 13 or 33 for SCP03"
                                : "securityLevel must be 01 or 03 for SCP02");
    }
    out.security_level = static_cast<std::uint8_t>((*from_hex(level))[0]);
    if (out.master) {
        const auto method = gp::parse_diversification(in.diversification);
        if (!method) {
            return bad("diversification must be none, kdf3, emv or visa2");
        }
        // EMV and VISA2 diversify 3DES keys, KDF3 AES keys: refuse a set that could never work.
        if ((*method == gp::diversification::emv || *method == gp::diversification::visa2) && out.scp != 2) {
            return bad("emv and visa2 diversification apply to SCP02 (3DES) key sets");
        }
        if (*method == gp::diversification::kdf3 && out.scp != 3) {
            return bad("kdf3 diversification applies to SCP03 (AES) key sets");
        }
        out.diversification = std::string(gp::to_string(*method));
    } else if (!in.diversification.empty()) {
        return bad("diversification applies to IIN master key sets only");
    }
    if (vault != nullptr) {
        bytes keys = in.enc + in.mac + in.dek;
        wipe_at_exit wipe_keys(keys);
        out.sealed_keys = vault->seal(keys, card_keys_context(out));
    }
    return {};
}

/// The device description of a card (`out.master` is false).
api_status check_device(const card_keys_input& in, card_keys_record& out) {
    if (in.platform_version) {
        if (*in.platform_version < 1 || *in.platform_version > card_keys_spec::max_platform_version) {
            return bad("platformVersion must be an integer from 1 to 2147483647");
        }
        out.platform_version = *in.platform_version;
    }
    if (in.os_type_version_name.size() > card_keys_spec::max_os_name_chars) {
        return bad("osTypeVersionName is at most 64 characters");
    }
    for (const char c : in.os_type_version_name) {
        if (c < 0x20 || c > 0x7e) {
            return bad("osTypeVersionName must be printable ASCII");
        }
    }
    out.os_type_version_name = in.os_type_version_name;
    if (in.batch_id) {
        if (*in.batch_id < 0) {
            return bad("batchId must be a non-negative integer");
        }
        out.batch_id = *in.batch_id;
    }
    auto cplc = from_hex(in.cplc);
    if (!cplc) {
        return bad("cplc must be even-length hex");
    }
    *cplc = card_keys_spec::normalize_cplc(std::move(*cplc));
    if (cplc->size() > card_keys_spec::max_cplc_bytes) {
        return bad("cplc is at most 64 bytes (the CPLC data is 42)");
    }
    out.cplc = std::move(*cplc);
    auto uid = from_hex(in.uid);
    if (!uid || (!uid->empty() && uid->size() != 4 && uid->size() != 7 && uid->size() != 10)) {
        return bad("uid must be hex of 4, 7 or 10 bytes (ISO/IEC 14443 UID)");
    }
    out.uid = std::move(*uid);
    return {};
}

/// The whole check, in the order the admin API has always reported errors: id, iin, device
/// description, presence, DESFire part, GlobalPlatform part.
api_status check(bool master, std::string_view id, const card_keys_input& in, const key_vault* vault,
                 card_keys_record& out) {
    auto normalized = card_keys_spec::normalize_id(master, id);
    if (!normalized) {
        return normalized.error();
    }
    out.master = master;
    out.id = std::move(*normalized);
    if (master) {
        out.iin = out.id;
    } else {
        if (!in.iin.empty() && !is_hex(in.iin)) {
            return bad("iin must be hex");
        }
        out.iin = upper_hex(in.iin);
    }
    if (master && in.has_device_part()) {
        return bad("platformVersion, osTypeVersionName, batchId, cplc and uid apply to cards only");
    }
    if (!master) {
        if (auto st = check_device(in, out); !st) {
            return st;
        }
    }
    const bool gp = in.has_gp_part();
    if (!gp && !in.desfire) {
        if (master) {
            return bad("give GlobalPlatform keys (isd, scp, kvn, enc, mac, dek), a desfire object, or both");
        }
        if (!in.platform_version) {
            return bad("give platformVersion (a device without keys), GlobalPlatform keys (isd, scp, kvn, "
                       "enc, mac, dek), a desfire object, or several of them");
        }
        if (out.iin.empty()) {
            return bad("iin is required for a device without keys");
        }
    }
    if (in.desfire) {
        if (auto st = check_desfire(*in.desfire, vault, out); !st) {
            return st;
        }
    }
    if (gp) {
        return check_gp(in, vault, out);
    }
    return {};
}

} // namespace

bool card_keys_input::has_gp_part() const noexcept {
    return !isd.empty() || !scp.empty() || kvn.has_value() || !enc.empty() || !mac.empty() || !dek.empty()
           || !security_level.empty() || !diversification.empty();
}

bool card_keys_input::has_device_part() const noexcept {
    return platform_version.has_value() || !os_type_version_name.empty() || batch_id.has_value()
           || !cplc.empty() || !uid.empty();
}

bytes card_keys_spec::normalize_cplc(bytes cplc) {
    // GET DATA 9F7F may answer with the tag (9F7F) and length (2A) before the 42 bytes; the
    // touch point reports the data alone (the client protocol, §2), so the tag is dropped.
    if (cplc.size() == 45 && cplc.compare(0, 3, "\x9F\x7F\x2A") == 0) {
        cplc.erase(0, 3);
    }
    return cplc;
}

api_result<std::string> card_keys_spec::normalize_id(bool master, std::string_view id) {
    if (id.empty() || !is_hex(id) || id.size() > 64) {
        return bad(master ? "the IIN must be hex" : "the CIN must be hex (at most 32 bytes)");
    }
    return upper_hex(id);
}

api_status card_keys_spec::validate(bool master, std::string_view id, const card_keys_input& in) {
    card_keys_record scratch;
    return check(master, id, in, nullptr, scratch);
}

api_result<card_keys_record> card_keys_spec::build(bool master, std::string_view id,
                                                   const card_keys_input& in, const key_vault& vault) {
    card_keys_record rec;
    if (auto st = check(master, id, in, &vault, rec); !st) {
        return st.error();
    }
    return rec;
}

} // namespace tsm::core
