#pragma once
/// Server-side secrets kept outside the record store. The hashing key for app keys and resume tokens, kept in `<data_dir>/pepper` (mode 0600),
/// created at first start.
#include "tsm/core/hex.hpp"

#include <string>

namespace tsm::tsmd {

/// Reads the pepper, creating it when missing. Throws std::runtime_error on I/O failure.
core::bytes load_or_create_pepper(const std::string& data_dir);

/// The pepper from the environment variable `pepper_env` when set, else from `pepper_file`
/// (64 hex digits), else load_or_create_pepper(data_dir) — unless `shared_store`: nodes of one
/// PostgreSQL store must hash alike, so a node never makes up its own (throws instead).
core::bytes load_pepper(const std::string& pepper_env, const std::string& pepper_file,
                        const std::string& data_dir, bool shared_store);

/// The key-encryption key for card keys: from the environment variable `kek_env` when set, else
/// from `kek_file`, else from `<data_dir>/kek` (created on first start; `generated` tells).
/// The value is 64 hex digits (whitespace around it ignored). Throws with a clear message.
/// With `shared_store` (PostgreSQL) a missing KEK is an error, never generated.
core::bytes load_kek(const std::string& kek_env, const std::string& kek_file, const std::string& data_dir,
                     bool& generated, bool shared_store = false);

} // namespace tsm::tsmd
