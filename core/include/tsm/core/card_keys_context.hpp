#pragma once
/// The associated data card keys are sealed under with the key vault: "c/<CIN>" for a card's own
/// record, "m/<IIN>" for an IIN master set, plus "/desfire" for the DESFire part. Binding the
/// sealed blob to its record's identity means a blob copied to another record does not open.
/// Part of the storage format: records sealed by earlier versions must keep opening.
#include "tsm/core/records.hpp"

#include <string>

namespace tsm::core {

inline std::string card_keys_context(const card_keys_record& rec) {
    return (rec.master ? "m/" : "c/") + rec.id;
}

inline std::string desfire_key_context(const card_keys_record& rec) {
    return card_keys_context(rec) + "/desfire";
}

} // namespace tsm::core
