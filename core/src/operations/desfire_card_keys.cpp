#include "tsm/core/desfire_card_keys.hpp"

#include "tsm/core/card_keys_context.hpp"
#include "tsm/core/desfire/crypto.hpp"
#include "tsm/core/hex.hpp"

namespace tsm::core {
namespace {

/// The PICC level "application": AID 000000.
constexpr std::string_view picc_aid("\x00\x00\x00", 3);

} // namespace

std::optional<desfire::desfire_key> open_desfire_key(const card_keys_record& rec, const key_vault& vault,
                                                     std::string_view cin_hex) {
    if (rec.desfire_key_type.empty() || rec.desfire_sealed_key.empty()) {
        return std::nullopt;
    }
    const auto type = desfire::parse_key_type(rec.desfire_key_type);
    if (!type) {
        return std::nullopt;
    }
    auto blob = vault.open(rec.desfire_sealed_key, desfire_key_context(rec));
    if (!blob) {
        return std::nullopt;
    }
    std::optional<gp::secret_key> stored;
    if (blob->size() == desfire::key_length(*type)) {
        stored = gp::secret_key::from_bytes(*blob);
    }
    wipe(*blob);
    if (!stored) {
        return std::nullopt;
    }

    desfire::desfire_key key;
    key.type = *type;
    key.version = rec.desfire_key_version;
    const std::string& method = rec.desfire_diversification;
    if (!rec.master || method.empty() || method == "none") {
        key.value = std::move(*stored);
        return key;
    }
    if (method != "an10922") {
        return std::nullopt;
    }
    // M = CIN || PICC AID || system identifier; the CIN length is only known here.
    auto cin = from_hex(cin_hex);
    if (!cin || cin->empty()) {
        return std::nullopt;
    }
    bytes m = *cin;
    m.append(picc_aid);
    m.append(rec.desfire_system_identifier);
    // AN10922 bounds M by the two-block CMAC input: 31 bytes for AES, 15 for the DES family.
    if (m.size() > 2 * desfire::block_size(*type) - 1) {
        return std::nullopt;
    }
    auto derived = desfire::diversify_an10922(*type, *stored, m);
    if (!derived) {
        return std::nullopt;
    }
    key.value = std::move(*derived);
    return key;
}

} // namespace tsm::core
