#pragma once
/// The server's hashing key for app keys and resume tokens, kept in `<data_dir>/pepper` (mode 0600),
/// created at first start.
#include "tsm/core/hex.hpp"

#include <string>

namespace tsm::tsmd {

/// Reads the pepper, creating it when missing. Throws std::runtime_error on I/O failure.
core::bytes load_or_create_pepper(const std::string& data_dir);

} // namespace tsm::tsmd
