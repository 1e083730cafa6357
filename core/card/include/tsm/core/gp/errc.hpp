#pragma once
/// Error codes of the GlobalPlatform secure channel library (SCP02/SCP03).
#include <cstdint>
#include <system_error>

#include <boost/system/result.hpp>

namespace tsm::core::gp {

enum class errc {
    ok = 0,
    bad_key_length,           ///< key is not a valid length for the algorithm
    bad_length,               ///< input has the wrong length (challenge, block alignment, ...)
    crypto_failure,           ///< libcrypto refused the operation
    malformed_apdu,           ///< command APDU cannot be parsed (ISO 7816-4 cases 1-4)
    unsupported_cla,          ///< CLA outside the ranges secure messaging is applied to
    apdu_too_long,            ///< wrapped command no longer fits a short APDU
    malformed_response,       ///< INITIALIZE UPDATE answer has the wrong length
    wrong_protocol,           ///< card answered with another SCP than the one opened
    unsupported,              ///< option the library does not implement (e.g. SCP03 S16)
    bad_security_level,       ///< level not allowed by the card's i parameter or protocol
    card_cryptogram_mismatch, ///< card did not prove knowledge of the keys
    not_authenticated,        ///< wrap() before external_authenticate()
    already_authenticated,    ///< external_authenticate() called twice
    rmac_missing,             ///< successful response without the expected R-MAC
    rmac_mismatch,            ///< response R-MAC does not verify
    bad_padding,              ///< decrypted data lacks the ISO 9797-1 method 2 padding
};

const std::error_category& gp_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), gp_category()};
}

/// Synchronous fallible calls of this library return a value or an error code (never throw).
template <class T>
using result = boost::system::result<T, std::error_code>;

} // namespace tsm::core::gp

template <>
struct std::is_error_code_enum<tsm::core::gp::errc> : std::true_type {};
