#pragma once
/// Opens the DESFire part of a card key record (PICC master key) for the DESFire kinds. The key
/// is sealed with the key vault under desfire_key_context (card_keys_context.hpp). Pure: any thread.
#include "tsm/core/desfire/key_type.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/records.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tsm::core {

/// The PICC master key of card `cin_hex` from its key record: a card record's DESFire part as
/// stored; an IIN master set's DESFire key diversified with AN10922 (M = CIN bytes || 000000 (the
/// PICC AID) || system identifier) when its method is "an10922" (M at most 31 bytes for AES, 15
/// for 2K3DES/3K3DES: a longer CIN gives nullopt).
/// nullopt when the record has no DESFire part or it cannot be opened (tampered, wrong KEK).
std::optional<desfire::desfire_key> open_desfire_key(const card_keys_record& rec, const key_vault& vault,
                                                     std::string_view cin_hex);

} // namespace tsm::core
