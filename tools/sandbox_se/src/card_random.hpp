#pragma once
// The card's random source (challenges, RndB): the configured generator when there is one
// (tests: fixed values), otherwise OpenSSL's RAND_bytes.
#include "tsm/sandbox/secure_element.hpp"

#include <cstddef>
#include <functional>

namespace tsm::sandbox::detail {

/// `n` random bytes: from `random` (its answer padded with zeros or cut to `n`) when set.
bytes card_random(const std::function<bytes(std::size_t)>& random, std::size_t n);

} // namespace tsm::sandbox::detail
