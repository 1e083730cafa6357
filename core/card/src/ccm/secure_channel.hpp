#pragma once
// Private: one secure channel over either gp::scp03_session or gp::scp02_session, so the CCM
// script engine does not care which protocol the card speaks.
#include "tsm/core/api_error.hpp"
#include "tsm/core/ccm/card_context.hpp"
#include "tsm/core/gp/scp02_session.hpp"
#include "tsm/core/gp/scp03_session.hpp"

#include <string>
#include <string_view>
#include <variant>

namespace tsm::core::ccm::detail {

struct wrapped_command {
    bytes apdu;
    gp::scp03_response_context response; // SCP03 only; SCP02 responses are not unwrapped
};

/// Why open() failed.
struct open_error {
    core::api_errc code = core::api_errc::secure_channel_error; // or authentication_failed
    std::string message;
};

class secure_channel {
public:
    /// Parses the INITIALIZE UPDATE answer data (no SW) for ctx.protocol, derives the session
    /// and verifies the card cryptogram (open_error "authentication-failed" on mismatch).
    static std::variant<secure_channel, open_error>
    open(const card_context& ctx, std::string_view host_challenge, std::string_view init_update_data);

    gp::result<bytes> external_authenticate();
    gp::result<wrapped_command> wrap(std::string_view plain);
    /// R-MAC check / R-ENC decryption for SCP03 levels that have them; identity otherwise.
    gp::result<bytes> unwrap(std::string_view response, const wrapped_command& sent) const;

private:
    explicit secure_channel(gp::scp03_session s) : s_(std::move(s)) {}
    explicit secure_channel(gp::scp02_session s) : s_(std::move(s)) {}
    std::variant<gp::scp03_session, gp::scp02_session> s_;
};

} // namespace tsm::core::ccm::detail
