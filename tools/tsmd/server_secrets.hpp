#pragma once
/// Server-side secrets kept outside the record store. The hashing key for app keys and resume tokens, kept in `<data_dir>/pepper` (mode 0600),
/// created at first start.
#include "tsm/core/hex.hpp"

#include <string>

namespace tsm::tsmd {

/// Reads the pepper, creating it when missing. Throws std::runtime_error on I/O failure.
core::bytes load_or_create_pepper(const std::string& data_dir);

/// The key-encryption key for card keys: from the environment variable `kek_env` when set, else
/// from `kek_file`, else from `<data_dir>/kek` (created on first start; `generated` tells).
/// The value is 64 hex digits (whitespace around it ignored). Throws with a clear message.
core::bytes load_kek(const std::string& kek_env, const std::string& kek_file, const std::string& data_dir,
                     bool& generated);

} // namespace tsm::tsmd
