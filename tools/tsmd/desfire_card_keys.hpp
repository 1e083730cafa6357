#pragma once
/// Opens the DESFire part of a card key record (PICC master key) for the DESFire operation
/// builder. The key is sealed with the key vault under the GP record's associated data
/// ("c/<CIN>" or "m/<IIN>") + "/desfire"; see card_keys_admin.
#include "tsm/core/desfire/key_type.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/records.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tsm::tsmd {

/// Associated data the DESFire key of `rec` is sealed under: the GP keys' one + "/desfire".
inline std::string desfire_key_context(const core::card_keys_record& rec) {
    return (rec.master ? "m/" : "c/") + rec.id + "/desfire";
}

/// The PICC master key of card `cin_hex` from its key record: a card record's DESFire part as
/// stored; an IIN master set's DESFire key diversified with AN10922 (M = CIN bytes || 000000 (the
/// PICC AID) || system identifier) when its method is "an10922" (M at most 31 bytes for AES, 15
/// for 2K3DES/3K3DES: a longer CIN gives nullopt).
/// nullopt when the record has no DESFire part or it cannot be opened (tampered, wrong KEK).
std::optional<core::desfire::desfire_key> open_desfire_key(const core::card_keys_record& rec,
                                                          const core::key_vault& vault,
                                                          std::string_view cin_hex);

} // namespace tsm::tsmd
