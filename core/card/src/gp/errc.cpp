#include "tsm/core/gp/errc.hpp"

#include <string>

namespace tsm::core::gp {
namespace {

class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "tsm.gp"; }

    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::ok: return "ok";
        case errc::bad_key_length: return "invalid key length";
        case errc::bad_length: return "invalid input length";
        case errc::crypto_failure: return "cryptographic operation failed";
        case errc::malformed_apdu: return "malformed command APDU";
        case errc::unsupported_cla: return "CLA not supported for secure messaging";
        case errc::apdu_too_long: return "wrapped APDU exceeds short APDU length";
        case errc::malformed_response: return "malformed INITIALIZE UPDATE response";
        case errc::wrong_protocol: return "card reported a different secure channel protocol";
        case errc::unsupported: return "unsupported secure channel option";
        case errc::bad_security_level: return "security level not supported by the card";
        case errc::card_cryptogram_mismatch: return "card cryptogram mismatch (wrong keys?)";
        case errc::not_authenticated: return "secure channel not authenticated yet";
        case errc::already_authenticated: return "EXTERNAL AUTHENTICATE already produced";
        case errc::rmac_missing: return "response R-MAC missing";
        case errc::rmac_mismatch: return "response R-MAC mismatch";
        case errc::bad_padding: return "bad padding in decrypted data";
        }
        return "unknown gp error";
    }
};

} // namespace

const std::error_category& gp_category() noexcept {
    static const category instance;
    return instance;
}

} // namespace tsm::core::gp
